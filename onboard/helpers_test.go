package onboard_test

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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
	"hrconnect/zoho"
)

// env is one test's world: a real sandbox over HTTP, a database, the token
// manager and connections service on the sandbox's clock, the onboarding
// service with a real River client, and a tenant with a Zoho People
// connection linked to the "Hired" stage of a workflow.
type env struct {
	t     testing.TB
	ctx   context.Context
	sb    *sandbox.Server
	base  string
	zc    *zoho.Client
	db    *sqlstore.DB
	conns *connect.Service
	svc   *onboard.Service
	river *river.Client[*sql.Tx]

	tenant   *hrconnect.Tenant
	user     *hrconnect.User
	conn     *hrconnect.Connection
	issued   *connect.IssuedTokens
	workflow *hrconnect.Workflow
	post     *hrconnect.JobPost
	hired    *hrconnect.Stage
}

// options change an env before it starts.
type options struct {
	cfg        onboard.Config
	noWorkers  bool // insert jobs, but work none: tests call the worker themselves
	maxWorkers int
	limits     *sandbox.Limits
	// timeout bounds the env's context (2 minutes; benchmarks take longer).
	timeout time.Duration
	// transport, when set, wraps the HTTP transport of the service's Zoho
	// client (the tests' own calls go direct).
	transport func(http.RoundTripper) http.RoundTripper
}

// testConfig keeps every wait short: River's snoozes use real time.
func testConfig() onboard.Config {
	return onboard.Config{
		InsertsPerMinute: -1, // pacing has its own test
		MaxPaceWait:      time.Second,
		ReconnectWait:    50 * time.Millisecond,
		ReconnectWaitMax: 200 * time.Millisecond,
		MaxSnooze:        100 * time.Millisecond,
		RetryBackoff:     20 * time.Millisecond,
		RetryBackoffMax:  200 * time.Millisecond,
	}
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
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true, MaxConns: 30}
	}
	db, err := sqlstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newEnv(t testing.TB, db *sqlstore.DB, o options) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmp.Or(o.timeout, 2*time.Minute))
	t.Cleanup(cancel)
	sb := sandbox.New()
	if o.limits != nil {
		if err := sb.SetLimits(*o.limits); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(srv.Close)
	dir, err := zoho.ForSandbox(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, sb: sb, base: srv.URL, zc: zoho.NewClient(zoho.Config{Directory: dir}), db: db}
	z := &connect.Zoho{Client: e.zc}
	mgr := connect.NewManager(db, z, connect.WithClock(sb.Now))
	e.conns = connect.NewService(db, mgr, z)

	cfg := o.cfg
	cfg.Now = sb.Now
	workerZoho := e.zc
	if o.transport != nil {
		rt := o.transport(http.DefaultTransport.(*http.Transport).Clone())
		workerZoho = zoho.NewClient(zoho.Config{Directory: dir, HTTPClient: &http.Client{Transport: rt, Timeout: 10 * time.Second}})
	}
	e.svc = onboard.NewService(db, mgr, workerZoho, cfg)
	workers := river.NewWorkers()
	river.AddWorker(workers, e.svc.Worker())
	river.AddWorker(workers, e.svc.ReconcileWorker())
	rc := &river.Config{Logger: slog.New(slog.DiscardHandler), Workers: workers, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond}
	if !o.noWorkers {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cmpOr(o.maxWorkers, 10)}}
	}
	e.river, err = db.NewRiverClient(rc)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.SetRiver(e.river)
	if !o.noWorkers {
		if err := e.river.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = e.river.Stop(ctx)
		})
	}
	e.setup()
	return e
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// setup makes the tenant, the connection (from a Self Client code, as a
// person would with the secure token form), the workflow and the job post.
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
		{Name: "Applied"}, {Name: "Offer"}, {Name: "Hired", ConnectionID: e.conn.ID},
	}}
	must(t, e.db.CreateWorkflow(e.ctx, e.workflow))
	e.hired = e.workflow.Stages[2]
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

// selfClient registers a Self Client in dc and returns a code for it.
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

// employee is a People record as the sandbox's state shows it.
type employee struct {
	ID        string            `json:"id"`
	Fields    map[string]string `json:"fields"`
	IsNonUser bool              `json:"is_non_user"`
	AddedTime time.Time         `json:"added_time"`
}

