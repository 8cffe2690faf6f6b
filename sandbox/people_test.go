package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const scopeFormsAll = "ZOHOPEOPLE.forms.ALL"

func TestPeopleInsertRecordSuccessBody(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)

	// Both prefixes, inputData in the query string and in the form body.
	for i, path := range []string{
		"/us/people/people/api/forms/json/employee/insertRecord",
		"/us/people/api/forms/json/employee/insertRecord",
	} {
		id := "E" + string(rune('1'+i))
		email := "e" + string(rune('1'+i)) + "@example.com"
		status, header, body := h.do("POST", path+"?inputData="+url.QueryEscape(employeeJSON(id, email)), tok, "", nil)
		if status != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", path, status, body)
		}
		if ct := header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		pk := decodePeople(t, body).pkID(t)
		if len(pk) != 18 {
			t.Errorf("pkId %q is not an 18-digit Zoho ID", pk)
		}
		want := `{"response":{"result":{"pkId":"` + pk + `","message":"Successfully Added"},"message":"Data added successfully","uri":"/api/forms/json/employee/insertRecord","status":0}}`
		if got := normJSON(t, body); got != normJSON(t, []byte(want)) {
			t.Errorf("body\n got %s\nwant %s", got, want)
		}
		if string(body) != want { // key order and spacing too, byte for byte
			t.Errorf("raw body\n got %s\nwant %s", body, want)
		}
	}

	// A form body, and the uri follows the form.
	status, body := h.postForm("/us/people/api/forms/json/department/insertRecord", tok, url.Values{"inputData": {`{"Department":"Research"}`}})
	r := decodePeople(t, body)
	if status != 200 || r.Response.Status != 0 || r.Response.URI != "/api/forms/json/department/insertRecord" {
		t.Errorf("department insert: HTTP %d %s", status, body)
	}
}

func TestPeopleInsertRecordErrors(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	h.mustInsertEmployee(tok, "E100", "taken@example.com")

	cases := []struct {
		name      string
		form      string
		params    url.Values
		code      string
		msgHas    string
		wantedURI string
	}{
		{"missing mandatory", "employee", url.Values{"inputData": {`{"EmployeeID":"E1","FirstName":"A","EmailID":"a@example.com"}`}}, "7052", "LastName", ""},
		{"blank mandatory", "employee", url.Values{"inputData": {`{"EmployeeID":"E1","FirstName":"A","LastName":"  ","EmailID":"a@example.com"}`}}, "7052", "LastName", ""},
		{"duplicate EmployeeID", "employee", url.Values{"inputData": {employeeJSON("E100", "other@example.com")}}, "7051", "EmployeeID", ""},
		{"duplicate EmailID, other case", "employee", url.Values{"inputData": {employeeJSON("E101", "TAKEN@Example.COM")}}, "7051", "EmailID", ""},
		{"invalid email", "employee", url.Values{"inputData": {employeeJSON("E102", "not-an-email")}}, "7053", "EmailID", ""},
		{"invalid email domain", "employee", url.Values{"inputData": {employeeJSON("E102", "a@localhost")}}, "7053", "EmailID", ""},
		{"unknown form", "employees", url.Values{"inputData": {employeeJSON("E103", "b@example.com")}}, "7011", "Form name", "/api/forms/json/employees/insertRecord"},
		{"unknown field", "employee", url.Values{"inputData": {`{"EmployeeID":"E1","FirstName":"A","LastName":"B","EmailID":"a@example.com","Salary":"1"}`}}, "7013", "Salary", ""},
		{"unparsable inputData", "employee", url.Values{"inputData": {`{"EmployeeID":"E1",`}}, "7016", "", ""},
		{"missing inputData", "employee", url.Values{}, "7016", "inputData", ""},
		{"not an object", "employee", url.Values{"inputData": {`["E1"]`}}, "7016", "", ""},
		{"isDirectAdd without password", "employee", url.Values{"inputData": {employeeJSON("E104", "c@example.com")}, "isDirectAdd": {"true"}}, "7019", "password", ""},
		{"array value", "employee", url.Values{"inputData": {`{"EmployeeID":["E1"],"FirstName":"A","LastName":"B","EmailID":"a@example.com"}`}}, "7050", "EmployeeID", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := h.postForm(peopleAPI+"/forms/json/"+c.form+"/insertRecord", tok, c.params)
			if status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200 (People data errors come in 200s)", status)
			}
			r := decodePeople(t, body)
			if got := r.errorCode(); got != c.code {
				t.Fatalf("code %s, want %s: %s", got, c.code, body)
			}
			if r.Response.Status != 1 || r.Response.Message != "Error occurred" || len(r.Response.Result) != 0 {
				t.Errorf("envelope: %s", body)
			}
			if !strings.Contains(r.Response.Errors.Message, c.msgHas) {
				t.Errorf("message %q does not name %q", r.Response.Errors.Message, c.msgHas)
			}
			uri := c.wantedURI
			if uri == "" {
				uri = "/api/forms/json/employee/insertRecord"
			}
			if r.Response.URI != uri {
				t.Errorf("uri %q, want %q", r.Response.URI, uri)
			}
			if !strings.HasPrefix(string(body), `{"response":{"message":"Error occurred","uri":`) {
				t.Errorf("key order: %s", body)
			}
		})
	}
	// None of the refused inserts left a record behind.
	status, body := h.get(peopleAPI+"/forms/employee/getRecords", tok, nil)
	var res []map[string]json.RawMessage
	if err := json.Unmarshal(decodePeople(t, body).Response.Result, &res); err != nil || status != 200 || len(res) != 1 {
		t.Errorf("after the errors: HTTP %d, %d records (%v): %s", status, len(res), err, body)
	}
}

