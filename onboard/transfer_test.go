package onboard_test

import (
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hrconnect"
	"hrconnect/onboard"
	"hrconnect/sqlstore"
	"hrconnect/zoho"
)

// End to end: a hire moved into the linked stage becomes an employee in the
// sandbox's Zoho People with the mapped fields, in one insert and no lookup,
// and the transfer records the Zoho record ID.
func TestHireBecomesEmployee(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig()})
		m := hrconnect.DefaultFieldMapping(e.tenant.ID, e.conn.ID)
		m.Fields = append(m.Fields,
			hrconnect.FieldMap{Target: "Mobile", Source: hrconnect.FieldPhone},
			hrconnect.FieldMap{Target: "Designation", Source: hrconnect.FieldJobTitle},
			hrconnect.FieldMap{Target: "Dateofjoining", Source: hrconnect.FieldStartDate},
			hrconnect.FieldMap{Target: "Source_of_hire", Value: "hrconnect ATS"})
		m.IsNonUser = true
		must(t, e.svc.SetFieldMapping(e.ctx, m))

		app := e.hire(1, func(a *hrconnect.Applicant) {
			a.Phone, a.JobTitle = "+44 20 7946 0001", "Engineer"
			a.StartDate = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		})
		// A stage without an HR action makes no transfer.
		if tr, err := e.svc.MoveApplicationBy(e.ctx, e.tenant.ID, app.ID, e.workflow.Stages[1].ID, e.user.ID); err != nil || tr != nil {
			t.Fatalf("move to a plain stage: %v, %v", tr, err)
		}
		tr := e.move(app)
		done := e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferSucceeded))[0]

		st := e.state()
		emps := st.employees()
		if len(emps) != 1 {
			t.Fatalf("%d employees in Zoho People, want 1", len(emps))
		}
		got := emps[0]
		want := map[string]string{"EmployeeID": "A00001", "FirstName": "Ada", "LastName": "Lovelace 1", "EmailID": "ada.1@example.com",
			"Mobile": "+44 20 7946 0001", "Designation": "Engineer", "Dateofjoining": "05-Jan-2026", "Source_of_hire": "hrconnect ATS"}
		for k, v := range want {
			if got.Fields[k] != v {
				t.Errorf("employee field %s = %q, want %q", k, got.Fields[k], v)
			}
		}
		if !got.IsNonUser {
			t.Error("isNonUser was not sent")
		}
		if done.ZohoRecordID != got.ID || done.Attempts != 1 || done.LastError != "" || done.FinishedAt.IsZero() {
			t.Fatalf("transfer: record %q (Zoho %q), attempts %d, error %q", done.ZohoRecordID, got.ID, done.Attempts, done.LastError)
		}
		if len(done.Record) != 8 || done.Record[3] != (hrconnect.RecordField{Name: "EmailID", Value: "ada.1@example.com"}) {
			t.Fatalf("record kept with the transfer: %+v", done.Record)
		}
		if st.Calls["people.insertRecord"] != 1 || st.Calls["people.getRecords"] != 0 {
			t.Fatalf("calls: %v; a first attempt inserts once and looks nothing up", st.Calls)
		}
		log, err := e.db.TransferAttempts(e.ctx, e.tenant.ID, tr.ID)
		must(t, err)
		if len(log) != 1 || log[0].Outcome != "succeeded" || !strings.Contains(log[0].Message, got.ID) {
			t.Fatalf("transfer log: %+v", log)
		}

		// Moving again, even out and back in, makes no second transfer.
		must(t, errOf(e.svc.MoveApplication(e.ctx, e.tenant.ID, app.ID, e.workflow.Stages[0].ID)))
		again := e.move(app)
		if again.ID != tr.ID || again.State != hrconnect.TransferSucceeded {
			t.Fatalf("moving again: transfer %s in state %s (first %s)", again.ID, again.State, tr.ID)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(e.state().employees()); n != 1 {
			t.Fatalf("%d employees after moving again", n)
		}
	})
}

func errOf(_ any, err error) error { return err }

