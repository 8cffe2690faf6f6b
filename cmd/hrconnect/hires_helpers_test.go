package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/onboard"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/zoho"
)

// hireFixture is what the tests with real serve processes share: a running
// "hrconnect sandbox" process with its limits off, a database with one
// tenant, one Zoho People connection, a workflow whose second stage is
// linked to it, and n applications at the first stage, ready to move. The
// test process holds the same keyset as serve (the data directory's), so
// that serve can read the connection's tokens.
type hireFixture struct {
	sb      sandboxControl
	sbURL   string
	dataDir string
	db      *sqlstore.DB
	// rc only inserts (it has no queues) and lists River's jobs.
	rc     *river.Client[*sql.Tx]
	hires  *onboard.Service
	tenant *hrconnect.Tenant
	user   *hrconnect.User
	conn   *hrconnect.Connection
	wf     *hrconnect.Workflow
	apps   []*hrconnect.Application
}

// prepareHires builds a hireFixture with n applications; pgURL empty means
// SQLite in the data directory.
func prepareHires(t *testing.T, ctx context.Context, bin, pgURL string, n int) *hireFixture {
	t.Helper()
	f := &hireFixture{}
	_, f.sbURL = startChild(t, bin, sandboxListening, "sandbox", "--addr", "127.0.0.1:0")
	f.sb = sandboxControl{t: t, base: f.sbURL}
	f.sb.call("PUT", "/_sandbox/limits", map[string]any{"off": true}, nil)

	f.dataDir = t.TempDir()
	v, err := vault.Open(vault.Options{Dir: f.dataDir, ReloadInterval: -1})
	must(t, err)
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: f.dataDir, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true}
	}
	f.db, err = sqlstore.Open(ctx, cfg)
	must(t, err)
	t.Cleanup(func() { f.db.Close() })

	dir, err := zoho.ForSandbox(f.sbURL)
	must(t, err)
	zc := zoho.NewClient(zoho.Config{Directory: dir})
	z := &connect.Zoho{Client: zc}
	mgr := connect.NewManager(f.db, z)
	conns := connect.NewService(f.db, mgr, z)
	f.hires = onboard.NewService(f.db, mgr, zc, onboard.Config{})
	workers := river.NewWorkers()
	river.AddWorker(workers, f.hires.Worker())
	river.AddWorker(workers, f.hires.ReconcileWorker())
	// A client that only inserts: it has no queues, so it works no job.
	f.rc, err = f.db.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler), Workers: workers})
	must(t, err)
	f.hires.SetRiver(f.rc)

	f.tenant = &hrconnect.Tenant{Name: "Acme"}
	must(t, f.db.CreateTenant(ctx, f.tenant))
	f.user = &hrconnect.User{TenantID: f.tenant.ID, Email: "admin@acme.test", Name: "Admin", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, f.db.CreateUser(ctx, f.user))
	var client struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	f.sb.call("POST", "/_sandbox/clients", map[string]any{"dc": "eu", "client_type": "self"}, &client)
	var code struct {
		Code string `json:"code"`
	}
	f.sb.call("POST", "/_sandbox/self-client/code", map[string]any{"client_id": client.ClientID, "scope": zoho.ScopePeopleForms, "duration_minutes": 10}, &code)
	f.conn, _, err = conns.ConnectWithCode(ctx, connect.ZohoConnection{
		TenantID: f.tenant.ID, ActorID: f.user.ID, Name: "Zoho People EU", DC: "eu", ClientID: client.ClientID, Secret: client.ClientSecret,
	}, code.Code, "", "")
	must(t, err)
	f.wf = &hrconnect.Workflow{TenantID: f.tenant.ID, Name: "Engineering", Stages: []*hrconnect.Stage{{Name: "Applied"}, {Name: "Hired", ConnectionID: f.conn.ID}}}
	must(t, f.db.CreateWorkflow(ctx, f.wf))
	post := &hrconnect.JobPost{TenantID: f.tenant.ID, Title: "Go engineer", WorkflowID: f.wf.ID}
	must(t, f.db.CreateJobPost(ctx, post))
	f.apps = make([]*hrconnect.Application, n)
	parallel(t, n, func(i int) error {
		a := &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: fmt.Sprintf("C%05d", i+1), FirstName: "Grace",
			Surname: fmt.Sprintf("Hopper %d", i+1), Email: fmt.Sprintf("grace.%d@example.com", i+1)}
		if err := f.db.PutApplicant(ctx, a); err != nil {
			return err
		}
		f.apps[i] = &hrconnect.Application{TenantID: f.tenant.ID, ApplicantID: a.ApplicantID, JobPostID: post.ID, StageID: f.wf.Stages[0].ID}
		return f.db.CreateApplication(ctx, f.apps[i])
	})
	return f
}

// hired is the linked stage, the one a move into starts a transfer.
func (f *hireFixture) hired() string { return f.wf.Stages[1].ID }