func TestPeopleInsertRelaxedInputData(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	status, r := h.insertEmployee(tok, `{EmployeeID:'E7', FirstName:'Grace', LastName:"Hopper", EmailID:'grace@example.com', Mobile: 5551234, Dateofjoining:'15-Jun-2026'}`)
	if status != 200 || r.Response.Status != 0 {
		t.Fatalf("relaxed inputData refused: %d %+v", status, r.Response)
	}
	id := r.pkID(t)
	h.s.mu.Lock()
	rec := h.s.dcs["us"].defaultOrg.people.tables["employee"].byID[id]
	h.s.mu.Unlock()
	if rec.fields["LastName"] != "Hopper" || rec.fields["Mobile"] != "5551234" || rec.fields["Dateofjoining"] != "15-Jun-2026" {
		t.Errorf("stored fields %v", rec.fields)
	}
}

func TestPeopleInsertFlagsAndStatus(t *testing.T) {
	h := newAPIHarness(t)
	h.s.Advance(48 * time.Hour) // AddedTime follows the sandbox clock
	tok := h.token("us", scopeFormsAll)
	_, direct := h.insertEmployee(tok, employeeJSON("D1", "d1@example.com"), "isDirectAdd", "true", "password", "s3cret")
	_, invited := h.insertEmployee(tok, employeeJSON("I1", "i1@example.com"))
	_, nonUser := h.insertEmployee(tok, employeeJSON("N1", "n1@example.com"), "isNonUser", "true")

	h.s.mu.Lock()
	now := h.s.nowLocked()
	emp := h.s.dcs["us"].defaultOrg.people.tables["employee"]
	d, i, n := emp.byID[direct.pkID(t)], emp.byID[invited.pkID(t)], emp.byID[nonUser.pkID(t)]
	h.s.mu.Unlock()

	if d.fields["Employeestatus"] != "Active" || d.invited {
		t.Errorf("isDirectAdd: status %q invited %v, want Active, not invited", d.fields["Employeestatus"], d.invited)
	}
	if i.fields["Employeestatus"] != "Inactive" || !i.invited {
		t.Errorf("plain insert: status %q invited %v, want Inactive and invited", i.fields["Employeestatus"], i.invited)
	}
	if !n.nonUser || n.invited {
		t.Errorf("isNonUser: nonUser %v invited %v, want a non-user, not invited", n.nonUser, n.invited)
	}
	if d := now.Sub(d.added); d < 0 || d > time.Minute {
		t.Errorf("added %v is not the sandbox clock's %v", d, now)
	}
}

