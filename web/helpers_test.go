package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/crypto/bcrypt"

	"hrconnect"
	"hrconnect/api"
	"hrconnect/connect"
	"hrconnect/internal/logging"
	"hrconnect/onboard"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/web"
	"hrconnect/zoho"
)

// app is the real web app on 127.0.0.1, over SQLite in a temporary
// directory, talking to an in-process Zoho sandbox.
type app struct {
	t       *testing.T
	url     string // the app's base URL
	sb      *sandbox.Server
	sbURL   string
	db      *sqlstore.DB
	onb     *onboard.Service
	logs    *syncBuffer
	secrets *secretList
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretList collects the secrets a test used, to look for them where they
// must not be.
type secretList struct {
	mu   sync.Mutex
	list []string
}

func (s *secretList) add(v ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range v {
		if x != "" {
			s.list = append(s.list, x)
		}
	}
}

func (s *secretList) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.list...)
}

type appOption func(*web.Deps)

// newApp returns the app on SQLite.
func newApp(t *testing.T, opts ...appOption) *app { return newAppOn(t, "", opts...) }

// newAppOn is newApp on PostgreSQL at pgURL, or SQLite when it is empty.
func newAppOn(t *testing.T, pgURL string, opts ...appOption) *app {
	t.Helper()
	ctx := testContext(t)
	sb := sandbox.New()
	sbSrv := httptest.NewServer(sb.Handler())
	t.Cleanup(sbSrv.Close)
	dir, err := zoho.ForSandbox(sbSrv.URL)
	if err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	v, err := vault.Open(vault.Options{Dir: filepath.Join(tmp, "keys"), ReloadInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: tmp, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true}
	}
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })

	a := &app{t: t, sb: sb, sbURL: sbSrv.URL, db: db, logs: &syncBuffer{}, secrets: &secretList{}}
	log := logging.New(a.logs, logging.Options{Level: slog.LevelDebug})
	zc := zoho.NewClient(zoho.Config{Directory: dir})
	z := &connect.Zoho{Client: zc}
	tokens := connect.NewManager(db, &connect.Refreshers{Zoho: z, Services: db}, connect.WithLogger(log))
	conns := connect.NewService(db, tokens, z, connect.WithServices(db), connect.WithDirectory(dir))

	a.onb = startOnboard(t, db, tokens, zc, log)

	srv := httptest.NewUnstartedServer(nil)
	a.url = "http://" + srv.Listener.Addr().String()
	deps := web.Deps{Store: db, Connections: conns, Onboard: a.onb, Zoho: zc, BaseURL: a.url, SandboxConsole: sbSrv.URL + "/console/",
		Logger: log, BcryptCost: bcrypt.MinCost,
		API: api.New(api.Deps{Store: db, Connections: conns, Directory: dir, Logger: log})}
	for _, o := range opts {
		o(&deps)
	}
	w, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = w.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	// Last, so that it runs first: after the test, no log line may hold a
	// secret the test used.
	t.Cleanup(a.checkLogs)
	return a
}

// startOnboard returns the onboarding service with a River client working
// its jobs, as serve wires it, with short waits: River's snoozes and
// backoffs use real time.
func startOnboard(t *testing.T, db *sqlstore.DB, tokens *connect.Manager, zc *zoho.Client, log *slog.Logger) *onboard.Service {
	t.Helper()
	svc := onboard.NewService(db, tokens, zc, onboard.Config{InsertsPerMinute: -1, ReconnectWait: 50 * time.Millisecond,
		ReconnectWaitMax: 200 * time.Millisecond, MaxSnooze: 100 * time.Millisecond, RetryBackoff: 20 * time.Millisecond,
		RetryBackoffMax: 200 * time.Millisecond, Logger: log})
	workers := river.NewWorkers()
	river.AddWorker(workers, svc.Worker())
	rc, err := db.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler), Workers: workers,
		Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		FetchCooldown: 20 * time.Millisecond, FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc.SetRiver(rc)
	if err := rc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rc.Stop(ctx)
	})
	return svc
}

