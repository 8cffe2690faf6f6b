package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/testenv"
	"hrconnect/onboard"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/webhook"
	"hrconnect/zoho"
)

// env is one test's world: the real sandbox over HTTP, a database, the
// connections and onboarding services, the webhook service with its hooks
// installed in the store, one River client working transfers and
// deliveries, a tenant with a Zoho People connection linked to the "Hired"
// stage, and a log that the tests read back.
type env struct {
	t     testing.TB
	ctx   context.Context
	sb    *sandbox.Server
	base  string
	db    *sqlstore.DB
	conns *connect.Service
	hires *onboard.Service
	hooks *webhook.Service
	river *river.Client[*sql.Tx]
	logs  *syncBuffer

	tenant   *hrconnect.Tenant
	user     *hrconnect.User
	conn     *hrconnect.Connection
	issued   *connect.IssuedTokens
	workflow *hrconnect.Workflow
	post     *hrconnect.JobPost
	hired    *hrconnect.Stage
}

// syncBuffer is a bytes.Buffer for a logger written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// dialects runs f on SQLite and on PostgreSQL, in parallel.
func dialects(t *testing.T, f func(t *testing.T, open func(t testing.TB) *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, openSQLite)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, openPostgres)
	})
}

func openSQLite(t testing.TB) *sqlstore.DB { return openDB(t, t.TempDir(), "") }

func openPostgres(t testing.TB) *sqlstore.DB { return openDB(t, t.TempDir(), testenv.Postgres(t)) }