// getRecordsResult decodes a getRecords result into record ID → fields.
func getRecordsResult(t *testing.T, r peopleReply) (ids []string, fields map[string]map[string]any) {
	t.Helper()
	var res []map[string][]map[string]any
	if err := json.Unmarshal(r.Response.Result, &res); err != nil {
		t.Fatalf("result %s: %v", r.Response.Result, err)
	}
	fields = map[string]map[string]any{}
	for _, item := range res {
		if len(item) != 1 {
			t.Fatalf("result item %v has %d keys, want one record ID", item, len(item))
		}
		for id, list := range item {
			if len(list) != 1 {
				t.Fatalf("record %s has %d field maps, want 1", id, len(list))
			}
			ids = append(ids, id)
			fields[id] = list[0]
		}
	}
	return ids, fields
}

func TestPeopleGetRecordsSearch(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	ada := h.mustInsertEmployee(tok, "E1", "ada@example.com")
	h.mustInsertEmployee(tok, "E2", "alan@example.com")
	h.mustInsertEmployee(tok, "X3", "grace@example.org")
	const path = peopleAPI + "/forms/employee/getRecords"

	search := func(q url.Values) (int, peopleReply) {
		status, body := h.get(path, tok, q)
		return status, decodePeople(t, body)
	}
	expectIDs := func(name string, q url.Values, n int) []string {
		t.Helper()
		status, r := search(q)
		if status != 200 || r.Response.Status != 0 || r.Response.Message != "Data fetched successfully" || r.Response.URI != "/api/forms/employee/getRecords" {
			t.Fatalf("%s: HTTP %d %+v", name, status, r.Response)
		}
		ids, _ := getRecordsResult(t, r)
		if len(ids) != n {
			t.Fatalf("%s: %d records, want %d", name, len(ids), n)
		}
		return ids
	}

	ids := expectIDs("SearchColumn EMPLOYEEID", url.Values{"SearchColumn": {"EMPLOYEEID"}, "SearchValue": {"E1"}}, 1)
	if ids[0] != ada {
		t.Errorf("EMPLOYEEID E1 found %s, want %s", ids[0], ada)
	}
	_, r := search(url.Values{"searchColumn": {"EMPLOYEEMAILALIAS"}, "searchValue": {"ADA@example.com"}})
	if ids, fields := getRecordsResult(t, r); len(ids) != 1 || ids[0] != ada || fields[ada]["EmployeeID"] != "E1" || fields[ada]["Zoho_ID"] == nil {
		t.Errorf("EMPLOYEEMAILALIAS: %v %v", ids, fields)
	}
	expectIDs("searchParams Is", url.Values{"searchParams": {`{searchField:'EmailID',searchOperator:'Is',searchText:'alan@example.com'}`}}, 1)
	expectIDs("searchParams Starts_With", url.Values{"searchParams": {`{searchField:'EmployeeID',searchOperator:'Starts_With',searchText:'E'}`}}, 2)
	expectIDs("searchParams Contains (default operator)", url.Values{"searchParams": {`{searchField:'EmailID',searchText:'example.org'}`}}, 1)
	expectIDs("searchParams Is_Not", url.Values{"searchParams": {`{searchField:'EmployeeID',searchOperator:'Is_Not',searchText:'E1'}`}}, 2)
	expectIDs("searchParams AND of two", url.Values{"searchParams": {`{searchField:'EmployeeID',searchOperator:'Starts_With',searchText:'E'}|{searchField:'EmailID',searchOperator:'Contains',searchText:'alan'}`}}, 1)
	expectIDs("searchParams OR of two", url.Values{"searchCriteria": {"OR"}, "searchParams": {`{"searchField":"EmployeeID","searchOperator":"Is","searchText":"E1"}|{searchField:'EmployeeID',searchOperator:'Is',searchText:'X3'}`}}, 2)
	expectIDs("no search", nil, 3)

	// Paging: sIndex from 1.
	p2 := expectIDs("page 2", url.Values{"sIndex": {"2"}, "limit": {"1"}}, 1)
	p1 := expectIDs("page 1", url.Values{"sIndex": {"1"}, "limit": {"2"}}, 2)
	if p2[0] != p1[1] {
		t.Errorf("sIndex=2 gave %s, want the second record %s", p2[0], p1[1])
	}

	for name, c := range map[string]struct {
		q    url.Values
		code string
	}{
		"no match by column":   {url.Values{"SearchColumn": {"EMPLOYEEID"}, "SearchValue": {"nobody"}}, "7024"},
		"no match by params":   {url.Values{"searchParams": {`{searchField:'EmployeeID',searchOperator:'Is',searchText:'nobody'}`}}, "7024"},
		"sIndex past the end":  {url.Values{"sIndex": {"4"}}, "7024"},
		"limit over 200":       {url.Values{"limit": {"201"}}, "7021"},
		"unknown column":       {url.Values{"SearchColumn": {"SALARY"}, "SearchValue": {"1"}}, "7013"},
		"unknown operator":     {url.Values{"searchParams": {`{searchField:'EmployeeID',searchOperator:'Sounds_Like',searchText:'E'}`}}, "7043"},
		"unparsable params":    {url.Values{"searchParams": {`{searchField:'EmployeeID'`}}, "7042"},
		"missing SearchValue":  {url.Values{"SearchColumn": {"EMPLOYEEID"}}, "7042"},
		"bad sIndex":           {url.Values{"sIndex": {"0"}}, "7034"},
		"unknown search field": {url.Values{"searchParams": {`{searchField:'Salary',searchText:'1'}`}}, "7013"},
	} {
		status, r := search(c.q)
		if status != 200 || r.errorCode() != c.code || r.Response.Status != 1 {
			t.Errorf("%s: HTTP %d code %s, want 200 and %s", name, status, r.errorCode(), c.code)
		}
	}

	status, body := h.get(peopleAPI+"/forms/nosuchform/getRecords", tok, nil)
	if r := decodePeople(t, body); status != 200 || r.errorCode() != "7011" {
		t.Errorf("unknown form: HTTP %d %s", status, body)
	}
}

