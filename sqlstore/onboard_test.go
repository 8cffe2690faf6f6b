package sqlstore_test

import (
	"database/sql"
	"reflect"
	"sync"
	"testing"
	"time"

	"hrconnect"
)

// onboardFixture is a fixture with a People connection, a workflow whose
// "Hired" stage is linked to it, a job post, an applicant and an
// application at the first stage.
type onboardFixture struct {
	*fixture
	conn      *hrconnect.Connection
	workflow  *hrconnect.Workflow
	post      *hrconnect.JobPost
	applicant *hrconnect.Applicant
	app       *hrconnect.Application
}

func newOnboardFixture(t *testing.T, b backend) *onboardFixture {
	f := &onboardFixture{fixture: newFixture(t, b)}
	f.conn = f.connection(t)
	f.workflow = &hrconnect.Workflow{TenantID: f.tenant.ID, Name: "Engineering", Stages: []*hrconnect.Stage{
		{Name: "Applied"}, {Name: "Interview"}, {Name: "Hired", ConnectionID: f.conn.ID},
	}}
	must(t, f.db.CreateWorkflow(f.ctx, f.workflow))
	f.post = &hrconnect.JobPost{TenantID: f.tenant.ID, Title: "Go engineer", WorkflowID: f.workflow.ID}
	must(t, f.db.CreateJobPost(f.ctx, f.post))
	f.applicant = &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "A-1001", FirstName: "Grace", Surname: "Hopper",
		Email: "grace@example.com", Phone: "+44 20 7946 0000", StartDate: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		Custom: map[string]string{"shirt": "M"}}
	must(t, f.db.PutApplicant(f.ctx, f.applicant))
	f.app = &hrconnect.Application{TenantID: f.tenant.ID, ApplicantID: "A-1001", JobPostID: f.post.ID, StageID: f.workflow.Stages[0].ID}
	must(t, f.db.CreateApplication(f.ctx, f.app))
	return f
}

// move runs MoveApplicationTx in a transaction of its own.
func (f *onboardFixture) move(t *testing.T, stage *hrconnect.Stage) (*hrconnect.Transfer, bool) {
	t.Helper()
	var tr *hrconnect.Transfer
	var created bool
	must(t, f.db.InTx(f.ctx, func(tx *sql.Tx) (err error) {
		_, tr, created, err = f.db.MoveApplicationTx(f.ctx, tx, f.tenant.ID, f.app.ID, stage.ID, f.owner.ID)
		return err
	}))
	return tr, created
}

// TestOnboardStore holds both dialects to one behaviour for the onboarding
// tables.
func TestOnboardStore(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *onboardFixture)
	}{
		{"SetupRoundTrip", testOnboardSetupRoundTrip},
		{"OneTransferPerApplication", testOneTransferPerApplication},
		{"ConcurrentMoves", testConcurrentMoves},
		{"TransferUpdatesAndLog", testTransferUpdatesAndLog},
		{"RetryOnlyFailed", testRetryOnlyFailed},
		{"ConnectionBlocks", testConnectionBlocks},
		{"FieldMappings", testFieldMappings},
		{"TenantIsolation", testOnboardTenantIsolation},
		{"Lists", testOnboardLists},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				tt.fn(t, newOnboardFixture(t, b))
			})
		}
	})
}

