package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/api"
	"hrconnect/connect"
	"hrconnect/internal/logging"
	"hrconnect/internal/testenv"
	"hrconnect/onboard"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/webhook"
	"hrconnect/zoho"
)

// env is one test's world: a sandbox over HTTP, a real database, the API
// served over HTTP on loopback, two tenants with keys, and a log that the
// test scans for secrets when it ends.
type env struct {
	t     *testing.T
	ctx   context.Context
	sb    *sandbox.Server
	sbURL string
	dir   *zoho.Directory
	db    *sqlstore.DB
	api   *httptest.Server
	logs  *lockedBuffer
	oa    *openAPIDoc
	// onb is the onboarding service behind the API; river is its client,
	// which inserts transfer jobs and, once startWorkers is called, works them.
	onb    *onboard.Service
	river  *river.Client[*sql.Tx]
	hooks  *webhook.Service
	tenant *hrconnect.Tenant
	other  *hrconnect.Tenant
	admin  *hrconnect.User
	// adminKey holds integrations_management; readKey holds no permission;
	// otherKey belongs to the other tenant (with the permission).
	adminKey, readKey, otherKey string

	mu sync.Mutex
	// secrets are every secret the test handled: none may appear in a log
	// line, nor in a reply other than the one that showed it once.
	secrets []string
	// replies are every reply body, each with the secrets it was allowed
	// to show (the one-time displays).
	replies []reply
}

type reply struct {
	what    string
	body    string
	allowed []string
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// backend opens a fresh database: SQLite in a temporary directory, or a
// fresh PostgreSQL database.
type backend struct {
	name string
	open func(t *testing.T) *sqlstore.DB
}

var backends = []backend{
	{"sqlite", func(t *testing.T) *sqlstore.DB { return openDB(t, "") }},
	{"postgres", func(t *testing.T) *sqlstore.DB { return openDB(t, testenv.Postgres(t)) }},
}

func openDB(t *testing.T, pgURL string) *sqlstore.DB {
	t.Helper()
	dir := t.TempDir()
	v, err := vault.Open(vault.Options{Dir: filepath.Join(dir, "keys"), ReloadInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachBackend runs fn on SQLite and on PostgreSQL, in parallel.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

var sqliteOnly = backends[0]

func newEnv(t *testing.T, b backend) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, sb: sandbox.New(), logs: &lockedBuffer{}, oa: loadOpenAPI(t)}
	sbSrv := httptest.NewServer(e.sb.Handler())
	t.Cleanup(sbSrv.Close)
	e.sbURL = sbSrv.URL
	var err error
	if e.dir, err = zoho.ForSandbox(sbSrv.URL); err != nil {
		t.Fatal(err)
	}
	e.db = b.open(t)
	logger := logging.New(e.logs, logging.Options{Level: slog.LevelDebug})
	zc := zoho.NewClient(zoho.Config{Directory: e.dir})
	z := &connect.Zoho{Client: zc}
	m := connect.NewManager(e.db, &connect.Refreshers{Zoho: z, Services: e.db}, connect.WithClock(e.sb.Now), connect.WithLogger(logger))
	conns := connect.NewService(e.db, m, z, connect.WithServices(e.db), connect.WithDirectory(e.dir))
	e.onb = onboard.NewService(e.db, m, zc, onboard.Config{InsertsPerMinute: -1, RetryBackoff: 20 * time.Millisecond,
		RetryBackoffMax: 200 * time.Millisecond, MaxSnooze: 100 * time.Millisecond, Now: e.sb.Now, Logger: logger})
	workers := river.NewWorkers()
	river.AddWorker(workers, e.onb.Worker())
	river.AddWorker(workers, e.onb.ReconcileWorker())
	e.river, err = e.db.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler), Workers: workers,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.onb.SetRiver(e.river)
	e.hooks = webhook.NewService(e.db, webhook.Config{Logger: logger})
	e.api = httptest.NewServer(api.New(api.Deps{Store: e.db, Connections: conns, Directory: e.dir, Onboard: e.onb, Logger: logger, Now: e.sb.Now, Webhooks: e.hooks}))
	t.Cleanup(e.api.Close)
	t.Cleanup(e.checkSecrets)

	e.tenant = &hrconnect.Tenant{Name: "Acme"}
	e.other = &hrconnect.Tenant{Name: "Globex"}
	must(t, e.db.CreateTenant(ctx, e.tenant))
	must(t, e.db.CreateTenant(ctx, e.other))
	e.admin = &hrconnect.User{TenantID: e.tenant.ID, Email: "admin@acme.test", Name: "Ada", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, e.db.CreateUser(ctx, e.admin))
	e.adminKey = e.issueKey(e.tenant.ID, e.admin.ID, "ATS admin", hrconnect.PermIntegrations)
	e.readKey = e.issueKey(e.tenant.ID, e.admin.ID, "ATS reader")
	e.otherKey = e.issueKey(e.other.ID, "", "Globex admin", hrconnect.PermIntegrations)
	return e
}

// startWorkers starts the River client, which then works transfer jobs
// until the test ends.
func (e *env) startWorkers() {
	e.t.Helper()
	must(e.t, e.river.Start(e.ctx))
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.river.Stop(ctx)
	})
}

