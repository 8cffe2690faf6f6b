package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

type transferOut struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	ZohoRecordID string `json:"zoho_record_id"`
	Attempts     int    `json:"attempts"`
	Record       []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"record"`
	LastError string `json:"last_error"`
}

type workflowOut struct {
	ID     string `json:"id"`
	Stages []struct {
		ID           string `json:"id"`
		Name         string `json:"name"`
		ConnectionID string `json:"connection_id"`
	} `json:"stages"`
}

// hireSetup connects Zoho People (sandbox), creates a workflow whose last
// stage is linked to it, a job post, the applicant and the application,
// all through the API.
func (e *env) hireSetup(key string) (conn connectionOut, wf workflowOut, postID, appID string) {
	e.t.Helper()
	conn, _ = e.connectZoho("eu", "Zoho People EU")
	e.want(e.call("POST", "/api/v1/workflows", e.adminKey, map[string]any{"name": "Engineering",
		"stages": []map[string]any{{"name": "Applied"}, {"name": "Offer"}, {"name": "Hired"}}}), http.StatusCreated).decode(e.t, &wf)
	hired := wf.Stages[2].ID
	e.want(e.call("PUT", "/api/v1/workflows/"+wf.ID+"/stages/"+hired+"/link", e.adminKey, map[string]any{"connection_id": conn.ID}), http.StatusOK).decode(e.t, &wf)
	if wf.Stages[2].ConnectionID != conn.ID {
		e.t.Fatalf("stage not linked: %+v", wf)
	}
	var post struct {
		ID string `json:"id"`
	}
	e.want(e.call("POST", "/api/v1/job-posts", key, map[string]any{"title": "Go engineer", "workflow_id": wf.ID, "hr_connection_id": conn.ID}), http.StatusCreated).decode(e.t, &post)
	e.want(e.call("PUT", "/api/v1/applicants/A-1001", key, map[string]any{"first_name": "Grace", "surname": "Hopper",
		"email": "grace.hopper@example.com", "department": "Research", "start_date": "2026-01-05"}), http.StatusCreated)
	var app struct {
		ID      string `json:"id"`
		StageID string `json:"stage_id"`
	}
	e.want(e.call("POST", "/api/v1/applications", key, map[string]any{"applicant_id": "A-1001", "job_post_id": post.ID}), http.StatusCreated).decode(e.t, &app)
	if app.StageID != wf.Stages[0].ID {
		e.t.Fatalf("application at stage %s, want the first", app.StageID)
	}
	return conn, wf, post.ID, app.ID
}

// TestHireThroughTheAPI is the acceptance: connect (sandbox), link, create
// an applicant, move to the linked stage → the employee appears in the
// sandbox's People with the mapped fields, and the transfer shows the Zoho
// record ID. The ATS's calls use a key without Integrations Management.
func TestHireThroughTheAPI(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		e.startWorkers()
		conn, wf, _, appID := e.hireSetup(e.readKey)
		// Map the department too, and preview the exact record.
		e.want(e.call("PUT", "/api/v1/connections/"+conn.ID+"/field-mapping", e.adminKey, map[string]any{"fields": []map[string]any{
			{"target": "EmployeeID", "source": "applicant_id", "mandatory": true}, {"target": "FirstName", "source": "first_name", "mandatory": true},
			{"target": "LastName", "source": "surname", "mandatory": true}, {"target": "EmailID", "source": "email", "mandatory": true},
			{"target": "Department", "source": "department"}, {"target": "Dateofjoining", "source": "start_date"}}}), http.StatusOK)
		var pv struct {
			Fields []struct{ Name, Value string } `json:"fields"`
			Note   string                         `json:"note"`
		}
		e.want(e.call("GET", "/api/v1/connections/"+conn.ID+"/field-mapping/preview?applicant_id=A-1001", e.readKey, nil), http.StatusOK).decode(t, &pv)
		if got := fmt.Sprint(pv.Fields); got != "[{EmployeeID A-1001} {FirstName Grace} {LastName Hopper} {EmailID grace.hopper@example.com} {Department Research} {Dateofjoining 05-Jan-2026}]" {
			t.Fatalf("preview: %s", got)
		}
		if !strings.Contains(pv.Note, "never transferred") {
			t.Errorf("preview note: %q", pv.Note)
		}

		var moved struct {
			Transfer *transferOut `json:"transfer"`
		}
		e.want(e.call("POST", "/api/v1/applications/"+appID+"/move", e.readKey, map[string]any{"stage_id": wf.Stages[2].ID}), http.StatusOK).decode(t, &moved)
		if moved.Transfer == nil || moved.Transfer.ID == "" {
			t.Fatal("the move into the linked stage returned no transfer")
		}
		var detail struct {
			Transfer transferOut `json:"transfer"`
			Log      []struct {
				Outcome string `json:"outcome"`
			} `json:"log"`
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			e.want(e.call("GET", "/api/v1/transfers/"+moved.Transfer.ID, e.readKey, nil), http.StatusOK).decode(t, &detail)
			if detail.Transfer.State == "succeeded" || detail.Transfer.State == "failed" || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if detail.Transfer.State != "succeeded" || detail.Transfer.ZohoRecordID == "" || len(detail.Log) == 0 || detail.Log[len(detail.Log)-1].Outcome != "succeeded" {
			t.Fatalf("transfer: %+v, log %+v", detail.Transfer, detail.Log)
		}

		// The employee is in the sandbox's People, with the mapped fields,
		// under the record ID the transfer shows.
		var st struct {
			DataCentres []struct {
				Location string `json:"location"`
				Orgs     []struct {
					People map[string][]struct {
						ID     string            `json:"id"`
						Fields map[string]string `json:"fields"`
					} `json:"people"`
				} `json:"orgs"`
			} `json:"data_centres"`
		}
		e.control("GET", "/_sandbox/state", nil, &st)
		found := 0
		for _, dc := range st.DataCentres {
			for _, o := range dc.Orgs {
				for _, emp := range o.People["employee"] {
					if emp.Fields["EmployeeID"] != "A-1001" {
						continue
					}
					found++
					f := emp.Fields
					if emp.ID != detail.Transfer.ZohoRecordID || dc.Location != "eu" || f["FirstName"] != "Grace" || f["LastName"] != "Hopper" ||
						f["EmailID"] != "grace.hopper@example.com" || f["Department"] != "Research" || f["Dateofjoining"] != "05-Jan-2026" {
						t.Errorf("employee in %s: id %s (transfer says %s), fields %v", dc.Location, emp.ID, detail.Transfer.ZohoRecordID, f)
					}
				}
			}
		}
		if found != 1 {
			t.Fatalf("%d employees A-1001 in the sandbox, want 1", found)
		}
		// Listed by state; moving again makes nothing new.
		var list struct {
			Transfers []transferOut `json:"transfers"`
		}
		e.want(e.call("GET", "/api/v1/transfers?state=succeeded", e.readKey, nil), http.StatusOK).decode(t, &list)
		if len(list.Transfers) != 1 || list.Transfers[0].ZohoRecordID != detail.Transfer.ZohoRecordID {
			t.Fatalf("succeeded transfers: %+v", list.Transfers)
		}
		e.want(e.call("POST", "/api/v1/applications/"+appID+"/move", e.readKey, map[string]any{"stage_id": wf.Stages[2].ID}), http.StatusOK).decode(t, &moved)
		if moved.Transfer == nil || moved.Transfer.ID != detail.Transfer.ID || moved.Transfer.State != "succeeded" {
			t.Fatalf("moving again: %+v", moved.Transfer)
		}
		// Retrying a transfer that has not failed is a conflict.
		e.problem(e.call("POST", "/api/v1/transfers/"+detail.Transfer.ID+"/retry", e.readKey, nil), http.StatusConflict, "")
	})
}

// TestATSTenantIsolation: another tenant's workflow, job post, applicant,
// application, transfer and field mapping are 404 on every operation.
func TestATSTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	conn, wf, postID, appID := e.hireSetup(e.adminKey)
	var moved struct {
		Transfer transferOut `json:"transfer"`
	}
	e.want(e.call("POST", "/api/v1/applications/"+appID+"/move", e.adminKey, map[string]any{"stage_id": wf.Stages[2].ID}), http.StatusOK).decode(t, &moved)
	stage := wf.Stages[2].ID
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/workflows/" + wf.ID, nil},
		{"PUT", "/api/v1/workflows/" + wf.ID + "/stages/" + stage + "/link", map[string]any{"connection_id": conn.ID}},
		{"DELETE", "/api/v1/workflows/" + wf.ID + "/stages/" + stage + "/link", nil},
		{"GET", "/api/v1/job-posts/" + postID, nil},
		{"PUT", "/api/v1/job-posts/" + postID + "/hr-connection", map[string]any{"hr_connection_id": conn.ID}},
		{"GET", "/api/v1/applicants/A-1001", nil},
		{"GET", "/api/v1/applications/" + appID, nil},
		{"POST", "/api/v1/applications/" + appID + "/move", map[string]any{"stage_id": stage}},
		{"GET", "/api/v1/transfers/" + moved.Transfer.ID, nil},
		{"POST", "/api/v1/transfers/" + moved.Transfer.ID + "/retry", nil},
		{"GET", "/api/v1/connections/" + conn.ID + "/field-mapping", nil},
		{"PUT", "/api/v1/connections/" + conn.ID + "/field-mapping", map[string]any{"fields": []map[string]any{}}},
		{"GET", "/api/v1/connections/" + conn.ID + "/field-mapping/preview?applicant_id=A-1001", nil},
		{"POST", "/api/v1/applications", map[string]any{"applicant_id": "A-1001", "job_post_id": postID}},
		{"POST", "/api/v1/job-posts", map[string]any{"title": "X", "workflow_id": wf.ID}},
	} {
		e.problem(e.call(c.method, c.path, e.otherKey, c.body), http.StatusNotFound, "")
	}
	// The lists show none of it.
	for path, field := range map[string]string{"/api/v1/workflows": "workflows", "/api/v1/job-posts": "job_posts",
		"/api/v1/applicants": "applicants", "/api/v1/applications": "applications", "/api/v1/transfers": "transfers"} {
		var out map[string][]any
		e.want(e.call("GET", path, e.otherKey, nil), http.StatusOK).decode(t, &out)
		if list, ok := out[field]; !ok || len(list) != 0 {
			t.Errorf("%s for the other tenant: %v", path, out)
		}
	}
	// The other tenant's applicant of the same ID is its own.
	e.want(e.call("PUT", "/api/v1/applicants/A-1001", e.otherKey, map[string]any{"first_name": "Other", "surname": "Person", "email": "o@globex.test"}), http.StatusCreated)
	var a struct {
		FirstName string `json:"first_name"`
	}
	e.want(e.call("GET", "/api/v1/applicants/A-1001", e.adminKey, nil), http.StatusOK).decode(t, &a)
	if a.FirstName != "Grace" {
		t.Fatalf("the other tenant's put changed ours: %s", a.FirstName)
	}
}

// TestATSValidationAndPermissions: each refusal is a problem naming the
// field and saying what to do; configuration needs Integrations Management.
func TestATSValidationAndPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	conn, wf, postID, appID := e.hireSetup(e.readKey)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		field, want  string
	}{
		{"POST", "/api/v1/workflows", map[string]any{"name": "Empty", "stages": []any{}}, 422, "stages", "at least one stage"},
		{"POST", "/api/v1/workflows", map[string]any{"name": "Dup", "stages": []map[string]any{{"name": "Hired"}, {"name": "hired"}}}, 422, "stages", "both named"},
		{"POST", "/api/v1/workflows", map[string]any{"name": "X", "stages": []map[string]any{{"name": "A", "conection_id": "x"}}}, 400, "conection_id", "not part of this request"},
		{"PUT", "/api/v1/workflows/" + wf.ID + "/stages/stg_nope/link", map[string]any{"connection_id": conn.ID}, 404, "", "not a stage"},
		{"PUT", "/api/v1/workflows/" + wf.ID + "/stages/" + wf.Stages[0].ID + "/link", map[string]any{"connection_id": "con_nope"}, 404, "connection_id", "not found"},
		{"PUT", "/api/v1/workflows/" + wf.ID + "/stages/" + wf.Stages[0].ID + "/link", map[string]any{}, 422, "connection_id", "DELETE"},
		{"PUT", "/api/v1/applicants/A-2", map[string]any{"first_name": "A", "surname": "B", "email": "a@b"}, 422, "email", "not a valid email address"},
		{"PUT", "/api/v1/applicants/A-2", map[string]any{"first_name": "A", "surname": "B", "email": "a@b.test", "start_date": "5 Jan"}, 422, "start_date", "YYYY-MM-DD"},
		{"PUT", "/api/v1/applicants/A-2", map[string]any{"surname": "B", "email": "a@b.test"}, 422, "first_name", "First Name"},
		{"PUT", "/api/v1/applicants/A%202", map[string]any{"first_name": "A", "surname": "B", "email": "a@b.test"}, 422, "applicant_id", "not a valid applicant ID"},
		{"POST", "/api/v1/applications", map[string]any{"applicant_id": "A-1001", "job_post_id": postID}, 409, "job_post_id", appID},
		{"POST", "/api/v1/applications", map[string]any{"applicant_id": "A-404", "job_post_id": postID}, 404, "applicant_id", "not found"},
		{"POST", "/api/v1/applications/" + appID + "/move", map[string]any{"stage_id": "stg_nope"}, 422, "stage_id", "not a stage"},
		{"GET", "/api/v1/transfers?state=done", nil, 422, "state", "not a transfer state"},
		{"GET", "/api/v1/applications?limit=0", nil, 422, "limit", "1 to 1000"},
		{"GET", "/api/v1/connections/" + conn.ID + "/field-mapping/preview", nil, 422, "applicant_id", "applicant_id"},
		{"PUT", "/api/v1/connections/" + conn.ID + "/field-mapping", map[string]any{"fields": []map[string]any{{"target": "EmployeeID", "source": "applicant_id"}}}, 422, "fields", "FirstName"},
		{"PUT", "/api/v1/connections/" + conn.ID + "/field-mapping", map[string]any{"fields": []map[string]any{{"target": "Photo", "source": "email"}}}, 422, "fields", "never transferred"},
	} {
		key := e.readKey
		if c.method != "GET" && (strings.Contains(c.path, "/workflows") || strings.Contains(c.path, "/field-mapping")) {
			key = e.adminKey
		}
		p := e.problem(e.call(c.method, c.path, key, c.body), c.status, c.field)
		if !strings.Contains(p.Detail+" "+p.Resolution, c.want) {
			t.Errorf("%s %s: %q, want it to say %q", c.method, c.path, p.Detail+" "+p.Resolution, c.want)
		}
	}

	// A job post on a workflow without the link: the refusal says why.
	var other workflowOut
	e.want(e.call("POST", "/api/v1/workflows", e.adminKey, map[string]any{"name": "Sales", "stages": []map[string]any{{"name": "Applied"}}}), http.StatusCreated).decode(t, &other)
	var post struct {
		ID string `json:"id"`
	}
	e.want(e.call("POST", "/api/v1/job-posts", e.readKey, map[string]any{"title": "Sales", "workflow_id": other.ID}), http.StatusCreated).decode(t, &post)
	p := e.problem(e.call("PUT", "/api/v1/job-posts/"+post.ID+"/hr-connection", e.readKey, map[string]any{"hr_connection_id": conn.ID}), 422, "hr_connection_id")
	if !strings.Contains(p.Detail, `is not linked to the workflow "Sales"`) || !strings.Contains(p.Resolution, "link") {
		t.Errorf("refusal: %+v", p)
	}
	p = e.problem(e.call("POST", "/api/v1/job-posts", e.readKey, map[string]any{"title": "Sales 2", "workflow_id": other.ID, "hr_connection_id": conn.ID}), 422, "hr_connection_id")
	if !strings.Contains(p.Detail, "is not linked") {
		t.Errorf("refusal on create: %+v", p)
	}

	// Configuration needs Integrations Management; nothing changes.
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/workflows", map[string]any{"name": "Ops", "stages": []map[string]any{{"name": "Applied"}}}},
		{"PUT", "/api/v1/workflows/" + wf.ID + "/stages/" + wf.Stages[0].ID + "/link", map[string]any{"connection_id": conn.ID}},
		{"DELETE", "/api/v1/workflows/" + wf.ID + "/stages/" + wf.Stages[2].ID + "/link", nil},
		{"PUT", "/api/v1/connections/" + conn.ID + "/field-mapping", map[string]any{"fields": []map[string]any{}}},
	} {
		e.problem(e.call(c.method, c.path, e.readKey, c.body), http.StatusForbidden, "")
	}
	var got workflowOut
	e.want(e.call("GET", "/api/v1/workflows/"+wf.ID, e.readKey, nil), http.StatusOK).decode(t, &got)
	if got.Stages[0].ConnectionID != "" || got.Stages[2].ConnectionID != conn.ID {
		t.Fatalf("a refused call changed the links: %+v", got)
	}
	var ws struct {
		Workflows []workflowOut `json:"workflows"`
	}
	e.want(e.call("GET", "/api/v1/workflows", e.readKey, nil), http.StatusOK).decode(t, &ws)
	if len(ws.Workflows) != 2 {
		t.Fatalf("%d workflows, want 2", len(ws.Workflows))
	}
	var fm struct {
		Default              bool   `json:"default"`
		DocumentsTransferred bool   `json:"documents_transferred"`
		Note                 string `json:"note"`
	}
	e.want(e.call("GET", "/api/v1/connections/"+conn.ID+"/field-mapping", e.readKey, nil), http.StatusOK).decode(t, &fm)
	if !fm.Default || fm.DocumentsTransferred || !strings.Contains(fm.Note, "never transferred") {
		t.Fatalf("field mapping after refusals: %+v", fm)
	}
}