// checkLogs fails the test if any log line holds one of the test's secrets.
func (a *app) checkLogs() {
	logs := a.logs.String()
	if !strings.Contains(logs, `"msg":"request"`) {
		a.t.Errorf("the server logged no request: the scan for secrets below would prove nothing")
	}
	for _, s := range a.secrets.all() {
		if strings.Contains(logs, s) {
			a.t.Errorf("the server's log holds the secret %q", s)
		}
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// user creates a user with a password, in a new tenant when tenant is nil.
func (a *app) user(tenant *hrconnect.Tenant, email string, manage bool) (*hrconnect.User, *hrconnect.Tenant, string) {
	a.t.Helper()
	ctx := testContext(a.t)
	if tenant == nil {
		tenant = &hrconnect.Tenant{Name: "Tenant of " + email}
		must(a.t, a.db.CreateTenant(ctx, tenant))
	}
	u := &hrconnect.User{TenantID: tenant.ID, Email: email, Name: strings.Split(email, "@")[0]}
	if manage {
		u.Permissions = []hrconnect.Permission{hrconnect.PermIntegrations}
	}
	must(a.t, a.db.CreateUser(ctx, u))
	password := "password-of-" + email
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	must(a.t, err)
	must(a.t, a.db.SetPassword(ctx, tenant.ID, u.ID, string(hash)))
	a.secrets.add(password)
	return u, tenant, password
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests see each response.
type browser struct {
	t    *testing.T
	a    *app
	c    *http.Client
	hdr  http.Header // sent with every request
	last string      // the last response's body
}

func (a *app) client() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, a: a, hdr: http.Header{}, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signedIn returns a client signed in as email.
func (a *app) signedIn(email, password string) *browser {
	b := a.client()
	res := b.post("/signin", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("sign in as %s: %d %s", email, res.StatusCode, b.last)
	}
	return b
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	for k, v := range b.hdr {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	b.last = string(body)
	if strings.HasPrefix(req.URL.String(), b.a.url+"/") {
		b.a.checkBody(req.URL.Path, b.last) // the app's pages; Zoho's may show what they like
	}
	return res
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.abs(path), nil)
	must(b.t, err)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.abs(path), strings.NewReader(form.Encode()))
	must(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) abs(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.a.url + path
}

// revealed holds secrets a page may show once (the token form's result);
// every other page must show none of the test's secrets.
var onceOnly = "/integrations/zoho_people/token"

// checkBody fails the test if a page other than the one-time token display
// shows a secret the test used.
func (a *app) checkBody(path, body string) {
	if path == onceOnly {
		return
	}
	for _, s := range a.secrets.all() {
		if strings.Contains(body, s) {
			a.t.Errorf("the page %s shows the secret %q", path, s)
		}
	}
}

// sandboxJSON posts body to the sandbox's control surface and decodes the
// answer into out.
func (a *app) sandboxJSON(path string, body, out any) {
	a.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(a.sbURL+path, "application/json", bytes.NewReader(b))
	must(a.t, err)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(res.Body)
		a.t.Fatalf("sandbox %s: %d %s", path, res.StatusCode, msg)
	}
	must(a.t, json.NewDecoder(res.Body).Decode(out))
}

// selfClient registers a Self Client in dc and returns its ID and secret.
func (a *app) selfClient(dc string) (id, secret string) {
	var c struct{ ClientID, ClientSecret string }
	var raw map[string]string
	a.sandboxJSON("/_sandbox/clients", map[string]any{"dc": dc, "client_type": "self"}, &raw)
	c.ClientID, c.ClientSecret = raw["client_id"], raw["client_secret"]
	a.secrets.add(c.ClientSecret)
	return c.ClientID, c.ClientSecret
}

// code generates a Self Client code for Zoho People.
func (a *app) code(clientID string) string { return a.codeFor(clientID, "ZOHOPEOPLE.forms.ALL") }

// codeFor generates a Self Client code for the scope.
func (a *app) codeFor(clientID, scope string) string {
	var raw map[string]string
	a.sandboxJSON("/_sandbox/self-client/code", map[string]any{"client_id": clientID, "scope": scope, "duration_minutes": 10, "description": "test"}, &raw)
	a.secrets.add(raw["code"])
	return raw["code"]
}

// webClient registers a Web Based client with the app's callback.
func (a *app) webClient(dc string) (id, secret string) {
	var raw map[string]string
	a.sandboxJSON("/_sandbox/clients", map[string]any{"dc": dc, "client_type": "web", "client_name": "hrconnect test",
		"homepage_url": a.url, "redirect_uris": []string{a.url + web.CallbackPath}}, &raw)
	a.secrets.add(raw["client_secret"])
	return raw["client_id"], raw["client_secret"]
}

// sandboxTokens returns the sandbox's issued tokens, to learn the tokens a
// connection holds without reading them from hrconnect.
func (a *app) sandboxTokens() (refresh, access []struct {
	Token   string `json:"token"`
	Revoked bool   `json:"revoked"`
}) {
	a.t.Helper()
	res, err := http.Get(a.sbURL + "/_sandbox/state")
	must(a.t, err)
	defer res.Body.Close()
	var st struct {
		Tokens struct {
			Refresh []struct {
				Token   string `json:"token"`
				Revoked bool   `json:"revoked"`
			} `json:"refresh"`
			Access []struct {
				Token   string `json:"token"`
				Revoked bool   `json:"revoked"`
			} `json:"access"`
		} `json:"tokens"`
	}
	must(a.t, json.NewDecoder(res.Body).Decode(&st))
	return st.Tokens.Refresh, st.Tokens.Access
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantStatus(t *testing.T, res *http.Response, want int, body string) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, clip(body))
	}
}

func wantContains(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q; body:\n%s", w, clip(body))
		}
	}
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

func decodeJSON(res *http.Response, out any) error {
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out)
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	must(t, err)
	return u
}

// allConnections lists every tenant's connections.
func (a *app) allConnections() []*hrconnect.Connection {
	a.t.Helper()
	ctx := testContext(a.t)
	tenants, err := a.db.Tenants(ctx)
	must(a.t, err)
	var out []*hrconnect.Connection
	for _, t := range tenants {
		cs, err := a.db.Connections(ctx, hrconnect.ConnectionFilter{TenantID: t.ID})
		must(a.t, err)
		out = append(out, cs...)
	}
	return out
}