func (e *env) issueKey(tenantID, userID, name string, perms ...hrconnect.Permission) string {
	e.t.Helper()
	key, err := api.IssueKey(e.ctx, e.db, &hrconnect.APIKey{TenantID: tenantID, Name: name, CreatedBy: userID, Permissions: perms})
	must(e.t, err)
	e.secret(key)
	return key
}

// secret adds secrets to the ones scanned for.
func (e *env) secret(s ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, x := range s {
		if x != "" {
			e.secrets = append(e.secrets, x)
		}
	}
}

// checkSecrets fails the test when a secret it used is in a log line, or in
// a reply that was not its one-time display.
func (e *env) checkSecrets() {
	logs := e.logs.String()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range e.secrets {
		if strings.Contains(logs, s) {
			e.t.Errorf("a secret appears in the logs: %.10s…", s)
		}
		for _, r := range e.replies {
			if strings.Contains(r.body, s) && !contains(r.allowed, s) {
				e.t.Errorf("a secret (%.10s…) appears in the reply to %s", s, r.what)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resp is a reply of the API.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a request to the API with key (none when empty) and a body
// (JSON-encoded unless it is a string or []byte, sent as it is), and checks
// the reply against the OpenAPI document: a documented status, and a body
// that validates against the documented schema. allowed are secrets this
// reply may show (its one-time display).
func (e *env) call(method, path, key string, body any, allowed ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		must(e.t, err)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(e.ctx, method, e.api.URL+path, rd)
	must(e.t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return e.send(req, allowed...)
}

// send sends req and checks the reply (see call).
func (e *env) send(req *http.Request, allowed ...string) *resp {
	e.t.Helper()
	hr, err := http.DefaultClient.Do(req)
	must(e.t, err)
	defer hr.Body.Close()
	b, err := io.ReadAll(hr.Body)
	must(e.t, err)
	r := &resp{status: hr.StatusCode, header: hr.Header, body: b}
	e.mu.Lock()
	e.replies = append(e.replies, reply{what: req.Method + " " + req.URL.Path, body: string(b), allowed: allowed})
	e.mu.Unlock()
	if hr.StatusCode >= 400 {
		e.checkProblem(req, r)
	}
	e.oa.checkResponse(e.t, req.Method, req.URL.Path, r)
	return r
}

// checkProblem: every error is a problem+json with its required members,
// its status equal to the reply's.
func (e *env) checkProblem(req *http.Request, r *resp) {
	e.t.Helper()
	if ct := r.header.Get("Content-Type"); ct != api.ProblemContentType {
		e.t.Errorf("%s %s: %d with Content-Type %q, want %s", req.Method, req.URL.Path, r.status, ct, api.ProblemContentType)
		return
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		e.t.Errorf("%s %s: problem does not decode: %v", req.Method, req.URL.Path, err)
		return
	}
	if p.Status != r.status || p.Type == "" || p.Title == "" || p.Detail == "" || p.Code == "" {
		e.t.Errorf("%s %s: incomplete problem %s", req.Method, req.URL.Path, r.body)
	}
}

// problem returns the reply's problem after checking its status (and, when
// given, its field).
func (e *env) problem(r *resp, status int, field string) api.Problem {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d (%s), want %d", r.status, r.body, status)
	}
	var p api.Problem
	r.decode(e.t, &p)
	if field != "" && p.Field != field {
		e.t.Errorf("problem field %q, want %q (%s)", p.Field, field, r.body)
	}
	return p
}

// want fails unless the reply has the status.
func (e *env) want(r *resp, status int) *resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d (%s), want %d", r.status, r.body, status)
	}
	return r
}

// control calls the sandbox's control surface.
func (e *env) control(method, path string, in, out any) {
	e.t.Helper()
	testenv.SandboxControl(e.t, e.sbURL, method, path, in, out)
}

// selfClient registers a Self Client in dc and returns it with a fresh code.
func (e *env) selfClient(dc string) (clientID, secret, code string) {
	e.t.Helper()
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients", map[string]any{"dc": dc, "client_type": "self"}, &c)
	e.secret(c.ClientSecret)
	return c.ClientID, c.ClientSecret, e.newCode(c.ClientID)
}

// newCode issues a Self Client code for Zoho People.
func (e *env) newCode(clientID string) string {
	e.t.Helper()
	var g struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": clientID, "scope": zoho.ScopePeopleForms, "duration_minutes": 10}, &g)
	e.secret(g.Code)
	return g.Code
}

// refreshTokens returns the sandbox's refresh tokens and whether each is revoked.
func (e *env) refreshTokens() map[string]bool {
	e.t.Helper()
	var s struct {
		Tokens struct {
			Refresh []struct {
				Token   string `json:"token"`
				Revoked bool   `json:"revoked"`
			} `json:"refresh"`
		} `json:"tokens"`
	}
	e.control("GET", "/_sandbox/state", nil, &s)
	out := map[string]bool{}
	for _, r := range s.Tokens.Refresh {
		out[r.Token] = r.Revoked
	}
	return out
}

// connectZoho makes a Zoho People connection in dc through the API and
// returns it with its tokens.
func (e *env) connectZoho(dc, name string) (conn connectionOut, tokens tokensOut) {
	e.t.Helper()
	id, secret, code := e.selfClient(dc)
	r := e.want(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{
		"service": "zoho_people", "name": name, "dc": dc, "client_id": id, "client_secret": secret, "code": code,
	}), http.StatusCreated)
	var out struct {
		Connection connectionOut `json:"connection"`
		Tokens     *tokensOut    `json:"tokens"`
	}
	r.decode(e.t, &out)
	if out.Tokens == nil || out.Tokens.AccessToken == "" || out.Tokens.RefreshToken == "" || out.Tokens.ExpiresIn <= 0 {
		e.t.Fatalf("create reply has no tokens: %s", r.body)
	}
	e.secret(out.Tokens.AccessToken, out.Tokens.RefreshToken)
	e.allowLast(out.Tokens.AccessToken, out.Tokens.RefreshToken)
	return out.Connection, *out.Tokens
}

// allowLast marks secrets as allowed in the latest reply: its one-time
// display, known only once the reply is read.
func (e *env) allowLast(s ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := &e.replies[len(e.replies)-1]
	r.allowed = append(r.allowed, s...)
}

type connectionOut struct {
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	LinkName       string   `json:"link_name"`
	Service        string   `json:"service"`
	DC             string   `json:"dc"`
	ClientID       string   `json:"client_id"`
	OwnerID        string   `json:"owner_id"`
	Status         string   `json:"status"`
	Scopes         []string `json:"scopes"`
	LastRefreshAt  string   `json:"last_refresh_at"`
	LastError      string   `json:"last_error"`
	LastResolution string   `json:"last_resolution"`
}

type tokensOut struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// loadOpenAPI reads the document from the source file, so a test failure
// points at the file to fix.
func loadOpenAPI(t *testing.T) *openAPIDoc {
	t.Helper()
	b, err := os.ReadFile("openapi.json")
	must(t, err)
	d, err := parseOpenAPI(b)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return d
}