func TestPeopleGetRecordByID(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", "ZOHOPEOPLE.forms.READ", "ZOHOPEOPLE.forms.CREATE")
	_, r := h.insertEmployee(tok, `{"EmployeeID":"E9","FirstName":"Ada","LastName":"Lovelace","EmailID":"ada@example.com","Department":"Research","Mobile":"555"}`)
	id := r.pkID(t)

	status, body := h.get("/us/people/api/forms/employee/getRecordByID", tok, url.Values{"recordId": {id}})
	got := decodePeople(t, body)
	if status != 200 || got.Response.Status != 0 || got.Response.URI != "/api/forms/employee/getRecordByID" {
		t.Fatalf("HTTP %d %s", status, body)
	}
	var res []map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(got.Response.Result))
	dec.UseNumber() // Zoho_ID is an 18-digit number
	if err := dec.Decode(&res); err != nil || len(res) != 1 {
		t.Fatalf("result %s: %v", got.Response.Result, err)
	}
	rec := res[0]
	if rec["Basic information"]["EmployeeID"] != "E9" || rec["Basic information"]["EmailID"] != "ada@example.com" {
		t.Errorf("Basic information = %v", rec["Basic information"])
	}
	if rec["Work Information"]["Department"] != "Research" || rec["Work Information"]["Employeestatus"] != "Inactive" {
		t.Errorf("Work Information = %v", rec["Work Information"])
	}
	if rec["Contact Details"]["Mobile"] != "555" {
		t.Errorf("Contact Details = %v", rec["Contact Details"])
	}
	if _, ok := rec["tabularSections"]; !ok {
		t.Error("no tabularSections")
	}
	if zid, _ := json.Marshal(rec["System Fields"]["Zoho_ID"]); string(zid) != id {
		t.Errorf("Zoho_ID %s, want %s", zid, id)
	}

	status, body = h.get("/us/people/api/forms/employee/getRecordByID", tok, url.Values{"recordId": {"972601000999999999"}})
	if r := decodePeople(t, body); status != 200 || r.errorCode() != "7049" {
		t.Errorf("unknown recordId: HTTP %d %s", status, body)
	}
}