func openDB(t testing.TB, dir, pgURL string) *sqlstore.DB {
	t.Helper()
	v, err := vault.Open(vault.Options{Dir: filepath.Join(dir, "keys"), ReloadInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true, MaxConns: 20}
	}
	db, err := sqlstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newEnv(t testing.TB, db *sqlstore.DB) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	sb := sandbox.New()
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	dir, err := zoho.ForSandbox(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, sb: sb, base: srv.URL, db: db, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	zc := zoho.NewClient(zoho.Config{Directory: dir})
	z := &connect.Zoho{Client: zc}
	mgr := connect.NewManager(db, z, connect.WithClock(sb.Now), connect.WithLogger(log))
	e.conns = connect.NewService(db, mgr, z)
	e.hires = onboard.NewService(db, mgr, zc, onboard.Config{
		InsertsPerMinute: -1, MaxPaceWait: time.Second,
		ReconnectWait: 50 * time.Millisecond, ReconnectWaitMax: 200 * time.Millisecond, MaxSnooze: 100 * time.Millisecond,
		RetryBackoff: 20 * time.Millisecond, RetryBackoffMax: 200 * time.Millisecond,
		Now: sb.Now, Logger: log,
	})
	e.hooks = webhook.NewService(db, webhook.Config{
		RetryBackoff: 20 * time.Millisecond, RetryBackoffMax: 100 * time.Millisecond, MaxAttempts: 5,
		Timeout: 5 * time.Second, Logger: log,
	})
	workers := river.NewWorkers()
	river.AddWorker(workers, e.hires.Worker())
	river.AddWorker(workers, e.hooks.Worker())
	e.river, err = db.NewRiverClient(&river.Config{
		Logger: log, Workers: workers, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.hires.SetRiver(e.river)
	e.hooks.SetRiver(e.river)
	db.SetHooks(&sqlstore.Hooks{TransferFinished: e.hooks.TransferFinishedTx, ConnectionStatusChanged: e.hooks.ConnectionStatusChangedTx})
	if err := e.river.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.river.Stop(ctx)
	})
	e.setup()
	return e
}

// setup makes the tenant, the connection (from a Self Client code), the
// workflow and the job post.
func (e *env) setup() {
	t := e.t
	e.tenant = &hrconnect.Tenant{Name: "Acme"}
	must(t, e.db.CreateTenant(e.ctx, e.tenant))
	e.user = &hrconnect.User{TenantID: e.tenant.ID, Email: "admin@acme.test", Name: "Admin", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, e.db.CreateUser(e.ctx, e.user))
	id, secret, code := e.selfClient("eu")
	var err error
	e.conn, e.issued, err = e.conns.ConnectWithCode(e.ctx, connect.ZohoConnection{
		TenantID: e.tenant.ID, ActorID: e.user.ID, Name: "Zoho People EU", DC: "eu", ClientID: id, Secret: secret,
	}, code, "", "")
	if err != nil {
		t.Fatalf("ConnectWithCode: %v", err)
	}
	e.workflow = &hrconnect.Workflow{TenantID: e.tenant.ID, Name: "Engineering", Stages: []*hrconnect.Stage{
		{Name: "Applied"}, {Name: "Hired", ConnectionID: e.conn.ID},
	}}
	must(t, e.db.CreateWorkflow(e.ctx, e.workflow))
	e.hired = e.workflow.Stages[1]
	e.post = &hrconnect.JobPost{TenantID: e.tenant.ID, Title: "Go engineer", WorkflowID: e.workflow.ID}
	must(t, e.db.CreateJobPost(e.ctx, e.post))
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// control calls the sandbox's control surface.
func (e *env) control(method, path string, in, out any) {
	e.t.Helper()
	testenv.SandboxControl(e.t, e.base, method, path, in, out)
}

func (e *env) selfClient(dc string) (clientID, secret, code string) {
	e.t.Helper()
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients", map[string]any{"dc": dc, "client_type": "self"}, &c)
	return c.ClientID, c.ClientSecret, e.newCode(c.ClientID)
}

func (e *env) newCode(clientID string) string {
	e.t.Helper()
	var g struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": clientID, "scope": zoho.ScopePeopleForms, "duration_minutes": 10}, &g)
	return g.Code
}

// hire creates applicant n, applies to the post and moves into the linked
// stage; it returns the transfer.
func (e *env) hire(n int, change ...func(*hrconnect.Applicant)) *hrconnect.Transfer {
	e.t.Helper()
	a := &hrconnect.Applicant{TenantID: e.tenant.ID, ApplicantID: fmt.Sprintf("A%05d", n),
		FirstName: "Ada", Surname: fmt.Sprintf("Lovelace %d", n), Email: fmt.Sprintf("ada.%d@example.com", n)}
	for _, c := range change {
		c(a)
	}
	must(e.t, e.db.PutApplicant(e.ctx, a))
	app := &hrconnect.Application{TenantID: e.tenant.ID, ApplicantID: a.ApplicantID, JobPostID: e.post.ID, StageID: e.workflow.Stages[0].ID}
	must(e.t, e.db.CreateApplication(e.ctx, app))
	tr, err := e.hires.MoveApplicationBy(e.ctx, e.tenant.ID, app.ID, e.hired.ID, e.user.ID)
	if err != nil || tr == nil {
		e.t.Fatalf("MoveApplication: %v, %v", tr, err)
	}
	return tr
}

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
	event  map[string]any
	// verified: the signature matched the body and timestamp under the
	// endpoint's secret, computed here from the documented rule.
	verified bool
}

// receiver is a real HTTP server on 127.0.0.1 that records every webhook
// request and checks its signature with the secret it is given; answer
// decides each reply's status (200 when nil).
type receiver struct {
	t   testing.TB
	srv *httptest.Server

	mu     sync.Mutex
	secret string
	got    []request
	answer func(n int) int
}

func newReceiver(t testing.TB, answer func(n int) int) *receiver {
	r := &receiver{t: t, answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	m := hmac.New(sha256.New, []byte(r.secret))
	m.Write([]byte(req.Header.Get("Hrconnect-Timestamp") + "." + string(body)))
	want := "v1=" + hex.EncodeToString(m.Sum(nil))
	rq := request{header: req.Header.Clone(), body: body, verified: req.Method == "POST" && hmac.Equal([]byte(want), []byte(req.Header.Get("Hrconnect-Signature")))}
	_ = json.Unmarshal(body, &rq.event)
	r.got = append(r.got, rq)
	status := 200
	if r.answer != nil {
		status = r.answer(len(r.got))
	}
	w.WriteHeader(status)
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

// waitRequests waits until the receiver has n requests that satisfy ok.
func (r *receiver) waitRequests(n int, timeout time.Duration, ok func(request) bool) []request {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var out []request
		for _, q := range r.requests() {
			if ok == nil || ok(q) {
				out = append(out, q)
			}
		}
		if len(out) >= n {
			return out
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("after %s the receiver has %d matching requests, want %d (all: %d)", timeout, len(out), n, len(r.requests()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ofType(typ hrconnect.WebhookEvent) func(request) bool {
	return func(q request) bool { return q.event["type"] == string(typ) }
}

// endpoint registers the receiver for events (every event when none).
func (e *env) endpoint(r *receiver, events ...hrconnect.WebhookEvent) *hrconnect.WebhookEndpoint {
	e.t.Helper()
	if len(events) == 0 {
		events = hrconnect.WebhookEvents
	}
	ep := &hrconnect.WebhookEndpoint{TenantID: e.tenant.ID, URL: r.srv.URL + "/hooks", Events: events, CreatedBy: e.user.ID}
	secret, err := e.hooks.CreateEndpoint(e.ctx, ep)
	if err != nil {
		e.t.Fatalf("CreateEndpoint: %v", err)
	}
	r.setSecret(secret)
	return ep
}

// waitTransfer waits until the transfer is done.
func (e *env) waitTransfer(tr *hrconnect.Transfer) *hrconnect.Transfer {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := e.db.Transfer(e.ctx, tr.TenantID, tr.ID)
		must(e.t, err)
		if got.State.Done() {
			return got
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("transfer %s is still %s: %s", tr.ID, got.State, got.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// data returns the event's data object.
func data(q request) map[string]any {
	d, _ := q.event["data"].(map[string]any)
	return d
}

func unix(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Unix(n, 0)
}
