package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/internal/testenv"
)

// atsWorld is a tenant set up through the pages: a Zoho People connection,
// a workflow whose Hired stage is linked to it, a job post using it, and
// an applicant who applied.
type atsWorld struct {
	tenant   *hrconnect.Tenant
	ada      *browser
	connID   string
	workflow *hrconnect.Workflow
	hired    *hrconnect.Stage
	postID   string
	app      *hrconnect.Application
}

// setUpATS builds an atsWorld through the pages, checking each step.
func setUpATS(t *testing.T, a *app) *atsWorld {
	t.Helper()
	ctx := testContext(t)
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	w := &atsWorld{tenant: tenant, ada: a.signedIn("ada@acme.test", pa)}
	b := w.ada
	w.connID = b.connectWithToken("eu")

	loc := location(t, b.post("/workflows", url.Values{"name": {"Engineering"}, "stages": {" Applied \n\nOffer\nHired\n"}}), b.last)
	wfID := strings.TrimPrefix(loc, "/workflows/")
	var err error
	w.workflow, err = a.onb.Workflow(ctx, tenant.ID, wfID)
	must(t, err)
	if n := len(w.workflow.Stages); n != 3 || w.workflow.Stages[0].Name != "Applied" || w.workflow.Stages[2].Name != "Hired" {
		t.Fatalf("workflow stages %+v, want Applied, Offer, Hired", w.workflow.Stages)
	}
	w.hired = w.workflow.Stages[2]

	// A job post before any stage is linked: no HR connection can be
	// chosen, and the page says why and what to do.
	w.postID = strings.TrimPrefix(location(t, b.post("/jobs", url.Values{"title": {"Go engineer"}, "workflow_id": {wfID}}), b.last), "/jobs/")
	res := b.get("/jobs/" + w.postID)
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, `id="no-hr-connection"`, "is not linked to the workflow", "Open the workflow and link Zoho People eu")
	if strings.Contains(b.last, `id="hr_connection_id"`) {
		t.Error("the job post offers an HR connection not linked to its workflow")
	}
	res = b.post("/jobs/"+w.postID+"/hr-connection", url.Values{"hr_connection_id": {w.connID}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantFieldMessage(t, b.last, "hr_connection_id", "is not linked to the workflow")

	// Link Hired; the workflow page says what it does.
	location(t, b.post("/workflows/"+wfID+"/stages/"+w.hired.ID+"/link", url.Values{"connection_id": {w.connID}}), b.last)
	b.get("/workflows/" + wfID)
	wantContains(t, b.last, "When an application reaches this stage, create the employee in", "Zoho People eu", `id="flash"`)
	if wf, _ := a.onb.Workflow(ctx, tenant.ID, wfID); wf.Stages[2].ConnectionID != w.connID {
		t.Fatalf("Hired is linked to %q, want %s", wf.Stages[2].ConnectionID, w.connID)
	}

	// Now the connection is offered, and chosen.
	b.get("/jobs/" + w.postID)
	wantContains(t, b.last, `id="hr_connection_id"`, `<option value="`+w.connID+`"`)
	location(t, b.post("/jobs/"+w.postID+"/hr-connection", url.Values{"hr_connection_id": {w.connID}}), b.last)
	if p, _ := a.onb.JobPost(ctx, tenant.ID, w.postID); p.HRConnectionID != w.connID {
		t.Fatalf("the post's HR connection is %q", p.HRConnectionID)
	}
	b.get("/jobs")
	wantContains(t, b.last, "Go engineer", "Engineering", "Zoho People eu")

	loc = location(t, b.post("/applicants", url.Values{"applicant_id": {"A-1"}, "first_name": {"Grace"}, "surname": {"Hopper"},
		"email": {"grace@acme.test"}, "department": {"Engineering"}, "start_date": {"2026-02-02"}, "custom": {"shirt_size: M"}}), b.last)
	if loc != "/applicants/A-1" {
		t.Fatalf("after adding, the browser goes to %s", loc)
	}
	location(t, b.post("/applicants/A-1/apply", url.Values{"job_post_id": {w.postID}}), b.last)
	apps, err := a.onb.Applications(ctx, hrconnect.ApplicationFilter{TenantID: tenant.ID, ApplicantID: "A-1"})
	must(t, err)
	if len(apps) != 1 || apps[0].StageID != w.workflow.Stages[0].ID {
		t.Fatalf("applications %+v, want one at Applied", apps)
	}
	w.app = apps[0]
	return w
}

// TestATSPages is the ATS side through the pages: a workflow, the job
// post's HR connection offered only once a stage is linked, an applicant,
// an application moved into the linked stage, the transfer it makes with
// the Zoho record ID, and the employee in the sandbox with the mapped
// fields.
func TestATSPages(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	w := setUpATS(t, a)
	b := w.ada
	ctx := testContext(t)

	b.get("/applicants/A-1")
	wantContains(t, b.last, `<a href="/workflows"`, `<a href="/jobs"`, `<a href="/applicants" aria-current="page">`, `<a href="/transfers"`)
	wantContains(t, b.last, "Grace Hopper", "Go engineer", `id="stage-of-`+w.app.ID+`">Applied`, "(creates the employee)")
	// Moving to Offer makes no transfer; to Hired, one.
	location(t, b.post("/applications/"+w.app.ID+"/move", url.Values{"stage_id": {w.workflow.Stages[1].ID}}), b.last)
	b.get("/applicants/A-1")
	wantContains(t, b.last, `id="stage-of-`+w.app.ID+`">Offer`)
	if ts, _ := a.onb.Transfers(ctx, hrconnect.TransferFilter{TenantID: w.tenant.ID}); len(ts) != 0 {
		t.Fatalf("%d transfers after moving to an unlinked stage", len(ts))
	}
	location(t, b.post("/applications/"+w.app.ID+"/move", url.Values{"stage_id": {w.hired.ID}}), b.last)
	b.get("/applicants/A-1")
	wantContains(t, b.last, "The employee is being created in Zoho People eu", `class="transfer-link"`)
	ts, err := a.onb.Transfers(ctx, hrconnect.TransferFilter{TenantID: w.tenant.ID})
	must(t, err)
	if len(ts) != 1 {
		t.Fatalf("%d transfers after moving to Hired, want 1", len(ts))
	}
	wantContains(t, b.last, `href="/transfers/`+ts[0].ID+`"`)
	tr := a.waitTransfer(w.tenant.ID, ts[0].ID)
	if tr.State != hrconnect.TransferSucceeded || tr.ZohoRecordID == "" {
		t.Fatalf("transfer %s, record %q, error %q", tr.State, tr.ZohoRecordID, tr.LastError)
	}

	res := b.get("/transfers/" + tr.ID)
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, `id="transfer-state" class="state ok">Succeeded`, tr.ZohoRecordID, "EmailID", "grace@acme.test", "documents are never transferred", `id="log"`)
	if strings.Contains(b.last, `http-equiv="refresh"`) || strings.Contains(b.last, `id="retry"`) {
		t.Error("a succeeded transfer's page reloads itself or offers Retry")
	}
	b.get("/transfers?state=succeeded")
	wantContains(t, b.last, `id="row-`+tr.ID+`"`, "Grace Hopper", "Zoho People eu", tr.ZohoRecordID)
	b.get("/transfers?state=failed")
	if strings.Contains(b.last, tr.ID) {
		t.Error("the failed filter lists a succeeded transfer")
	}
	res = b.get("/transfers?state=bogus")
	wantStatus(t, res, http.StatusBadRequest, b.last)

	emps := a.employees()
	if len(emps) != 1 {
		t.Fatalf("%d employees in Zoho People, want 1", len(emps))
	}
	want := map[string]string{"EmployeeID": "A-1", "FirstName": "Grace", "LastName": "Hopper", "EmailID": "grace@acme.test"}
	for k, v := range want {
		if emps[0].Fields[k] != v {
			t.Errorf("employee %s = %q, want %q", k, emps[0].Fields[k], v)
		}
	}
	if emps[0].ID != tr.ZohoRecordID {
		t.Errorf("the transfer holds record %s, Zoho has %s", tr.ZohoRecordID, emps[0].ID)
	}
}