type sandboxState struct {
	Calls       map[string]int `json:"calls"`
	DataCentres []struct {
		Location   string `json:"location"`
		DefaultOrg string `json:"default_org"`
		Orgs       []struct {
			ID     string                `json:"id"`
			People map[string][]employee `json:"people"`
		} `json:"orgs"`
	} `json:"data_centres"`
}

func (e *env) state() sandboxState {
	var s sandboxState
	e.control("GET", "/_sandbox/state", nil, &s)
	return s
}

// employees returns the employees of the EU data centre's default
// organisation, where the connection's tokens act.
func (s sandboxState) employees() []employee {
	for _, dc := range s.DataCentres {
		if dc.Location != "eu" {
			continue
		}
		for _, o := range dc.Orgs {
			if o.ID == dc.DefaultOrg {
				return o.People["employee"]
			}
		}
	}
	return nil
}

// byEmployeeID counts the employees per EmployeeID.
func byEmployeeID(emps []employee) map[string]int {
	out := map[string]int{}
	for _, em := range emps {
		out[em.Fields["EmployeeID"]]++
	}
	return out
}

// seedEmployee adds an employee "by hand" in Zoho People and returns its ID.
func (e *env) seedEmployee(fields map[string]string) string {
	var r struct {
		IDs []string `json:"ids"`
	}
	e.control("POST", "/_sandbox/people/employees", map[string]any{"dc": "eu", "records": []any{fields}}, &r)
	return r.IDs[0]
}

// fault injects a sandbox fault.
func (e *env) fault(spec map[string]any) {
	e.control("POST", "/_sandbox/faults", spec, nil)
}

// hire creates applicant n with an application at the first stage.
func (e *env) hire(n int, change ...func(*hrconnect.Applicant)) *hrconnect.Application {
	e.t.Helper()
	a := &hrconnect.Applicant{TenantID: e.tenant.ID, ApplicantID: fmt.Sprintf("A%05d", n),
		FirstName: "Ada", Surname: fmt.Sprintf("Lovelace %d", n), Email: fmt.Sprintf("ada.%d@example.com", n)}
	for _, c := range change {
		c(a)
	}
	must(e.t, e.db.PutApplicant(e.ctx, a))
	app := &hrconnect.Application{TenantID: e.tenant.ID, ApplicantID: a.ApplicantID, JobPostID: e.post.ID, StageID: e.workflow.Stages[0].ID}
	must(e.t, e.db.CreateApplication(e.ctx, app))
	return app
}

// move moves an application into the linked stage and returns its transfer.
func (e *env) move(app *hrconnect.Application) *hrconnect.Transfer {
	e.t.Helper()
	tr, err := e.svc.MoveApplicationBy(e.ctx, e.tenant.ID, app.ID, e.hired.ID, e.user.ID)
	if err != nil {
		e.t.Fatalf("MoveApplication: %v", err)
	}
	if tr == nil {
		e.t.Fatal("moving into the linked stage made no transfer")
	}
	return tr
}

// hireMany makes n hires and moves them all into the linked stage.
func (e *env) hireMany(n int) []*hrconnect.Transfer {
	out := make([]*hrconnect.Transfer, n)
	for i := range n {
		out[i] = e.move(e.hire(i + 1))
	}
	return out
}

// waitFor polls the transfers until every one satisfies ok, failing the
// test after timeout with the ones that do not.
func (e *env) waitFor(trs []*hrconnect.Transfer, timeout time.Duration, ok func(*hrconnect.Transfer) bool) []*hrconnect.Transfer {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out := make([]*hrconnect.Transfer, len(trs))
		var bad *hrconnect.Transfer
		for i, tr := range trs {
			got, err := e.db.Transfer(e.ctx, tr.TenantID, tr.ID)
			must(e.t, err)
			out[i] = got
			if bad == nil && !ok(got) {
				bad = got
			}
		}
		if bad == nil {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("after %s, transfer %s is %s (attempts %d): %s / %s", timeout, bad.ID, bad.State, bad.Attempts, bad.LastError, bad.Reply)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func inState(s hrconnect.TransferState) func(*hrconnect.Transfer) bool {
	return func(t *hrconnect.Transfer) bool { return t.State == s }
}

// clockRunner moves the sandbox clock forward at speed times real time
// until stopped, for tests where minutes of Zoho's time must pass. Each step
// adds what real time added since the last, times speed-1, so a busy
// machine slows the steps but not the clock's pace.
func clockRunner(sb *sandbox.Server, speed int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				now := time.Now()
				sb.Advance(time.Duration(speed-1) * now.Sub(last))
				last = now
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