// Exactly once: an employee Zoho already has (added by hand) is linked, not
// duplicated: the first attempt inserts, Zoho answers 7051, the worker
// looks the employee up and links it.
func TestExistingEmployeeIsLinked(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig()})
		id := e.seedEmployee(map[string]string{"EmployeeID": "HR-77", "FirstName": "Ada", "LastName": "Lovelace", "EmailID": "ada.1@example.com"})

		tr := e.move(e.hire(1))
		done := e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferSucceeded))[0]
		if done.ZohoRecordID != id {
			t.Fatalf("linked to %q, want the existing employee %q", done.ZohoRecordID, id)
		}
		if !strings.Contains(done.Reply, "7051") || !strings.Contains(done.Reply, "HR-77") {
			t.Fatalf("reply %q does not say how it was linked", done.Reply)
		}
		if n := len(e.state().employees()); n != 1 {
			t.Fatalf("%d employees, want the 1 added by hand", n)
		}
		log, _ := e.db.TransferAttempts(e.ctx, e.tenant.ID, tr.ID)
		if len(log) != 1 || log[0].Outcome != "linked" {
			t.Fatalf("log: %+v", log)
		}

		// The same employee ID under another address: found by EmployeeID.
		id2 := e.seedEmployee(map[string]string{"EmployeeID": "A00002", "FirstName": "Ada", "LastName": "King", "EmailID": "ada.king@example.com"})
		tr2 := e.move(e.hire(2))
		done2 := e.waitFor([]*hrconnect.Transfer{tr2}, 20*time.Second, inState(hrconnect.TransferSucceeded))[0]
		if done2.ZohoRecordID != id2 {
			t.Fatalf("linked to %q, want %q", done2.ZohoRecordID, id2)
		}
		if n := len(e.state().employees()); n != 2 {
			t.Fatalf("%d employees, want the 2 added by hand", n)
		}
	})
}

// Exactly once after a crash: the first attempt reached Zoho but its answer
// was never recorded. The next attempt (River's attempt 2, or attempt 1 of
// a new job when the transfer says an insert was unsure) looks the employee
// up and links it, without a second insert.
func TestLostAnswerIsLinked(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig(), noWorkers: true})
	ctx := e.ctx
	dc, err := e.zc.Directory().DC("eu")
	must(t, err)

	for _, tc := range []struct {
		name    string
		attempt int
		unsure  bool
	}{{"attempt 2", 2, false}, {"unsure insert", 1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			n := tc.attempt*10 + 1
			tr := e.move(e.hire(n))
			a, err := e.db.Applicant(ctx, e.tenant.ID, tr.ApplicantID)
			must(t, err)
			fields, err := onboard.Map(a, hrconnect.DefaultFieldMapping(e.tenant.ID, e.conn.ID))
			must(t, err)
			// The earlier attempt's insert: it reached Zoho...
			id, err := e.zc.InsertRecord(ctx, dc, e.issued.AccessToken, "employee", fields, zoho.InsertOptions{})
			must(t, err)
			// ...and the process died before recording it.
			if tc.unsure {
				tr.State, tr.InsertUnsure, tr.Attempts = hrconnect.TransferRunning, true, 1
				must(t, e.db.UpdateTransfer(ctx, tr, nil))
			}
			inserts := e.state().Calls["people.insertRecord"]

			job := &river.Job[onboard.TransferArgs]{
				JobRow: &rivertype.JobRow{ID: 1, Attempt: tc.attempt, MaxAttempts: 50, Metadata: []byte(`{}`)},
				Args:   onboard.TransferArgs{TenantID: e.tenant.ID, TransferID: tr.ID},
			}
			if err := e.svc.Worker().Work(ctx, job); err != nil {
				t.Fatalf("Work: %v", err)
			}
			got, err := e.db.Transfer(ctx, e.tenant.ID, tr.ID)
			must(t, err)
			if got.State != hrconnect.TransferSucceeded || got.ZohoRecordID != id || got.InsertUnsure {
				t.Fatalf("transfer: state %s, record %q (want %q), unsure %v", got.State, got.ZohoRecordID, id, got.InsertUnsure)
			}
			if n := e.state().Calls["people.insertRecord"] - inserts; n != 0 {
				t.Fatalf("%d more inserts; the employee had to be linked", n)
			}
			if c := byEmployeeID(e.state().employees())[tr.ApplicantID]; c != 1 {
				t.Fatalf("%d employees with ID %s", c, tr.ApplicantID)
			}
			// A job run again after success does nothing.
			if err := e.svc.Worker().Work(ctx, job); err != nil {
				t.Fatalf("Work again: %v", err)
			}
		})
	}
}

