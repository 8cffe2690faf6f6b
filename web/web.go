// Package web is hrconnect's web app: first-run setup, signing in, the
// integrations marketplace, the Zoho connection forms (Seed 000's "Enable this
// Integration" and secure token form, and seed 004's "Connect with Zoho"
// redirect with its OAuth callback), connection pages, custom services, users
// and the audit log; and the ATS side of onboarding: workflows and their
// stages' links to Zoho People, job posts, applicants and their applications,
// transfers and their log, and each Zoho People connection's field mapping. It mounts the REST API (package api) at /api/v1/.
//
// The layout follows miniflux: the route table is in routes.go, each group of
// handlers has a small file of its own, pages are html/template files embedded
// in the binary with one small CSS file, and there is no build step and no
// external asset, so the app works offline.
//
// # Security
//
//   - Sessions are server-side: the cookie holds 32 random bytes, the database
//     only their SHA-256, so a copy of the database signs nobody in.
//   - Cross-site POSTs are refused by http.CrossOriginProtection around the
//     whole handler (Sec-Fetch-Site / Origin), which is why the forms carry no
//     CSRF token.
//   - Every query is scoped to the signed-in user's tenant; a connection of
//     another tenant is "not found", never "forbidden", so IDs leak nothing.
//   - Secrets (client secrets, codes, tokens, passwords) are never logged and
//     never rendered back into forms; the tokens of a code exchange are shown
//     once, on a page sent with Cache-Control: no-store.
package web

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/onboard"
	"hrconnect/webhook"
	"hrconnect/zoho"
)

// Store is everything the web app reads and writes. *sqlstore.DB implements it.
type Store interface {
	hrconnect.TenantStore
	hrconnect.ConnectionStore
	hrconnect.ServiceStore
	hrconnect.AuthStore
}

// Deps are what New needs.
type Deps struct {
	Store Store
	// Connections creates, reconnects and removes connections.
	Connections *connect.Service
	// Zoho is the client whose Directory lists the data centres offered (the
	// real ones, or a sandbox's) and which builds consent-page URLs.
	Zoho *zoho.Client
	// BaseURL is where people reach hrconnect, such as
	// "https://hr.example.com"; the OAuth redirect URI is
	// BaseURL + "/oauth/zoho/callback". An https base URL makes the session
	// cookie Secure.
	BaseURL string
	// SandboxConsole, when set, is the URL of the Zoho sandbox's API Console,
	// linked from the token form's instructions.
	SandboxConsole string
	// Onboard holds workflows, job posts, applicants, applications and
	// transfers: the ATS pages and the field mappings of Zoho People
	// connections. Nil leaves those pages out.
	Onboard *onboard.Service
	// API serves the REST API under /api/v1/; nil leaves it unmounted.
	API http.Handler
	// Webhooks manages the tenant's webhook endpoints; nil leaves the
	// webhook pages out.
	Webhooks *webhook.Service
	// Logger receives request errors. Secrets are never given to it.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BcryptCost is the cost of new password hashes; zero means
	// bcrypt.DefaultCost. Tests lower it.
	BcryptCost int
	// SessionTTL is how long a sign-in lasts; zero means 12 hours.
	SessionTTL time.Duration
}

// CallbackPath is the path of the OAuth redirect URI that Zoho sends people
// back to after the consent page.
const CallbackPath = "/oauth/zoho/callback"

// Server is the web app. Its Handler serves every page.
type Server struct {
	store    Store
	conns    *connect.Service
	onb      *onboard.Service
	zoho     *zoho.Client
	dir      *zoho.Directory
	baseURL  string
	secure   bool
	sandbox  string
	api      http.Handler
	hooks    *webhook.Service
	log      *slog.Logger
	now      func() time.Time
	cost     int
	ttl      time.Duration
	pages    *pages
	limiter  *signinLimiter
	setUp    atomic.Bool // a tenant exists: first-run setup is over
	setupMux chan struct{}
	// dummyHash is compared against when the email is unknown, at the cost
	// of real hashes, so that the response time does not tell which emails
	// have accounts.
	dummyHash []byte
}

// New returns the web app.
func New(d Deps) (*Server, error) {
	s := &Server{
		store:    d.Store,
		conns:    d.Connections,
		onb:      d.Onboard,
		zoho:     d.Zoho,
		dir:      d.Zoho.Directory(),
		baseURL:  strings.TrimRight(d.BaseURL, "/"),
		sandbox:  d.SandboxConsole,
		api:      d.API,
		hooks:    d.Webhooks,
		log:      d.Logger,
		now:      d.Now,
		cost:     d.BcryptCost,
		ttl:      d.SessionTTL,
		setupMux: make(chan struct{}, 1),
	}
	s.secure = strings.HasPrefix(s.baseURL, "https://")
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cost == 0 {
		s.cost = bcrypt.DefaultCost
	}
	if s.ttl == 0 {
		s.ttl = 12 * time.Hour
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.limiter = newSigninLimiter(s.now)
	if s.dummyHash, err = bcrypt.GenerateFromPassword([]byte(newToken()), s.cost); err != nil {
		return nil, err
	}
	return s, nil
}

// RedirectURI is the OAuth redirect URI to register for a Zoho client used
// with "Connect with Zoho".
func (s *Server) RedirectURI() string { return s.baseURL + CallbackPath }

// Handler returns the app's HTTP handler, with cross-site POSTs refused and
// one log line per request.
func (s *Server) Handler() http.Handler {
	csrf := http.NewCrossOriginProtection()
	// The REST API authenticates each request with a key in its
	// Authorization header, never with a cookie, so a cross-site request
	// carries no credentials of the victim: there is nothing to forge.
	csrf.AddInsecureBypassPattern("/api/v1/")
	return s.logRequests(csrf.Handler(limitForms(s.routes())))
}

// maxForm caps the body of a page's form: the largest, a custom service's
// definition, is well under it.
const maxForm = 64 << 10

// limitForms caps the request body of every page (the REST API sets its own
// limits), so that a huge POST cannot make the server buffer it.
func limitForms(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request: method, path, status and
// duration. Never the query string, which carries Zoho's code and state on
// the callback, nor any header or form value.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			return // the REST API logs its own requests
		}
		s.log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds(), "remote", clientIP(r))
	})
}