func TestPeopleUpdateRecord(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	ada := h.mustInsertEmployee(tok, "E1", "ada@example.com")
	h.mustInsertEmployee(tok, "E2", "alan@example.com")
	const path = peopleAPI + "/forms/json/employee/updateRecord"

	update := func(recordID, input string) (int, peopleReply) {
		status, body := h.postForm(path, tok, url.Values{"recordId": {recordID}, "inputData": {input}})
		return status, decodePeople(t, body)
	}

	h.s.Advance(30 * time.Minute)
	status, r := update(ada, `{"EmailID":"ada.lovelace@example.com","Designation":"Analyst"}`)
	if status != 200 || r.Response.Status != 0 || r.pkID(t) != ada || r.Response.URI != "/api/forms/json/employee/updateRecord" {
		t.Fatalf("update: HTTP %d %+v", status, r.Response)
	}
	h.s.mu.Lock()
	rec := h.s.dcs["us"].defaultOrg.people.tables["employee"].byID[ada]
	email, desig, first, modified, added := rec.fields["EmailID"], rec.fields["Designation"], rec.fields["FirstName"], rec.modified, rec.added
	h.s.mu.Unlock()
	if email != "ada.lovelace@example.com" || desig != "Analyst" || first != "Ada" {
		t.Errorf("after update: EmailID %q Designation %q FirstName %q", email, desig, first)
	}
	if modified.Sub(added) < 30*time.Minute {
		t.Errorf("ModifiedTime did not follow the sandbox clock: added %v modified %v", added, modified)
	}

	// The index follows: the new address finds Ada, the old one is free.
	_, body := h.get(peopleAPI+"/forms/employee/getRecords", tok, url.Values{"SearchColumn": {"EMPLOYEEMAILALIAS"}, "SearchValue": {"ada.lovelace@example.com"}})
	if ids, _ := getRecordsResult(t, decodePeople(t, body)); len(ids) != 1 || ids[0] != ada {
		t.Errorf("search by the new address: %v", ids)
	}
	h.mustInsertEmployee(tok, "E3", "ada@example.com")

	for name, c := range map[string]struct {
		id, input, code string
	}{
		"collides with another's email": {ada, `{"EmailID":"ALAN@example.com"}`, "7051"},
		"collides with another's ID":    {ada, `{"EmployeeID":"E2"}`, "7051"},
		"blanks a mandatory field":      {ada, `{"LastName":""}`, "7052"},
		"unknown field":                 {ada, `{"Salary":"1"}`, "7013"},
		"invalid email":                 {ada, `{"EmailID":"nope"}`, "7053"},
		"unknown record":                {"972601000999999999", `{"FirstName":"X"}`, "7049"},
		"missing recordId":              {"", `{"FirstName":"X"}`, "7019"},
	} {
		status, r := update(c.id, c.input)
		if status != 200 || r.errorCode() != c.code {
			t.Errorf("%s: HTTP %d code %s, want %s", name, status, r.errorCode(), c.code)
		}
	}
	// Keeping one's own values is no collision.
	if status, r := update(ada, `{"EmployeeID":"E1","EmailID":"Ada.Lovelace@example.com"}`); status != 200 || r.Response.Status != 0 {
		t.Errorf("re-sending own values: HTTP %d %+v", status, r.Response)
	}
}