// TestApplicantValidation: the applicant form's mistakes are shown at
// their fields, the form keeps what was typed, and nothing is saved.
func TestApplicantValidation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	good := url.Values{"applicant_id": {"A-1"}, "first_name": {"Grace"}, "surname": {"Hopper"}, "email": {"grace@acme.test"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for kk, vv := range good {
			f[kk] = vv
		}
		f.Set(k, v)
		return f
	}
	cases := []struct{ name, field, value, want string }{
		{"bad email", "email", "grace@", "email"},
		{"no surname", "surname", "", "urname"},
		{"bad date", "start_date", "02/02/2026", "is not a date"},
		{"bad custom", "custom", "no colon here", "is not"},
	}
	for _, c := range cases {
		res := b.post("/applicants", with(c.field, c.value))
		wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
		wantFieldError(t, b.last, c.field, c.want)
		wantContains(t, b.last, `value="Grace"`)
	}
	if list, _ := a.onb.Applicants(testContext(t), tenant.ID); len(list) != 0 {
		t.Fatalf("%d applicants saved from invalid forms", len(list))
	}
	location(t, b.post("/applicants", good), b.last)
	// The same Applicant ID again is refused rather than overwriting.
	res := b.post("/applicants", with("first_name", "Someone"))
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantFieldError(t, b.last, "applicant_id", "There is already an applicant with the ID A-1")
	// Editing keeps the ID and shows mistakes at the field too.
	res = b.post("/applicants/A-1", with("email", "not an address"))
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantFieldError(t, b.last, "email", "email")
	location(t, b.post("/applicants/A-1", with("phone", "+44 20 7946 0000")), b.last)
	ap, err := a.onb.Applicant(testContext(t), tenant.ID, "A-1")
	must(t, err)
	if ap.FirstName != "Grace" || ap.Phone != "+44 20 7946 0000" {
		t.Errorf("saved applicant %+v", ap)
	}
	// A workflow without a name or stages is refused at its fields.
	res = b.post("/workflows", url.Values{"name": {"Sales"}, "stages": {"\n \n"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantFieldError(t, b.last, "stages", "")
	res = b.post("/jobs", url.Values{"title": {"Go engineer"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
}

// TestATSTenantIsolation: another tenant's workflow, job post, applicant,
// application, transfer and field mapping are not found, for reading or
// changing, and are listed nowhere.
func TestATSTenantIsolation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	w := setUpATS(t, a)
	location(t, w.ada.post("/applications/"+w.app.ID+"/move", url.Values{"stage_id": {w.hired.ID}}), w.ada.last)
	ts, err := a.onb.Transfers(testContext(t), hrconnect.TransferFilter{TenantID: w.tenant.ID})
	must(t, err)
	if len(ts) != 1 {
		t.Fatalf("%d transfers", len(ts))
	}
	tr := a.waitTransfer(w.tenant.ID, ts[0].ID)

	_, _, pe := a.user(nil, "eve@evil.test", true)
	eve := a.signedIn("eve@evil.test", pe)
	for _, p := range []string{"/workflows/" + w.workflow.ID, "/jobs/" + w.postID, "/applicants/A-1", "/transfers/" + tr.ID,
		"/connections/" + w.connID + "/mapping", "/connections/" + w.connID + "/mapping?applicant=A-1"} {
		res := eve.get(p)
		wantStatus(t, res, http.StatusNotFound, eve.last)
	}
	posts := map[string]url.Values{
		"/workflows/" + w.workflow.ID + "/stages/" + w.hired.ID + "/link": {"connection_id": {""}},
		"/jobs/" + w.postID + "/hr-connection":                            {"hr_connection_id": {w.connID}},
		"/applicants/A-1":                                                 {"applicant_id": {"A-1"}, "first_name": {"Eve"}, "surname": {"X"}, "email": {"eve@evil.test"}},
		"/applicants/A-1/apply":                                           {"job_post_id": {w.postID}},
		"/applications/" + w.app.ID + "/move":                             {"stage_id": {w.workflow.Stages[0].ID}},
		"/transfers/" + tr.ID + "/retry":                                  {},
		"/connections/" + w.connID + "/mapping":                           {"rows": {"0"}},
	}
	for p, form := range posts {
		res := eve.post(p, form)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s by another tenant: %d, want 404", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/workflows", "/jobs", "/applicants", "/transfers"} {
		eve.get(p)
		for _, s := range []string{w.workflow.ID, w.postID, "Grace", tr.ID, "Engineering"} {
			if strings.Contains(eve.last, s) {
				t.Errorf("%s of another tenant lists %q", p, s)
			}
		}
	}
	// Eve's own applicant cannot apply to Ada's post, nor her own post
	// choose Ada's connection.
	location(t, eve.post("/applicants", url.Values{"applicant_id": {"E-1"}, "first_name": {"Eve"}, "surname": {"X"}, "email": {"eve@evil.test"}}), eve.last)
	res := eve.post("/applicants/E-1/apply", url.Values{"job_post_id": {w.postID}})
	wantStatus(t, res, http.StatusUnprocessableEntity, eve.last)
	wantFieldMessage(t, eve.last, "job_post_id", "no such job post")

	// Nothing of Ada's changed.
	ctx := testContext(t)
	ap, err := a.onb.Applicant(ctx, w.tenant.ID, "A-1")
	must(t, err)
	wf, err := a.onb.Workflow(ctx, w.tenant.ID, w.workflow.ID)
	must(t, err)
	app, err := a.onb.Application(ctx, w.tenant.ID, w.app.ID)
	must(t, err)
	if ap.FirstName != "Grace" || wf.Stages[2].ConnectionID != w.connID || app.StageID != w.hired.ID {
		t.Errorf("another tenant changed Ada's data: %s, link %q, stage %s", ap.FirstName, wf.Stages[2].ConnectionID, app.StageID)
	}
}

// TestATSWithoutIntegrationsManagement: a colleague without the permission
// sees the workflow and mapping pages read-only and cannot link a stage,
// choose a job post's HR connection or change a mapping; recruiting work
// (applicants) stays open to them.
func TestATSWithoutIntegrationsManagement(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	w := setUpATS(t, a)
	_, _, pb := a.user(w.tenant, "bob@acme.test", false)
	bob := a.signedIn("bob@acme.test", pb)
	ctx := testContext(t)

	res := bob.get("/workflows/" + w.workflow.ID)
	wantStatus(t, res, http.StatusOK, bob.last)
	wantContains(t, bob.last, `id="readonly"`, "Integrations Management", "create the employee in")
	if strings.Contains(bob.last, `class="link-stage"`) {
		t.Error("the link control is offered without the permission")
	}
	bob.get("/connections/" + w.connID + "/mapping")
	wantContains(t, bob.last, `id="readonly"`, `<fieldset class="plain" disabled>`)

	for p, form := range map[string]url.Values{
		"/workflows/" + w.workflow.ID + "/stages/" + w.hired.ID + "/link":              {"connection_id": {""}},
		"/workflows/" + w.workflow.ID + "/stages/" + w.workflow.Stages[1].ID + "/link": {"connection_id": {w.connID}},
		"/jobs/" + w.postID + "/hr-connection":                                         {"hr_connection_id": {w.connID}},
		"/connections/" + w.connID + "/mapping":                                        {"rows": {"0"}},
	} {
		res := bob.post(p, form)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without the permission: %d, want 403", p, res.StatusCode)
		}
		wantContains(t, bob.last, "Integrations Management")
	}
	wf, err := a.onb.Workflow(ctx, w.tenant.ID, w.workflow.ID)
	must(t, err)
	if wf.Stages[2].ConnectionID != w.connID || wf.Stages[1].ConnectionID != "" {
		t.Errorf("links changed without the permission: Offer %q, Hired %q", wf.Stages[1].ConnectionID, wf.Stages[2].ConnectionID)
	}
	location(t, bob.post("/applicants", url.Values{"applicant_id": {"B-1"}, "first_name": {"Alan"}, "surname": {"Turing"}, "email": {"alan@acme.test"}}), bob.last)
}

// mappingForm is the mapping form with the given rows (target, source,
// value, mandatory) and flags.
func mappingForm(rows [][4]string, flags ...string) url.Values {
	f := url.Values{"rows": {strconv.Itoa(len(rows))}}
	for i, r := range rows {
		n := strconv.Itoa(i)
		f.Set("target_"+n, r[0])
		f.Set("source_"+n, r[1])
		f.Set("value_"+n, r[2])
		f.Set("mandatory_"+n, r[3])
	}
	for _, fl := range flags {
		f.Set(fl, "yes")
	}
	return f
}

// TestFieldMappingPage: the mapping page starts from seed 000's defaults
// with Zoho's mandatory fields marked and says documents are never
// transferred; fields from applicant fields, custom fields and fixed values
// are added, mistakes refused with the reason, and the preview shows the
// exact record. A transfer failing for a missing mandatory value shows the
// reason on its page and succeeds on Retry once the applicant is fixed.
func TestFieldMappingPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	w := setUpATS(t, a)
	b := w.ada
	page := "/connections/" + w.connID + "/mapping"

	b.get("/connections/" + w.connID)
	wantContains(t, b.last, `href="`+page+`"`)
	res := b.get(page)
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, `id="no-documents"`, "Documents are never transferred",
		`id="required-EmployeeID"`, `id="required-FirstName"`, `id="required-LastName"`, `id="required-EmailID"`,
		`<option value="applicant_id" selected>Applicant ID</option>`, `<option value="surname" selected>Surname</option>`,
		`<option value="custom:shirt_size">Custom field: shirt_size</option>`, `id="is_direct_add"`, `id="is_non_user"`)
	b.get(page + "?applicant=A-1")
	wantContains(t, b.last, `id="preview-record"`, "<code>EmployeeID</code></td><td>A-1", "<code>EmailID</code></td><td>grace@acme.test", "<code>LastName</code></td><td>Hopper")

	defaults := [][4]string{{"EmployeeID", "applicant_id", "", "yes"}, {"FirstName", "first_name", "", "yes"}, {"LastName", "surname", "", "yes"}, {"EmailID", "email", "", "yes"}}
	// Refusals: a mandatory field left out, a file field, a bad name.
	for _, c := range []struct {
		rows [][4]string
		want string
	}{
		{defaults[:3], "Zoho People needs EmployeeID, FirstName, LastName and EmailID"},
		{append(defaults[:4:4], [4]string{"Photo", "first_name", "", ""}), "documents and pictures are never transferred"},
		{append(defaults[:4:4], [4]string{"Shirt size", "custom:shirt_size", "", ""}), "is not a Zoho People field link name"},
	} {
		res := b.post(page, mappingForm(c.rows))
		wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
		wantFieldError(t, b.last, "fields", c.want)
	}

	rows := append(defaults[:4:4],
		[4]string{"Department", "department", "", ""},
		[4]string{"Work_location", "", "Remote", ""},
		[4]string{"Tags", "custom:shirt_size", "", ""},
		[4]string{"Mobile", "phone", "", "yes"})
	location(t, b.post(page, mappingForm(rows, "is_non_user")), b.last)
	m, err := a.onb.FieldMapping(testContext(t), w.tenant.ID, w.connID)
	must(t, err)
	if len(m.Fields) != 8 || !m.IsNonUser || m.IsDirectAdd || m.Fields[5].Value != "Remote" || !m.Fields[7].Mandatory {
		t.Fatalf("saved mapping %+v", m)
	}
	// Grace has no phone: the preview says what the transfer would say.
	b.get(page + "?applicant=A-1")
	wantContains(t, b.last, `id="preview-error"`, "Phone is missing")

	location(t, b.post("/applications/"+w.app.ID+"/move", url.Values{"stage_id": {w.hired.ID}}), b.last)
	ts, err := a.onb.Transfers(testContext(t), hrconnect.TransferFilter{TenantID: w.tenant.ID})
	must(t, err)
	if len(ts) != 1 {
		t.Fatalf("%d transfers", len(ts))
	}
	tr := a.waitTransfer(w.tenant.ID, ts[0].ID)
	if tr.State != hrconnect.TransferFailed {
		t.Fatalf("transfer without the mandatory phone: %s", tr.State)
	}
	b.get("/transfers/" + tr.ID)
	wantContains(t, b.last, `id="last-error"`, "Phone is missing", `id="retry"`)
	if len(a.employees()) != 0 {
		t.Fatal("a record missing a mandatory field reached Zoho")
	}

	location(t, b.post("/applicants/A-1", url.Values{"first_name": {"Grace"}, "surname": {"Hopper"}, "email": {"grace@acme.test"},
		"department": {"Engineering"}, "phone": {"+44 20 7946 0000"}, "custom": {"shirt_size: M"}}), b.last)
	b.get(page + "?applicant=A-1")
	wantContains(t, b.last, "<code>Work_location</code></td><td>Remote", "<code>Tags</code></td><td>M", "<code>Mobile</code></td><td>&#43;44 20 7946 0000", "isNonUser true")
	location(t, b.post("/transfers/"+tr.ID+"/retry", nil), b.last)
	tr = a.waitTransfer(w.tenant.ID, tr.ID)
	if tr.State != hrconnect.TransferSucceeded {
		t.Fatalf("after the fix and Retry: %s (%s)", tr.State, tr.LastError)
	}
	emps := a.employees()
	if len(emps) != 1 {
		t.Fatalf("%d employees, want 1", len(emps))
	}
	for k, v := range map[string]string{"EmployeeID": "A-1", "Department": "Engineering", "Work_location": "Remote", "Tags": "M", "Mobile": "+44 20 7946 0000"} {
		if emps[0].Fields[k] != v {
			t.Errorf("employee %s = %q, want %q", k, emps[0].Fields[k], v)
		}
	}
	// Retrying a succeeded transfer is refused.
	res = b.post("/transfers/"+tr.ID+"/retry", nil)
	wantStatus(t, res, http.StatusConflict, b.last)
}

// TestATSOnPostgres: the same path on PostgreSQL, where River's jobs and
// the transfer share the database's transactions: set up through the pages,
// moved to Hired, and the employee created once with the record ID shown.
func TestATSOnPostgres(t *testing.T) {
	t.Parallel()
	a := newAppOn(t, testenv.Postgres(t))
	w := setUpATS(t, a)
	b := w.ada
	b.get("/applicants/A-1")
	// The move form offers the next stage first.
	wantContains(t, b.last, `<option value="`+w.workflow.Stages[1].ID+`" selected>Offer</option>`)
	location(t, b.post("/applications/"+w.app.ID+"/move", url.Values{"stage_id": {w.hired.ID}}), b.last)
	ts, err := a.onb.Transfers(testContext(t), hrconnect.TransferFilter{TenantID: w.tenant.ID})
	must(t, err)
	if len(ts) != 1 {
		t.Fatalf("%d transfers, want 1", len(ts))
	}
	tr := a.waitTransfer(w.tenant.ID, ts[0].ID)
	b.get("/transfers/" + tr.ID)
	wantContains(t, b.last, `id="transfer-state" class="state ok">Succeeded`, tr.ZohoRecordID)
	if emps := a.employees(); len(emps) != 1 || emps[0].ID != tr.ZohoRecordID || emps[0].Fields["EmailID"] != "grace@acme.test" {
		t.Fatalf("employees %+v, transfer record %s", emps, tr.ZohoRecordID)
	}
}