// transfers returns every transfer of the tenant.
func (f *hireFixture) transfers(t *testing.T, ctx context.Context) []*hrconnect.Transfer {
	t.Helper()
	trs, err := f.db.Transfers(ctx, hrconnect.TransferFilter{TenantID: f.tenant.ID, Limit: 2 * len(f.apps)})
	must(t, err)
	return trs
}

// succeeded counts the transfers that succeeded.
func (f *hireFixture) succeeded(t *testing.T, ctx context.Context) int {
	t.Helper()
	list, err := f.db.Transfers(ctx, hrconnect.TransferFilter{TenantID: f.tenant.ID, State: hrconnect.TransferSucceeded, Limit: 2 * len(f.apps)})
	must(t, err)
	return len(list)
}

// unfinished counts the transfers not done and the transfer jobs (up to 10)
// not finished.
func (f *hireFixture) unfinished(t *testing.T, ctx context.Context) (transfers, jobs int) {
	t.Helper()
	for _, tr := range f.transfers(t, ctx) {
		if !tr.State.Done() {
			transfers++
		}
	}
	res, err := f.rc.JobList(ctx, river.NewJobListParams().Kinds("transfer").First(10).
		States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStatePending))
	must(t, err)
	return transfers, len(res.Jobs)
}

// jobs returns every job of kind in state, page by page.
func (f *hireFixture) jobs(t *testing.T, ctx context.Context, kind string, state rivertype.JobState) []*rivertype.JobRow {
	t.Helper()
	var all []*rivertype.JobRow
	params := river.NewJobListParams().Kinds(kind).First(500).States(state)
	for {
		res, err := f.rc.JobList(ctx, params)
		must(t, err)
		all = append(all, res.Jobs...)
		if res.LastCursor == nil || len(res.Jobs) < 500 {
			return all
		}
		params = params.After(res.LastCursor)
	}
}

// sandboxState is the part of the sandbox's GET /_sandbox/state these
// tests read: People's employees, the tokens issued and the call counts.
type sandboxState struct {
	DataCentres []struct {
		Location   string `json:"location"`
		DefaultOrg string `json:"default_org"`
		Orgs       []struct {
			ID     string `json:"id"`
			People map[string][]struct {
				ID     string            `json:"id"`
				Fields map[string]string `json:"fields"`
			} `json:"people"`
		} `json:"orgs"`
	} `json:"data_centres"`
	Tokens struct {
		Access []struct {
			Refresh string `json:"refresh_token"`
		} `json:"access"`
	} `json:"tokens"`
	Calls map[string]int `json:"calls"`
}

func (f *hireFixture) state() sandboxState {
	var st sandboxState
	f.sb.call("GET", "/_sandbox/state", nil, &st)
	return st
}

// checkExactlyOnce asserts that Zoho People holds exactly one employee per
// application, no EmployeeID or EmailID twice, and that hrconnect holds one
// transfer per application, each succeeded with the record ID of its own
// employee. It returns the state it read, the number of employees and how
// many transfers were linked to an employee an earlier attempt had made.
func (f *hireFixture) checkExactlyOnce(t *testing.T, trs []*hrconnect.Transfer) (st sandboxState, total, linked int) {
	t.Helper()
	n := len(f.apps)
	st = f.state()
	byEmployeeID, byEmail, recordOf := map[string]int{}, map[string]int{}, map[string]string{}
	for _, dc := range st.DataCentres {
		for _, o := range dc.Orgs {
			for _, em := range o.People["employee"] {
				total++
				byEmployeeID[em.Fields["EmployeeID"]]++
				byEmail[strings.ToLower(em.Fields["EmailID"])]++
				recordOf[em.Fields["EmployeeID"]] = em.ID
			}
		}
	}
	if total != n {
		t.Errorf("%d employees in Zoho People, want exactly %d", total, n)
	}
	for id, k := range byEmployeeID {
		if k != 1 {
			t.Errorf("EmployeeID %s: %d employees", id, k)
		}
	}
	for email, k := range byEmail {
		if k != 1 {
			t.Errorf("EmailID %s: %d employees", email, k)
		}
	}

	if len(trs) != n {
		t.Errorf("%d transfers, want one per application: %d", len(trs), n)
	}
	perApp := map[string]int{}
	for _, tr := range trs {
		perApp[tr.ApplicationID]++
		if tr.State != hrconnect.TransferSucceeded {
			t.Errorf("transfer %s is %s: %s", tr.ID, tr.State, tr.LastError)
			continue
		}
		if tr.ZohoRecordID == "" || tr.ZohoRecordID != recordOf[tr.ApplicantID] {
			t.Errorf("transfer %s of %s holds record %q; Zoho's employee is %q", tr.ID, tr.ApplicantID, tr.ZohoRecordID, recordOf[tr.ApplicantID])
		}
		if strings.HasPrefix(tr.Reply, "Linked") {
			linked++
		}
	}
	if len(perApp) != n {
		t.Errorf("transfers for %d applications, want %d", len(perApp), n)
	}
	return st, total, linked
}