func testOnboardSetupRoundTrip(t *testing.T, f *onboardFixture) {
	w, err := f.db.Workflow(f.ctx, f.tenant.ID, f.workflow.ID)
	must(t, err)
	if len(w.Stages) != 3 || w.Stages[2].Name != "Hired" || w.Stages[2].ConnectionID != f.conn.ID || w.Stages[1].Position != 1 {
		t.Fatalf("workflow stages: %+v", w.Stages)
	}
	if got := w.LinkedConnections(); !reflect.DeepEqual(got, []string{f.conn.ID}) {
		t.Fatalf("LinkedConnections = %v", got)
	}
	a, err := f.db.Applicant(f.ctx, f.tenant.ID, "A-1001")
	must(t, err)
	if a.Email != "grace@example.com" || !a.StartDate.Equal(f.applicant.StartDate) || a.Custom["shirt"] != "M" || !a.DateOfBirth.IsZero() {
		t.Fatalf("applicant: %+v", a)
	}
	// PutApplicant replaces, keeping the creation time.
	a.Email = "grace.hopper@example.com"
	must(t, f.db.PutApplicant(f.ctx, a))
	b, err := f.db.Applicant(f.ctx, f.tenant.ID, "A-1001")
	must(t, err)
	if b.Email != a.Email || !b.CreatedAt.Equal(f.applicant.CreatedAt) {
		t.Fatalf("after PutApplicant: %+v", b)
	}
	p, err := f.db.JobPost(f.ctx, f.tenant.ID, f.post.ID)
	must(t, err)
	if p.WorkflowID != f.workflow.ID || p.HRConnectionID != "" {
		t.Fatalf("job post: %+v", p)
	}
	must(t, f.db.SetJobPostHRConnection(f.ctx, f.tenant.ID, f.post.ID, f.conn.ID))
	if p, _ = f.db.JobPost(f.ctx, f.tenant.ID, f.post.ID); p.HRConnectionID != f.conn.ID {
		t.Fatalf("HR connection not saved: %+v", p)
	}
	// A stage of another workflow is refused.
	other := &hrconnect.Workflow{TenantID: f.tenant.ID, Name: "Sales", Stages: []*hrconnect.Stage{{Name: "Applied"}}}
	must(t, f.db.CreateWorkflow(f.ctx, other))
	err = f.db.CreateApplication(f.ctx, &hrconnect.Application{TenantID: f.tenant.ID, ApplicantID: "A-1001", JobPostID: f.post.ID, StageID: other.Stages[0].ID})
	wantCode(t, err, hrconnect.EINVALID)
	// LinkStage removes and sets the HR action.
	must(t, f.db.LinkStage(f.ctx, f.tenant.ID, f.workflow.Stages[2].ID, ""))
	w, _ = f.db.Workflow(f.ctx, f.tenant.ID, f.workflow.ID)
	if len(w.LinkedConnections()) != 0 {
		t.Fatal("LinkStage did not remove the link")
	}
	wantCode(t, f.db.LinkStage(f.ctx, f.tenant.ID, f.workflow.Stages[2].ID, "con_missing"), hrconnect.ENOTFOUND)
}

func testOneTransferPerApplication(t *testing.T, f *onboardFixture) {
	if tr, created := f.move(t, f.workflow.Stages[1]); tr != nil || created {
		t.Fatalf("a stage without HR action made a transfer: %+v", tr)
	}
	tr, created := f.move(t, f.workflow.Stages[2])
	if !created || tr == nil || tr.State != hrconnect.TransferPending || tr.ConnectionID != f.conn.ID || tr.ApplicantID != "A-1001" || tr.ActorID != f.owner.ID {
		t.Fatalf("first move into the linked stage: created %v, %+v", created, tr)
	}
	f.move(t, f.workflow.Stages[0])
	again, created := f.move(t, f.workflow.Stages[2])
	if created || again.ID != tr.ID {
		t.Fatalf("moving again created %v, transfer %s (first %s)", created, again.ID, tr.ID)
	}
	app, err := f.db.Application(f.ctx, f.tenant.ID, f.app.ID)
	must(t, err)
	if app.StageID != f.workflow.Stages[2].ID {
		t.Fatalf("application at stage %s", app.StageID)
	}
	list, err := f.db.Transfers(f.ctx, hrconnect.TransferFilter{TenantID: f.tenant.ID, ApplicationID: f.app.ID})
	must(t, err)
	if len(list) != 1 {
		t.Fatalf("%d transfers, want 1", len(list))
	}
}

