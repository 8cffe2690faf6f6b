package onboard_test

import (
	"errors"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/sqlstore"
)

// wantErr fails unless err is an *hrconnect.Error with the code, the field
// and a message holding want.
func wantErr(t *testing.T, err error, code, field, want string) {
	t.Helper()
	var e *hrconnect.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want %s on %s", err, code, field)
	}
	if e.Code != code || e.Field != field || !strings.Contains(e.Error(), want) {
		t.Fatalf("error %s on %q: %q; want %s on %q containing %q", e.Code, e.Field, e.Error(), code, field, want)
	}
}

// TestATSLayer holds the service's ATS methods to their checks and their
// tenant scoping, on both databases.
func TestATSLayer(t *testing.T) {
	dialects(t, func(t *testing.T, open func(t testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig(), noWorkers: true})
		ctx, tid := e.ctx, e.tenant.ID

		// Another tenant, with a People connection of its own, and a
		// Recruit connection in ours.
		other := &hrconnect.Tenant{Name: "Globex"}
		must(t, e.db.CreateTenant(ctx, other))
		theirConn := &hrconnect.Connection{TenantID: other.ID, Name: "Their People", LinkName: "their_people", Service: hrconnect.ServiceZohoPeople, DataCentre: "eu", ClientID: "1000.X"}
		must(t, e.db.CreateConnection(ctx, theirConn, &hrconnect.Credentials{ClientSecret: "s", RefreshToken: "r"}))
		recruit := &hrconnect.Connection{TenantID: tid, Name: "Recruit", LinkName: "recruit", Service: hrconnect.ServiceZohoRecruit, DataCentre: "eu", ClientID: "1000.Y"}
		must(t, e.db.CreateConnection(ctx, recruit, &hrconnect.Credentials{ClientSecret: "s", RefreshToken: "r"}))

		// Workflows.
		wantErr(t, e.svc.CreateWorkflow(ctx, &hrconnect.Workflow{TenantID: tid, Name: "Empty"}), hrconnect.EINVALID, "stages", "at least one stage")
		wantErr(t, e.svc.CreateWorkflow(ctx, &hrconnect.Workflow{TenantID: tid, Name: "  "}), hrconnect.EINVALID, "name", "name")
		wantErr(t, e.svc.CreateWorkflow(ctx, &hrconnect.Workflow{TenantID: tid, Name: "Dup", Stages: []*hrconnect.Stage{{Name: "Hired"}, {Name: " hired "}}}),
			hrconnect.EINVALID, "stages", `Stages 1 and 2 are both named "hired"`)
		wantErr(t, e.svc.CreateWorkflow(ctx, &hrconnect.Workflow{TenantID: tid, Name: "R", Stages: []*hrconnect.Stage{{Name: "Hired", ConnectionID: recruit.ID}}}),
			hrconnect.EINVALID, "stages", "not an HR connection")
		wantErr(t, e.svc.CreateWorkflow(ctx, &hrconnect.Workflow{TenantID: tid, Name: "T", Stages: []*hrconnect.Stage{{Name: "Hired", ConnectionID: theirConn.ID}}}),
			hrconnect.ENOTFOUND, "stages", "not found")
		sales := &hrconnect.Workflow{TenantID: tid, Name: " Sales ", Stages: []*hrconnect.Stage{{Name: " Applied"}, {Name: "Hired "}}}
		must(t, e.svc.CreateWorkflow(ctx, sales))
		got, err := e.svc.Workflow(ctx, tid, sales.ID)
		must(t, err)
		if got.Name != "Sales" || len(got.Stages) != 2 || got.Stages[0].Name != "Applied" || got.Stages[1].Name != "Hired" {
			t.Fatalf("workflow not trimmed: %+v %+v", got, got.Stages)
		}
		ws, err := e.svc.Workflows(ctx, tid)
		must(t, err)
		if len(ws) != 2 || ws[0].Name != "Engineering" || ws[1].Name != "Sales" {
			t.Fatalf("workflows: %v", ws)
		}
		if ws, _ := e.svc.Workflows(ctx, other.ID); len(ws) != 0 {
			t.Fatalf("the other tenant sees %d workflows", len(ws))
		}
		_, err = e.svc.Workflow(ctx, other.ID, sales.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "", "not found")

		// Job posts: People is selectable only once linked.
		post := &hrconnect.JobPost{TenantID: tid, Title: "Account executive", WorkflowID: sales.ID, HRConnectionID: e.conn.ID}
		wantErr(t, e.svc.CreateJobPost(ctx, post), hrconnect.EINVALID, "hr_connection_id", `is not linked to the workflow "Sales"`)
		wantErr(t, e.svc.LinkStage(ctx, tid, sales.Stages[1].ID, recruit.ID), hrconnect.EINVALID, "connection_id", "not an HR connection")
		wantErr(t, e.svc.LinkStage(ctx, tid, sales.Stages[1].ID, theirConn.ID), hrconnect.ENOTFOUND, "connection_id", "not found")
		wantErr(t, e.svc.LinkStage(ctx, other.ID, sales.Stages[1].ID, ""), hrconnect.ENOTFOUND, "", "not found")
		must(t, e.svc.LinkStage(ctx, tid, sales.Stages[1].ID, e.conn.ID))
		must(t, e.svc.CreateJobPost(ctx, post))
		if p, err := e.svc.JobPost(ctx, tid, post.ID); err != nil || p.HRConnectionID != e.conn.ID || p.Title != "Account executive" {
			t.Fatalf("job post: %+v, %v", p, err)
		}
		wantErr(t, e.svc.CreateJobPost(ctx, &hrconnect.JobPost{TenantID: other.ID, Title: "X", WorkflowID: sales.ID}), hrconnect.ENOTFOUND, "workflow_id", "not found")
		wantErr(t, e.svc.CreateJobPost(ctx, &hrconnect.JobPost{TenantID: tid, Title: "", WorkflowID: sales.ID}), hrconnect.EINVALID, "title", "title")
		posts, err := e.svc.JobPosts(ctx, tid)
		must(t, err)
		if len(posts) != 2 || posts[0].ID != post.ID {
			t.Fatalf("job posts: %v", posts)
		}

		// Applicants.
		good := func() *hrconnect.Applicant {
			return &hrconnect.Applicant{TenantID: tid, ApplicantID: " A-77 ", FirstName: " Katherine", Surname: "Johnson ", Email: "kj@example.com"}
		}
		for _, tc := range []struct {
			change      func(*hrconnect.Applicant)
			field, want string
		}{
			{func(a *hrconnect.Applicant) { a.Email = "kj@" }, "email", `"kj@" is not a valid email address`},
			{func(a *hrconnect.Applicant) { a.Email = "Katherine <kj@example.com>" }, "email", "not a valid email address"},
			{func(a *hrconnect.Applicant) { a.Email = "" }, "email", "Email Address"},
			{func(a *hrconnect.Applicant) { a.ApplicantID = "a/b" }, "applicant_id", "not a valid applicant ID"},
			{func(a *hrconnect.Applicant) { a.ApplicantID = "" }, "applicant_id", "applicant ID"},
			{func(a *hrconnect.Applicant) { a.Surname = " " }, "surname", "Surname"},
			{func(a *hrconnect.Applicant) { a.FirstName = "Kat\x00" }, "first_name", "control character"},
			{func(a *hrconnect.Applicant) { a.Custom = map[string]string{"shirt size": "M"} }, "custom", "shirt size"},
		} {
			a := good()
			tc.change(a)
			wantErr(t, e.svc.PutApplicant(ctx, a), hrconnect.EINVALID, tc.field, tc.want)
		}
		if _, err := e.svc.Applicant(ctx, tid, "A-77"); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			t.Fatalf("a refused applicant was saved: %v", err)
		}
		a := good()
		must(t, e.svc.PutApplicant(ctx, a))
		if a.ApplicantID != "A-77" || a.FirstName != "Katherine" || a.Surname != "Johnson" {
			t.Fatalf("applicant not trimmed: %+v", a)
		}
		a.Department = "Flight Research"
		must(t, e.svc.PutApplicant(ctx, a))
		if got, err := e.svc.Applicant(ctx, tid, "A-77"); err != nil || got.Department != "Flight Research" {
			t.Fatalf("applicant after update: %+v, %v", got, err)
		}
		if as, _ := e.svc.Applicants(ctx, tid); len(as) != 1 {
			t.Fatalf("%d applicants, want 1", len(as))
		}
		_, err = e.svc.Applicant(ctx, other.ID, "A-77")
		wantErr(t, err, hrconnect.ENOTFOUND, "", "not found")

		// Applications.
		theirWF := &hrconnect.Workflow{TenantID: other.ID, Name: "Theirs", Stages: []*hrconnect.Stage{{Name: "Applied"}}}
		must(t, e.svc.CreateWorkflow(ctx, theirWF))
		theirPost := &hrconnect.JobPost{TenantID: other.ID, Title: "Theirs", WorkflowID: theirWF.ID}
		must(t, e.svc.CreateJobPost(ctx, theirPost))
		_, err = e.svc.Apply(ctx, tid, "A-77", theirPost.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "job_post_id", "not found")
		_, err = e.svc.Apply(ctx, tid, "A-404", post.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "applicant_id", "not found")
		app, err := e.svc.Apply(ctx, tid, "A-77", post.ID)
		must(t, err)
		if app.StageID != sales.Stages[0].ID || app.JobPostID != post.ID {
			t.Fatalf("application: %+v", app)
		}
		_, err = e.svc.Apply(ctx, tid, "A-77", post.ID)
		wantErr(t, err, hrconnect.ECONFLICT, "job_post_id", app.ID)
		if apps, _ := e.svc.Applications(ctx, hrconnect.ApplicationFilter{TenantID: tid, ApplicantID: "A-77"}); len(apps) != 1 || apps[0].ID != app.ID {
			t.Fatalf("applications: %v", apps)
		}
		_, err = e.svc.Application(ctx, other.ID, app.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "", "not found")

		// Transfers, their log and the field mapping.
		tr, err := e.svc.MoveApplication(ctx, tid, app.ID, sales.Stages[1].ID)
		must(t, err)
		if tr == nil || tr.ConnectionID != e.conn.ID {
			t.Fatalf("move into the linked stage: %+v", tr)
		}
		if l, err := e.svc.Transfers(ctx, hrconnect.TransferFilter{TenantID: tid, State: hrconnect.TransferPending}); err != nil || len(l) != 1 || l[0].ID != tr.ID {
			t.Fatalf("pending transfers: %v, %v", l, err)
		}
		_, err = e.svc.Transfers(ctx, hrconnect.TransferFilter{TenantID: tid, State: "done"})
		wantErr(t, err, hrconnect.EINVALID, "state", "not a transfer state")
		if log, err := e.svc.TransferLog(ctx, tid, tr.ID); err != nil || len(log) != 0 {
			t.Fatalf("log of a queued transfer: %v, %v", log, err)
		}
		_, err = e.svc.TransferLog(ctx, other.ID, tr.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "", "not found")
		_, err = e.svc.Transfer(ctx, other.ID, tr.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "", "not found")
		m, err := e.svc.FieldMapping(ctx, tid, e.conn.ID)
		must(t, err)
		if len(m.Fields) != 4 || m.Fields[3].Target != "EmailID" || !m.Fields[3].Mandatory {
			t.Fatalf("default mapping: %+v", m)
		}
		_, err = e.svc.FieldMapping(ctx, tid, theirConn.ID)
		wantErr(t, err, hrconnect.ENOTFOUND, "", "not found")
	})
}
