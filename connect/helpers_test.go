package connect_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/logging"
	"hrconnect/internal/testenv"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/zoho"
)

// env is one test's world: a real sandbox over HTTP, a Zoho client pointed at
// it, and a log that tests scan for secrets.
type env struct {
	t    testing.TB
	sb   *sandbox.Server
	base string
	zc   *zoho.Client
	logs *lockedBuffer
	// secrets collects every secret the test handled, for the log scan.
	secrets []string
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

func newEnv(t testing.TB) *env {
	t.Helper()
	sb := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	dir, err := zoho.ForSandbox(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, sb: sb, base: srv.URL, zc: zoho.NewClient(zoho.Config{Directory: dir}), logs: &lockedBuffer{}}
	t.Cleanup(e.checkLogs)
	return e
}

// checkLogs fails the test when any secret it used appears in a log line.
func (e *env) checkLogs() {
	out := e.logs.String()
	for _, s := range e.secrets {
		if s != "" && strings.Contains(out, s) {
			e.t.Errorf("a secret appears in the logs: %.12s…", s)
		}
	}
}

// control calls the sandbox's control surface.
func (e *env) control(method, path string, in, out any) {
	e.t.Helper()
	testenv.SandboxControl(e.t, e.base, method, path, in, out)
}

// selfClient registers a Self Client in dc and returns a fresh code for it.
func (e *env) selfClient(dc, scope string) (clientID, secret, code string) {
	e.t.Helper()
	var c struct{ ClientID, ClientSecret string }
	e.control("POST", "/_sandbox/clients", map[string]any{"dc": dc, "client_type": "self"}, &struct {
		ClientID     *string `json:"client_id"`
		ClientSecret *string `json:"client_secret"`
	}{&c.ClientID, &c.ClientSecret})
	var g struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ClientID, "scope": scope, "duration_minutes": 10}, &g)
	e.secrets = append(e.secrets, c.ClientSecret, g.Code)
	return c.ClientID, c.ClientSecret, g.Code
}

// newCode issues another Self Client code for an existing client.
func (e *env) newCode(clientID, scope string) string {
	e.t.Helper()
	var g struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": clientID, "scope": scope, "duration_minutes": 10}, &g)
	e.secrets = append(e.secrets, g.Code)
	return g.Code
}

type sandboxState struct {
	Calls  map[string]int `json:"calls"`
	Tokens struct {
		Refresh []struct {
			Token   string `json:"token"`
			Revoked bool   `json:"revoked"`
		} `json:"refresh"`
		Access []struct {
			Token   string `json:"token"`
			Refresh string `json:"refresh_token"`
		} `json:"access"`
	} `json:"tokens"`
}

func (e *env) state() sandboxState {
	var s sandboxState
	e.control("GET", "/_sandbox/state", nil, &s)
	return s
}

// refreshes counts the access tokens the sandbox made by the refresh grant.
func (e *env) refreshes() int {
	n := 0
	for _, a := range e.state().Tokens.Access {
		if a.Refresh != "" {
			n++
		}
	}
	return n
}

// tokenCalls counts every call of the sandbox's token endpoint.
func (e *env) tokenCalls() int { return e.state().Calls["accounts.token"] }

// instance is one hrconnect process: its own database handle and token manager.
type instance struct {
	db  *sqlstore.DB
	svc *connect.Service
}

// openDB opens a store: SQLite in dir, or the PostgreSQL database at pgURL.
func openDB(t testing.TB, dir, pgURL string) *sqlstore.DB {
	t.Helper()
	v, err := vault.Open(vault.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true}
	}
	db, err := sqlstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) instance(db *sqlstore.DB) *instance {
	z := &connect.Zoho{Client: e.zc}
	m := connect.NewManager(db, z, connect.WithClock(e.sb.Now), connect.WithLogger(logging.New(e.logs, logging.Options{})))
	return &instance{db: db, svc: connect.NewService(db, m, z)}
}

// dialects runs f on SQLite and on PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, open func(t testing.TB) *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		f(t, func(t testing.TB) *sqlstore.DB { return openDB(t, dir, "") })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := testenv.Postgres(t)
		dir := t.TempDir()
		f(t, func(t testing.TB) *sqlstore.DB { return openDB(t, dir, url) })
	})
}

// tenant creates a tenant and its administrator.
func tenant(t testing.TB, db *sqlstore.DB) (*hrconnect.Tenant, *hrconnect.User) {
	t.Helper()
	ctx := context.Background()
	tn := &hrconnect.Tenant{Name: "Acme"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	u := &hrconnect.User{TenantID: tn.ID, Email: "admin@acme.test", Name: "Admin", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return tn, u
}

// connectPeople makes a Zoho People connection in dc from a Self Client code.
func (e *env) connectPeople(t testing.TB, in *instance, tn *hrconnect.Tenant, u *hrconnect.User, dc, name string) (*hrconnect.Connection, *connect.IssuedTokens) {
	t.Helper()
	id, secret, code := e.selfClient(dc, zoho.ScopePeopleForms)
	c, issued, err := in.svc.ConnectWithCode(context.Background(), connect.ZohoConnection{
		TenantID: tn.ID, ActorID: u.ID, Name: name, DC: dc, ClientID: id, Secret: secret,
	}, code, "", "")
	if err != nil {
		t.Fatalf("ConnectWithCode: %v", err)
	}
	e.secrets = append(e.secrets, issued.AccessToken, issued.RefreshToken)
	return c, issued
}

// peopleWorks reports whether Zoho People accepts the access token.
func (e *env) peopleWorks(t testing.TB, dc, token string) bool {
	t.Helper()
	d, err := e.zc.Directory().DC(dc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.zc.GetRecords(context.Background(), d, token, "employee", zoho.RecordQuery{})
	if err != nil && zoho.ClassOf(err) != zoho.ClassReauth {
		t.Fatalf("GetRecords: %v", err)
	}
	return err == nil
}

func key(c *hrconnect.Connection) hrconnect.CredentialKey {
	return hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
}

const hour = time.Hour