// A bad email fails the transfer at once with a message naming the field,
// without any call to Zoho and without retries; fixing the applicant and
// retrying (or moving again) then succeeds.
func TestInvalidApplicantFailsAtOnce(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig()})
	app := e.hire(1, func(a *hrconnect.Applicant) { a.Email = "x@" })
	tr := e.move(app)
	failed := e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferFailed))[0]
	if want := `Email Address "x@" is not a valid email address`; !strings.Contains(failed.LastError, want) {
		t.Fatalf("error %q does not contain %q", failed.LastError, want)
	}
	time.Sleep(300 * time.Millisecond) // long enough for several retries, were there any
	st := e.state()
	if st.Calls["people.insertRecord"]+st.Calls["people.getRecords"] != 0 {
		t.Fatalf("calls to Zoho for an invalid record: %v", st.Calls)
	}
	log, _ := e.db.TransferAttempts(e.ctx, e.tenant.ID, tr.ID)
	if len(log) != 1 || log[0].Outcome != "failed" {
		t.Fatalf("log: %+v (one failure, no retries)", log)
	}
	// The transfer is marked failed inside the job, which River then
	// records as cancelled: wait (bounded) for River to catch up.
	var jobs *river.JobListResult
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		jobs, err = e.river.JobList(e.ctx, river.NewJobListParams().Kinds("transfer"))
		must(t, err)
		if len(jobs.Jobs) != 1 || jobs.Jobs[0].State != rivertype.JobStateRunning || time.Now().After(deadline) {
			break
		}
	}
	if len(jobs.Jobs) != 1 || jobs.Jobs[0].State != rivertype.JobStateCancelled || jobs.Jobs[0].Attempt != 1 {
		t.Fatalf("job: %+v (want one job, cancelled after its first attempt)", jobs.Jobs)
	}

	// A missing email says what to do.
	tr2 := e.move(e.hire(2, func(a *hrconnect.Applicant) { a.Email = "" }))
	f2 := e.waitFor([]*hrconnect.Transfer{tr2}, 20*time.Second, inState(hrconnect.TransferFailed))[0]
	if want := "Email Address is missing: add it to the applicant and move the application again"; !strings.Contains(f2.LastError, want) {
		t.Fatalf("error %q", f2.LastError)
	}

	// Retry refuses a transfer that has not failed, and restarts one that has.
	_, err := e.svc.Retry(e.ctx, e.tenant.ID, tr.ID)
	if hrconnect.ErrorCode(err) != "" {
		t.Fatalf("Retry before the fix should be accepted (the transfer failed): %v", err)
	}
	e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferFailed))
	a, _ := e.db.Applicant(e.ctx, e.tenant.ID, tr.ApplicantID)
	a.Email = "ada.1@example.com"
	must(t, e.db.PutApplicant(e.ctx, a))
	_, err = e.svc.Retry(e.ctx, e.tenant.ID, tr.ID)
	must(t, err)
	e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferSucceeded))
	if _, err := e.svc.Retry(e.ctx, e.tenant.ID, tr.ID); hrconnect.ErrorCode(err) != hrconnect.ECONFLICT {
		t.Fatalf("Retry of a succeeded transfer: %v, want ECONFLICT", err)
	}
	// Moving the other application again after fixing it restarts its transfer.
	a2, _ := e.db.Applicant(e.ctx, e.tenant.ID, tr2.ApplicantID)
	a2.Email = "ada.2@example.com"
	must(t, e.db.PutApplicant(e.ctx, a2))
	if again := e.move(&hrconnect.Application{ID: tr2.ApplicationID}); again.ID != tr2.ID {
		t.Fatalf("moving again made transfer %s, want %s", again.ID, tr2.ID)
	}
	e.waitFor([]*hrconnect.Transfer{tr2}, 20*time.Second, inState(hrconnect.TransferSucceeded))
	if n := len(e.state().employees()); n != 2 {
		t.Fatalf("%d employees, want 2", n)
	}
}