// Many moves at once into the linked stage make one transfer.
func testConcurrentMoves(t *testing.T, f *onboardFixture) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdN := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.db.InTx(f.ctx, func(tx *sql.Tx) error {
				_, _, created, err := f.db.MoveApplicationTx(f.ctx, tx, f.tenant.ID, f.app.ID, f.workflow.Stages[2].ID, "")
				if created {
					mu.Lock()
					createdN++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Errorf("move: %v", err)
			}
		}()
	}
	wg.Wait()
	list, err := f.db.Transfers(f.ctx, hrconnect.TransferFilter{TenantID: f.tenant.ID})
	must(t, err)
	if len(list) != 1 || createdN != 1 {
		t.Fatalf("%d transfers, %d moves said they created one; want 1 and 1", len(list), createdN)
	}
}

func testTransferUpdatesAndLog(t *testing.T, f *onboardFixture) {
	tr, _ := f.move(t, f.workflow.Stages[2])
	tr.State, tr.Attempts, tr.ZohoRecordID = hrconnect.TransferSucceeded, 2, "123456"
	tr.Record = []hrconnect.RecordField{{Name: "EmployeeID", Value: "A-1001"}, {Name: "EmailID", Value: "grace@example.com"}}
	tr.Reply, tr.InsertUnsure, tr.FinishedAt = "Successfully Added", true, time.Now()
	must(t, f.db.UpdateTransfer(f.ctx, tr, nil))
	got, err := f.db.Transfer(f.ctx, f.tenant.ID, tr.ID)
	must(t, err)
	if got.State != tr.State || got.Attempts != 2 || got.ZohoRecordID != "123456" || !reflect.DeepEqual(got.Record, tr.Record) ||
		got.Reply != tr.Reply || !got.InsertUnsure || !got.FinishedAt.Equal(tr.FinishedAt) {
		t.Fatalf("transfer after update:\n got %+v\nwant %+v", got, tr)
	}
	for _, o := range []string{"retry", "succeeded"} {
		must(t, f.db.AddTransferAttempt(f.ctx, &hrconnect.TransferAttempt{TenantID: f.tenant.ID, TransferID: tr.ID, Outcome: o, Message: o + "!"}))
	}
	log, err := f.db.TransferAttempts(f.ctx, f.tenant.ID, tr.ID)
	must(t, err)
	if len(log) != 2 || log[0].Outcome != "retry" || log[1].Message != "succeeded!" || log[0].At.IsZero() {
		t.Fatalf("log: %+v", log)
	}
	wantCode(t, f.db.AddTransferAttempt(f.ctx, &hrconnect.TransferAttempt{TenantID: f.tenant.ID, TransferID: "trf_missing", Outcome: "x"}), hrconnect.ENOTFOUND)
	byState, err := f.db.Transfers(f.ctx, hrconnect.TransferFilter{TenantID: f.tenant.ID, State: hrconnect.TransferFailed})
	must(t, err)
	if len(byState) != 0 {
		t.Fatalf("state filter: %d transfers", len(byState))
	}
}

func testRetryOnlyFailed(t *testing.T, f *onboardFixture) {
	tr, _ := f.move(t, f.workflow.Stages[2])
	retry := func() (*hrconnect.Transfer, error) {
		var out *hrconnect.Transfer
		err := f.db.InTx(f.ctx, func(tx *sql.Tx) (err error) {
			out, err = f.db.RetryTransferTx(f.ctx, tx, f.tenant.ID, tr.ID)
			return err
		})
		return out, err
	}
	_, err := retry()
	wantCode(t, err, hrconnect.ECONFLICT)
	tr.State, tr.LastError, tr.Resolution, tr.FinishedAt = hrconnect.TransferFailed, "Email Address is missing", "fix it", time.Now()
	must(t, f.db.UpdateTransfer(f.ctx, tr, nil))
	got, err := retry()
	must(t, err)
	if got.State != hrconnect.TransferPending || got.LastError != "" || got.Resolution != "" || !got.FinishedAt.IsZero() {
		t.Fatalf("after retry: %+v", got)
	}
}