func TestPeopleScopes(t *testing.T) {
	h := newAPIHarness(t)
	insert := func(tok, form, input string) (int, peopleReply) {
		status, body := h.postForm(peopleAPI+"/forms/json/"+form+"/insertRecord", tok, url.Values{"inputData": {input}})
		return status, decodePeople(t, body)
	}
	n := 0
	next := func() string {
		n++
		return employeeJSON("S"+string(rune('A'+n)), "s"+string(rune('a'+n))+"@example.com")
	}

	for _, c := range []struct {
		name   string
		scopes []string
		form   string
		ok     bool
	}{
		{"READ only", []string{"ZOHOPEOPLE.forms.READ"}, "employee", false},
		{"UPDATE only", []string{"ZOHOPEOPLE.forms.UPDATE"}, "employee", false},
		{"another service", []string{"ZohoRecruit.modules.all"}, "employee", false},
		{"CREATE", []string{"ZOHOPEOPLE.forms.CREATE"}, "employee", true},
		{"ALL, service in other case", []string{"ZohoPeople.forms.all"}, "employee", true},
		{"employee.ALL on employee", []string{"ZOHOPEOPLE.employee.ALL"}, "employee", true},
		{"employee.ALL on department", []string{"ZOHOPEOPLE.employee.ALL"}, "department", false},
	} {
		input := next()
		if c.form == "department" {
			input = `{"Department":"Dept ` + c.name + `"}`
		}
		status, r := insert(h.token("us", c.scopes...), c.form, input)
		switch {
		case c.ok && (status != 200 || r.Response.Status != 0):
			t.Errorf("%s: refused, HTTP %d %+v", c.name, status, r.Response)
		case !c.ok && (status != http.StatusUnauthorized || r.errorCode() != "7218" || r.Response.Errors.Message != "Invalid OAuth Scope" || r.Response.Status != 1):
			t.Errorf("%s: HTTP %d code %s, want 401 and 7218", c.name, status, r.errorCode())
		}
	}

	// A CREATE-only token may not read; a READ token may not update.
	status, body := h.get(peopleAPI+"/forms/employee/getRecords", h.token("us", "ZOHOPEOPLE.forms.CREATE"), nil)
	if r := decodePeople(t, body); status != 401 || r.errorCode() != "7218" {
		t.Errorf("getRecords with CREATE: HTTP %d %s", status, body)
	}
	status, body = h.postForm(peopleAPI+"/forms/json/employee/updateRecord", h.token("us", "ZOHOPEOPLE.forms.READ"), url.Values{"recordId": {"1"}, "inputData": {"{}"}})
	if r := decodePeople(t, body); status != 401 || r.errorCode() != "7218" {
		t.Errorf("updateRecord with READ: HTTP %d %s", status, body)
	}
}

func TestPeopleInvalidTokens(t *testing.T) {
	h := newAPIHarness(t)
	expired := h.token("us", scopeFormsAll)
	revoked := h.token("us", scopeFormsAll)
	otherDC := h.token("eu", scopeFormsAll)
	h.s.mu.Lock()
	h.s.access[revoked].revoked = true
	h.s.mu.Unlock()

	// Still valid one second before the hour is out.
	h.s.Advance(3599 * time.Second)
	if status, r := h.insertEmployee(expired, employeeJSON("T0", "t0@example.com")); status != 200 || r.Response.Status != 0 {
		t.Fatalf("token refused before expiry: HTTP %d %+v", status, r.Response)
	}
	h.s.Advance(2 * time.Second)

	want := `{"response":{"message":"Error occurred","uri":"/api/forms/json/employee/insertRecord","errors":{"code":"INVALID_OAUTHTOKEN","message":"Invalid OAuthtoken"},"status":1}}`
	for name, tok := range map[string]string{
		"no token":       "",
		"unknown token":  "1000.deadbeef.deadbeef",
		"expired token":  expired,
		"revoked token":  revoked,
		"other DC token": otherDC,
	} {
		status, _, body := h.do("POST", peopleAPI+"/forms/json/employee/insertRecord?inputData="+url.QueryEscape(employeeJSON("T1", "t1@example.com")), tok, "", nil)
		if status != http.StatusUnauthorized || string(body) != want {
			t.Errorf("%s: HTTP %d %s", name, status, body)
		}
	}
	status, body := h.get(peopleAPI+"/forms/employee/getRecords", expired, nil)
	if r := decodePeople(t, body); status != 401 || r.errorCode() != `"INVALID_OAUTHTOKEN"` {
		t.Errorf("getRecords with an expired token: HTTP %d %s", status, body)
	}
}

func TestPeopleUnknownDC(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	status, _, _ := h.do("POST", "/xx/people/api/forms/json/employee/insertRecord?inputData="+url.QueryEscape(employeeJSON("U1", "u1@example.com")), tok, "", nil)
	if status != http.StatusNotFound {
		t.Errorf("unknown DC: HTTP %d, want 404", status)
	}
}