// Zoho refusing the record (a field it does not know: ClassConfig) fails
// the transfer with Zoho's message and a resolution.
func TestZohoRefusalFails(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig()})
	m := hrconnect.DefaultFieldMapping(e.tenant.ID, e.conn.ID)
	m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Shirt_Size", Value: "M"})
	must(t, e.db.SetFieldMapping(e.ctx, m))
	tr := e.move(e.hire(1))
	f := e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferFailed))[0]
	if !strings.Contains(f.LastError, "Shirt_Size") || f.Resolution == "" || !strings.Contains(f.Reply, "7013") {
		t.Fatalf("failure: %q / %q / %q", f.LastError, f.Resolution, f.Reply)
	}
}

// The move and the transfer's job are one transaction: when the job cannot
// be queued, the application stays where it was and no transfer exists.
func TestMoveIsAtomic(t *testing.T) {
	cfg := testConfig()
	cfg.Queue = "not a valid queue name!"
	e := newEnv(t, openSQLite(t), options{cfg: cfg, noWorkers: true})
	app := e.hire(1)
	if _, err := e.svc.MoveApplicationBy(e.ctx, e.tenant.ID, app.ID, e.hired.ID, e.user.ID); err == nil {
		t.Fatal("MoveApplication succeeded although its job could not be queued")
	}
	got, err := e.db.Application(e.ctx, e.tenant.ID, app.ID)
	must(t, err)
	if got.StageID != app.StageID {
		t.Fatalf("the application moved to %s without its transfer", got.StageID)
	}
	list, err := e.db.Transfers(e.ctx, hrconnect.TransferFilter{TenantID: e.tenant.ID})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("%d transfers without a job", len(list))
	}
}

// An access token Zoho refuses (HTTP 401) is refreshed once and the insert
// sent again; the transfer succeeds on its first attempt.
func TestRefusedTokenIsRefreshed(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig()})
	dc, err := e.zc.Directory().DC("eu")
	must(t, err)
	must(t, e.zc.Revoke(e.ctx, dc, e.issued.AccessToken))
	before := e.state().Calls

	tr := e.move(e.hire(1))
	done := e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferSucceeded))[0]
	after := e.state().Calls
	if n := after["accounts.token"] - before["accounts.token"]; n != 1 {
		t.Fatalf("%d token calls, want 1 refresh", n)
	}
	if n := after["people.insertRecord"] - before["people.insertRecord"]; n != 2 {
		t.Fatalf("%d inserts, want 2 (refused, then sent again)", n)
	}
	if done.Attempts != 1 || len(e.state().employees()) != 1 {
		t.Fatalf("attempts %d, employees %d", done.Attempts, len(e.state().employees()))
	}
}

// A transfer whose job was lost (River gave up on it, or it was deleted) is
// found by the reconcile job and queued again; one with a live job is not.
func TestStrandedTransferIsQueuedAgain(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig(), noWorkers: true})
		tr := e.move(e.hire(1))
		soon := time.Now().Add(time.Minute) // every transfer counts as old
		if n, err := e.svc.Reconcile(e.ctx, soon); err != nil || n != 0 {
			t.Fatalf("Reconcile with the job in place: %d, %v", n, err)
		}
		jobs, err := e.river.JobList(e.ctx, river.NewJobListParams().Kinds("transfer"))
		must(t, err)
		if len(jobs.Jobs) != 1 {
			t.Fatalf("%d jobs", len(jobs.Jobs))
		}
		_, err = e.river.JobDelete(e.ctx, jobs.Jobs[0].ID)
		must(t, err)
		if n, err := e.svc.Reconcile(e.ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("Reconcile of a recent transfer: %d, %v", n, err)
		}
		if n, err := e.svc.Reconcile(e.ctx, soon); err != nil || n != 1 {
			t.Fatalf("Reconcile of the stranded transfer: %d, %v", n, err)
		}
		jobs, err = e.river.JobList(e.ctx, river.NewJobListParams().Kinds("transfer"))
		must(t, err)
		if len(jobs.Jobs) != 1 || !strings.Contains(string(jobs.Jobs[0].EncodedArgs), tr.ID) {
			t.Fatalf("jobs after reconciling: %d", len(jobs.Jobs))
		}
		row := jobs.Jobs[0]
		row.Attempt = 1
		job := &river.Job[onboard.TransferArgs]{JobRow: row, Args: onboard.TransferArgs{TenantID: e.tenant.ID, TransferID: tr.ID}}
		must(t, e.svc.Worker().Work(e.ctx, job))
		e.waitFor([]*hrconnect.Transfer{tr}, time.Second, inState(hrconnect.TransferSucceeded))
	})
}