func testConnectionBlocks(t *testing.T, f *onboardFixture) {
	until, err := f.db.ConnectionBlockedUntil(f.ctx, f.tenant.ID, f.conn.ID)
	must(t, err)
	if !until.IsZero() {
		t.Fatalf("blocked until %v before any block", until)
	}
	later := time.Now().Add(5 * time.Minute).UTC().Truncate(time.Microsecond)
	must(t, f.db.BlockConnection(f.ctx, f.tenant.ID, f.conn.ID, later, "7209"))
	must(t, f.db.BlockConnection(f.ctx, f.tenant.ID, f.conn.ID, later.Add(-time.Minute), "7209 again"))
	until, err = f.db.ConnectionBlockedUntil(f.ctx, f.tenant.ID, f.conn.ID)
	must(t, err)
	if !until.Equal(later) {
		t.Fatalf("blocked until %v, want %v (a shorter block must not shorten it)", until, later)
	}
}

func testFieldMappings(t *testing.T, f *onboardFixture) {
	m, err := f.db.FieldMapping(f.ctx, f.tenant.ID, f.conn.ID)
	must(t, err)
	if !reflect.DeepEqual(m, hrconnect.DefaultFieldMapping(f.tenant.ID, f.conn.ID)) {
		t.Fatalf("default mapping: %+v", m)
	}
	m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Dateofjoining", Source: hrconnect.FieldStartDate},
		hrconnect.FieldMap{Target: "Shirt_Size", Source: hrconnect.CustomField("shirt")},
		hrconnect.FieldMap{Target: "Source_of_hire", Value: "ATS"})
	m.IsNonUser = true
	must(t, f.db.SetFieldMapping(f.ctx, m))
	got, err := f.db.FieldMapping(f.ctx, f.tenant.ID, f.conn.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Fields, m.Fields) || !got.IsNonUser || got.IsDirectAdd || got.Form != "employee" {
		t.Fatalf("saved mapping: %+v", got)
	}
	wantCode(t, f.db.SetFieldMapping(f.ctx, &hrconnect.FieldMapping{TenantID: f.tenant.ID, ConnectionID: "con_missing"}), hrconnect.ENOTFOUND)
}

func testOnboardTenantIsolation(t *testing.T, f *onboardFixture) {
	tr, _ := f.move(t, f.workflow.Stages[2])
	o := f.other.ID
	_, err := f.db.Workflow(f.ctx, o, f.workflow.ID)
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.Applicant(f.ctx, o, "A-1001")
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.Application(f.ctx, o, f.app.ID)
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.Transfer(f.ctx, o, tr.ID)
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.JobPost(f.ctx, o, f.post.ID)
	wantCode(t, err, hrconnect.ENOTFOUND)
	list, err := f.db.Transfers(f.ctx, hrconnect.TransferFilter{TenantID: o})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("other tenant sees %d transfers", len(list))
	}
	// A workflow may not link another tenant's connection.
	err = f.db.CreateWorkflow(f.ctx, &hrconnect.Workflow{TenantID: o, Name: "X", Stages: []*hrconnect.Stage{{Name: "Hired", ConnectionID: f.conn.ID}}})
	wantCode(t, err, hrconnect.ENOTFOUND)
	err = f.db.InTx(f.ctx, func(tx *sql.Tx) error {
		_, _, _, err := f.db.MoveApplicationTx(f.ctx, tx, o, f.app.ID, f.workflow.Stages[2].ID, "")
		return err
	})
	wantCode(t, err, hrconnect.ENOTFOUND)
}