func TestPeopleSeedEmployees(t *testing.T) {
	h := newAPIHarness(t)
	status, body := h.postJSON("/_sandbox/people/employees", "", map[string]any{
		"dc": "us",
		"records": []map[string]string{
			{"EmployeeID": "S1", "FirstName": "Ada", "LastName": "Lovelace", "EmailID": "ada@example.com"},
			{"EmployeeID": "S2", "FirstName": "Alan", "LastName": "Turing", "EmailID": "alan@example.com", "Department": "Research"},
		},
	})
	var ok struct{ IDs []string }
	if err := json.Unmarshal(body, &ok); status != 200 || err != nil || len(ok.IDs) != 2 {
		t.Fatalf("seed: HTTP %d %s", status, body)
	}
	tok := h.token("us", scopeFormsAll)
	_, body = h.get(peopleAPI+"/forms/employee/getRecordByID", tok, url.Values{"recordId": {ok.IDs[1]}})
	if r := decodePeople(t, body); r.Response.Status != 0 || !strings.Contains(string(r.Response.Result), `"Department":"Research"`) || !strings.Contains(string(r.Response.Result), `"Employeestatus":"Active"`) {
		t.Errorf("seeded record: %s", body)
	}
	// The seeded address is taken for the API too.
	if _, r := h.insertEmployee(tok, employeeJSON("S9", "ADA@example.com")); r.errorCode() != "7051" {
		t.Errorf("insert over a seeded address: %+v", r.Response)
	}

	// Bad batches are refused whole, with a message per problem.
	for name, req := range map[string]map[string]any{
		"unknown dc":        {"dc": "xx", "records": []map[string]string{{"EmployeeID": "B1", "FirstName": "A", "LastName": "B", "EmailID": "b1@example.com"}}},
		"unknown org":       {"dc": "us", "org": "nope", "records": []map[string]string{{"EmployeeID": "B1", "FirstName": "A", "LastName": "B", "EmailID": "b1@example.com"}}},
		"no records":        {"dc": "us", "records": []map[string]string{}},
		"misspelt key":      {"dc": "us", "record": []map[string]string{{"EmployeeID": "B1", "FirstName": "A", "LastName": "B", "EmailID": "b1@example.com"}}},
		"batch collision":   {"dc": "us", "records": []map[string]string{{"EmployeeID": "B1", "FirstName": "A", "LastName": "B", "EmailID": "b1@example.com"}, {"EmployeeID": "B1", "FirstName": "A", "LastName": "B", "EmailID": "b2@example.com"}}},
		"existing record":   {"dc": "us", "records": []map[string]string{{"EmployeeID": "B1", "FirstName": "A", "LastName": "B", "EmailID": "b1@example.com"}, {"EmployeeID": "S1", "FirstName": "A", "LastName": "B", "EmailID": "b3@example.com"}}},
		"missing mandatory": {"dc": "us", "records": []map[string]string{{"EmployeeID": "B1", "FirstName": "A", "EmailID": "b1@example.com"}}},
	} {
		status, body := h.postJSON("/_sandbox/people/employees", "", req)
		var e struct{ Errors []string }
		if err := json.Unmarshal(body, &e); status != 400 || err != nil || len(e.Errors) == 0 {
			t.Errorf("%s: HTTP %d %s", name, status, body)
		}
	}
	h.s.mu.Lock()
	n := len(h.s.dcs["us"].defaultOrg.people.tables["employee"].records)
	h.s.mu.Unlock()
	if n != 2 {
		t.Errorf("%d employees after the refused batches, want the 2 seeded", n)
	}
}

func TestPeopleSnapshot(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	id := h.mustInsertEmployee(tok, "E1", "ada@example.com")
	h.s.mu.Lock()
	snap := h.s.dcs["us"].defaultOrg.people.snapshot()
	h.s.mu.Unlock()
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string][]struct {
		ID      string
		Fields  map[string]string
		Invited bool
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	emps := got["employee"]
	if len(emps) != 1 || emps[0].ID != id || emps[0].Fields["EmailID"] != "ada@example.com" || !emps[0].Invited {
		t.Errorf("snapshot %s", b)
	}
	if _, ok := got["department"]; !ok {
		t.Errorf("snapshot lacks the department form: %s", b)
	}
}
