package onboard_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/onboard"
	"hrconnect/zoho"
)

func applicant() *hrconnect.Applicant {
	return &hrconnect.Applicant{TenantID: "ten_1", ApplicantID: "A-1", FirstName: "Grace", Surname: "Hopper", Email: "grace@example.com",
		Phone: "+1 555 0100", StartDate: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), Custom: map[string]string{"shirt": "M", "joined": "2026-02-01"}}
}

func TestMapDefaults(t *testing.T) {
	got, err := onboard.Map(applicant(), hrconnect.DefaultFieldMapping("ten_1", "con_1"))
	if err != nil {
		t.Fatal(err)
	}
	want := []zoho.Field{{Name: "EmployeeID", Value: "A-1"}, {Name: "FirstName", Value: "Grace"}, {Name: "LastName", Value: "Hopper"}, {Name: "EmailID", Value: "grace@example.com"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Map = %v, want %v", got, want)
	}
}

func TestMapMoreFields(t *testing.T) {
	m := hrconnect.DefaultFieldMapping("ten_1", "con_1")
	m.Fields = append(m.Fields,
		hrconnect.FieldMap{Target: "Dateofjoining", Source: hrconnect.FieldStartDate},
		hrconnect.FieldMap{Target: "Date_of_birth", Source: hrconnect.FieldDateOfBirth}, // empty, optional: left out
		hrconnect.FieldMap{Target: "Shirt_Size", Source: hrconnect.CustomField("shirt")},
		hrconnect.FieldMap{Target: "Dateofexit", Source: hrconnect.CustomField("joined")},
		hrconnect.FieldMap{Target: "Source_of_hire", Value: "ATS"},
		hrconnect.FieldMap{Target: "Mobile", Source: hrconnect.FieldPhone},
		hrconnect.FieldMap{Target: "Start_Custom", Source: hrconnect.FieldStartDate})
	got, err := onboard.Map(applicant(), m)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Dateofjoining": "09-Mar-2026", "Shirt_Size": "M", "Dateofexit": "01-Feb-2026", "Source_of_hire": "ATS",
		"Mobile": "+1 555 0100", "Start_Custom": "09-Mar-2026"}
	if len(got) != 10 {
		t.Fatalf("Map = %v", got)
	}
	for _, f := range got[4:] {
		if want[f.Name] != f.Value {
			t.Errorf("%s = %q, want %q", f.Name, f.Value, want[f.Name])
		}
	}
}

func TestMapRefusals(t *testing.T) {
	tests := []struct {
		name   string
		change func(a *hrconnect.Applicant, m *hrconnect.FieldMapping)
		field  string
		want   []string
	}{
		{"missing email", func(a *hrconnect.Applicant, _ *hrconnect.FieldMapping) { a.Email = " " }, "EmailID",
			[]string{"Email Address is missing: add it to the applicant and move the application again."}},
		{"bad email", func(a *hrconnect.Applicant, _ *hrconnect.FieldMapping) { a.Email = "x@" }, "EmailID",
			[]string{`Email Address "x@" is not a valid email address`}},
		{"display name", func(a *hrconnect.Applicant, _ *hrconnect.FieldMapping) { a.Email = "Grace <grace@example.com>" }, "EmailID",
			[]string{"is not a valid email address"}},
		{"no dot in domain", func(a *hrconnect.Applicant, _ *hrconnect.FieldMapping) { a.Email = "grace@localhost" }, "EmailID",
			[]string{"is not a valid email address"}},
		{"two missing", func(a *hrconnect.Applicant, _ *hrconnect.FieldMapping) { a.FirstName, a.Surname = "", "" }, "FirstName",
			[]string{"First Name is missing", "Surname is missing"}},
		{"bad date", func(a *hrconnect.Applicant, m *hrconnect.FieldMapping) {
			a.Custom["joined"] = "next Monday"
			m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Dateofjoining", Source: hrconnect.CustomField("joined")})
		}, "Dateofjoining", []string{`joined "next Monday" is not a date`}},
		{"documents", func(_ *hrconnect.Applicant, m *hrconnect.FieldMapping) {
			m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Photo", Source: hrconnect.CustomField("shirt")})
		}, "Photo", []string{"documents and pictures are never transferred"}},
		{"twice", func(_ *hrconnect.Applicant, m *hrconnect.FieldMapping) {
			m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "EmailID", Source: hrconnect.FieldEmail})
		}, "EmailID", []string{"EmailID is mapped twice"}},
		{"bad target", func(_ *hrconnect.Applicant, m *hrconnect.FieldMapping) {
			m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Shirt Size", Value: "M"})
		}, "Shirt Size", []string{"is not a Zoho People field link name"}},
		{"unknown source", func(_ *hrconnect.Applicant, m *hrconnect.FieldMapping) {
			m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Tags", Source: "cv_file"})
		}, "Tags", []string{"not an applicant field"}},
		{"mandatory fixed value", func(_ *hrconnect.Applicant, m *hrconnect.FieldMapping) {
			m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Department", Mandatory: true})
		}, "Department", []string{"The fixed value of Department is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, m := applicant(), hrconnect.DefaultFieldMapping("ten_1", "con_1")
			tt.change(a, m)
			_, err := onboard.Map(a, m)
			if hrconnect.ErrorCode(err) != hrconnect.EINVALID {
				t.Fatalf("Map: %v, want EINVALID", err)
			}
			e := err.(*hrconnect.Error)
			if e.Field != tt.field {
				t.Errorf("field %q, want %q", e.Field, tt.field)
			}
			for _, w := range tt.want {
				if !strings.Contains(hrconnect.ErrorMessage(err), w) {
					t.Errorf("message %q lacks %q", hrconnect.ErrorMessage(err), w)
				}
			}
		})
	}
	if _, err := onboard.Map(applicant(), &hrconnect.FieldMapping{}); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Fatalf("empty mapping: %v", err)
	}
}