// The lists hold the tenant's rows only, in their documented order, and the
// application filters combine.
func testOnboardLists(t *testing.T, f *onboardFixture) {
	sales := &hrconnect.Workflow{TenantID: f.tenant.ID, Name: "Accounting", Stages: []*hrconnect.Stage{{Name: "Applied"}, {Name: "Hired"}}}
	must(t, f.db.CreateWorkflow(f.ctx, sales))
	// Another tenant's rows must not show.
	theirs := &hrconnect.Workflow{TenantID: f.other.ID, Name: "Theirs", Stages: []*hrconnect.Stage{{Name: "Applied"}}}
	must(t, f.db.CreateWorkflow(f.ctx, theirs))
	must(t, f.db.PutApplicant(f.ctx, &hrconnect.Applicant{TenantID: f.other.ID, ApplicantID: "A-0001", FirstName: "X", Surname: "Y", Email: "x@y.test"}))

	ws, err := f.db.Workflows(f.ctx, f.tenant.ID)
	must(t, err)
	if len(ws) != 2 || ws[0].Name != "Accounting" || ws[1].Name != "Engineering" || len(ws[0].Stages) != 2 || len(ws[1].Stages) != 3 ||
		ws[1].Stages[2].ConnectionID != f.conn.ID || ws[1].Stages[1].Name != "Interview" {
		t.Fatalf("workflows: %+v", ws)
	}
	later := &hrconnect.JobPost{TenantID: f.tenant.ID, Title: "Accountant", WorkflowID: sales.ID}
	must(t, f.db.CreateJobPost(f.ctx, later))
	posts, err := f.db.JobPosts(f.ctx, f.tenant.ID)
	must(t, err)
	if len(posts) != 2 || posts[0].ID != later.ID || posts[1].ID != f.post.ID {
		t.Fatalf("job posts: %+v", posts)
	}
	must(t, f.db.PutApplicant(f.ctx, &hrconnect.Applicant{TenantID: f.tenant.ID, ApplicantID: "A-0999", FirstName: "Ada", Surname: "Lovelace",
		Email: "ada@example.com", Custom: map[string]string{"team": "core"}}))
	as, err := f.db.Applicants(f.ctx, f.tenant.ID)
	must(t, err)
	if len(as) != 2 || as[0].ApplicantID != "A-0999" || as[0].Custom["team"] != "core" || as[1].ApplicantID != "A-1001" ||
		!as[1].StartDate.Equal(f.applicant.StartDate) {
		t.Fatalf("applicants: %+v", as)
	}
	second := &hrconnect.Application{TenantID: f.tenant.ID, ApplicantID: "A-0999", JobPostID: later.ID, StageID: sales.Stages[0].ID}
	must(t, f.db.CreateApplication(f.ctx, second))
	for _, tc := range []struct {
		name string
		f    hrconnect.ApplicationFilter
		want []string
	}{
		{"all", hrconnect.ApplicationFilter{TenantID: f.tenant.ID}, []string{second.ID, f.app.ID}},
		{"post", hrconnect.ApplicationFilter{TenantID: f.tenant.ID, JobPostID: f.post.ID}, []string{f.app.ID}},
		{"applicant", hrconnect.ApplicationFilter{TenantID: f.tenant.ID, ApplicantID: "A-0999"}, []string{second.ID}},
		{"stage", hrconnect.ApplicationFilter{TenantID: f.tenant.ID, StageID: f.workflow.Stages[0].ID}, []string{f.app.ID}},
		{"none", hrconnect.ApplicationFilter{TenantID: f.tenant.ID, ApplicantID: "A-0999", JobPostID: f.post.ID}, nil},
		{"limit", hrconnect.ApplicationFilter{TenantID: f.tenant.ID, Limit: 1}, []string{second.ID}},
		{"other tenant", hrconnect.ApplicationFilter{TenantID: f.other.ID}, nil},
	} {
		got, err := f.db.Applications(f.ctx, tc.f)
		must(t, err)
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("%s: applications %v, want %v", tc.name, ids, tc.want)
		}
	}
	_, err = f.db.Applications(f.ctx, hrconnect.ApplicationFilter{})
	wantCode(t, err, hrconnect.EINVALID)
	for _, list := range []func() (int, error){
		func() (int, error) { l, err := f.db.Workflows(f.ctx, "ten_missing"); return len(l), err },
		func() (int, error) { l, err := f.db.JobPosts(f.ctx, "ten_missing"); return len(l), err },
		func() (int, error) { l, err := f.db.Applicants(f.ctx, "ten_missing"); return len(l), err },
	} {
		if n, err := list(); err != nil || n != 0 {
			t.Fatalf("list of a tenant without rows: %d, %v", n, err)
		}
	}
}