// The preview is exactly what the worker sends, and the rule for job posts
// is enforced by SelectHRConnection.
func TestPreviewAndSelect(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig(), noWorkers: true})
	m := hrconnect.DefaultFieldMapping(e.tenant.ID, e.conn.ID)
	m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Dateofjoining", Source: hrconnect.FieldStartDate})
	m.IsDirectAdd = true
	must(t, e.db.SetFieldMapping(e.ctx, m))
	app := e.hire(1, func(a *hrconnect.Applicant) { a.StartDate = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) })
	p, err := e.svc.Preview(e.ctx, e.tenant.ID, app.ApplicantID, e.conn.ID)
	must(t, err)
	if p.Form != "employee" || !p.IsDirectAdd || len(p.Fields) != 5 || p.Fields[4] != (zoho.Field{Name: "Dateofjoining", Value: "05-Jan-2026"}) {
		t.Fatalf("preview: %+v", p)
	}

	must(t, e.svc.SelectHRConnection(e.ctx, e.tenant.ID, e.post.ID, e.conn.ID))
	// A workflow without the link: the post may not select the connection.
	w := &hrconnect.Workflow{TenantID: e.tenant.ID, Name: "Sales", Stages: []*hrconnect.Stage{{Name: "Applied"}, {Name: "Hired"}}}
	must(t, e.db.CreateWorkflow(e.ctx, w))
	post := &hrconnect.JobPost{TenantID: e.tenant.ID, Title: "Sales lead", WorkflowID: w.ID}
	must(t, e.db.CreateJobPost(e.ctx, post))
	err = e.svc.SelectHRConnection(e.ctx, e.tenant.ID, post.ID, e.conn.ID)
	if hrconnect.ErrorCode(err) != hrconnect.EINVALID || !strings.Contains(hrconnect.ErrorMessage(err), "not linked to the workflow") {
		t.Fatalf("selecting an unlinked connection: %v", err)
	}
	must(t, e.db.LinkStage(e.ctx, e.tenant.ID, w.Stages[1].ID, e.conn.ID))
	must(t, e.svc.SelectHRConnection(e.ctx, e.tenant.ID, post.ID, e.conn.ID))
}

// IsDirectAdd sends a password Zoho requires, which is never kept.
func TestDirectAdd(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig()})
	m := hrconnect.DefaultFieldMapping(e.tenant.ID, e.conn.ID)
	m.IsDirectAdd = true
	must(t, e.db.SetFieldMapping(e.ctx, m))
	tr := e.move(e.hire(1))
	done := e.waitFor([]*hrconnect.Transfer{tr}, 20*time.Second, inState(hrconnect.TransferSucceeded))[0]
	emps := e.state().employees()
	if len(emps) != 1 || emps[0].Fields["Employeestatus"] != "Active" {
		t.Fatalf("employees: %+v", emps)
	}
	for _, f := range done.Record {
		if strings.Contains(strings.ToLower(f.Name), "password") {
			t.Fatalf("a password was kept with the transfer: %+v", done.Record)
		}
	}
}
