package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	recruitCandidates = "/us/recruit/recruit/v2/Candidates"
	scopeRecruitAll   = "ZohoRecruit.modules.all"
)

// recruitListReply is a list or search answer.
type recruitListReply struct {
	Data []map[string]any `json:"data"`
	Info struct {
		PerPage     int  `json:"per_page"`
		Count       int  `json:"count"`
		Page        int  `json:"page"`
		MoreRecords bool `json:"more_records"`
	} `json:"info"`
}

// recruitItem is one item of an insert answer, or an error body.
type recruitItem struct {
	Code    string         `json:"code"`
	Details map[string]any `json:"details"`
	Message string         `json:"message"`
	Status  string         `json:"status"`
}

// seedCandidates adds n candidates through the control endpoint.
func (h *apiHarness) seedCandidates(n int, prefix string) []string {
	h.t.Helper()
	records := make([]map[string]any, n)
	for i := range records {
		records[i] = map[string]any{"First_Name": "Cand", "Last_Name": fmt.Sprintf("%s%03d", prefix, i), "Email": fmt.Sprintf("%s%03d@example.com", strings.ToLower(prefix), i)}
	}
	status, body := h.postJSON("/_sandbox/recruit/candidates", "", map[string]any{"dc": "us", "records": records})
	var reply struct{ IDs []string }
	if err := json.Unmarshal(body, &reply); status != 200 || err != nil || len(reply.IDs) != n {
		h.t.Fatalf("seeding %d candidates: HTTP %d %s", n, status, body)
	}
	return reply.IDs
}

func (h *apiHarness) recruitList(tok, path string, q url.Values) (int, recruitListReply, []byte) {
	h.t.Helper()
	status, body := h.get(path, tok, q)
	var r recruitListReply
	if status == 200 {
		if err := json.Unmarshal(body, &r); err != nil {
			h.t.Fatalf("answer is not JSON: %v %s", err, body)
		}
	}
	return status, r, body
}

func TestRecruitListPaging(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", "ZohoRecruit.modules.candidate.READ")
	ids := h.seedCandidates(450, "L")

	seen := map[string]bool{}
	for page, want := range map[int]struct {
		count int
		more  bool
	}{1: {200, true}, 2: {200, true}, 3: {50, false}} {
		status, r, body := h.recruitList(tok, recruitCandidates, url.Values{"page": {fmt.Sprint(page)}, "per_page": {"200"}})
		if status != 200 {
			t.Fatalf("page %d: HTTP %d %s", page, status, body)
		}
		if len(r.Data) != want.count || r.Info.Count != want.count || r.Info.Page != page || r.Info.PerPage != 200 || r.Info.MoreRecords != want.more {
			t.Errorf("page %d: %d records, info %+v; want %d, more_records %v", page, len(r.Data), r.Info, want.count, want.more)
		}
		// Pages are in insertion order and do not overlap.
		first := (page - 1) * 200
		if len(r.Data) > 0 && r.Data[0]["id"] != ids[first] {
			t.Errorf("page %d starts with %v, want %s", page, r.Data[0]["id"], ids[first])
		}
		for _, c := range r.Data {
			id := c["id"].(string)
			if seen[id] {
				t.Errorf("%s on two pages", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 450 {
		t.Errorf("%d distinct candidates over 3 pages, want 450", len(seen))
	}
	if status, _, body := h.recruitList(tok, recruitCandidates, url.Values{"page": {"4"}}); status != http.StatusNoContent || len(body) != 0 {
		t.Errorf("page 4: HTTP %d %q, want 204 with no body", status, body)
	}
	// per_page defaults to 200.
	if _, r, _ := h.recruitList(tok, recruitCandidates, nil); len(r.Data) != 200 || r.Info.PerPage != 200 || !r.Info.MoreRecords {
		t.Errorf("default page: %d records, info %+v", len(r.Data), r.Info)
	}
	if _, r, _ := h.recruitList(tok, recruitCandidates, url.Values{"per_page": {"7"}, "page": {"3"}}); len(r.Data) != 7 || r.Data[0]["id"] != ids[14] {
		t.Errorf("per_page 7, page 3: %d records starting %v", len(r.Data), r.Data[0]["id"])
	}
	for _, q := range []url.Values{{"per_page": {"201"}}, {"per_page": {"0"}}, {"page": {"0"}}, {"page": {"x"}}} {
		status, body := h.get(recruitCandidates, tok, q)
		var e recruitItem
		if json.Unmarshal(body, &e); status != 400 || e.Code != "INVALID_DATA" || e.Status != "error" {
			t.Errorf("%v: HTTP %d %s", q, status, body)
		}
	}
}

func TestRecruitEmptyAnswersNoContent(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeRecruitAll)
	for _, path := range []string{recruitCandidates, recruitCandidates + "/search?email=nobody@example.com", recruitCandidates + "/972601000999999999"} {
		status, header, body := h.do("GET", path, tok, "", nil)
		if status != http.StatusNoContent || len(body) != 0 {
			t.Errorf("%s: HTTP %d %q (Content-Type %q), want 204 with no body", path, status, body, header.Get("Content-Type"))
		}
	}
}

func TestRecruitGet(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeRecruitAll)
	ids := h.seedCandidates(3, "G")
	status, body := h.get(recruitCandidates+"/"+ids[1], tok, nil)
	var r struct{ Data []map[string]any }
	if err := json.Unmarshal(body, &r); status != 200 || err != nil || len(r.Data) != 1 {
		t.Fatalf("HTTP %d %s", status, body)
	}
	c := r.Data[0]
	for k, want := range map[string]any{"id": ids[1], "Last_Name": "G001", "Email": "g001@example.com", "Full_Name": "Cand G001", "Candidate_Status": "New", "Candidate_ID": "ZR_2_CAND"} {
		if c[k] != want {
			t.Errorf("%s = %v, want %v", k, c[k], want)
		}
	}
	if v, ok := c["Current_Job_Title"]; !ok || v != nil {
		t.Errorf("unset standard field Current_Job_Title = %v (present %v), want null", v, ok)
	}
	if _, err := time.Parse(time.RFC3339, c["Created_Time"].(string)); err != nil {
		t.Errorf("Created_Time: %v", err)
	}
}

func TestRecruitSearch(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", "ZOHORECRUIT.modules.READ")
	status, body := h.postJSON("/_sandbox/recruit/candidates", "", map[string]any{"dc": "us", "records": []map[string]any{
		{"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Candidate_Status": "Hired", "Phone": "555-0101"},
		{"First_Name": "Alan", "Last_Name": "Turing", "Email": "alan@example.com", "Current_Job_Title": "Cryptanalyst"},
		{"First_Name": "Grace", "Last_Name": "Hopper", "Email": "grace@example.org", "Candidate_Status": "Hired"},
		{"First_Name": "Edsger", "Last_Name": "Dijkstra (EWD)", "Email": "ewd@example.org"},
	}})
	var seeded struct{ IDs []string }
	if json.Unmarshal(body, &seeded); status != 200 || len(seeded.IDs) != 4 {
		t.Fatalf("seeding: %d %s", status, body)
	}
	ada, alan, grace, ewd := seeded.IDs[0], seeded.IDs[1], seeded.IDs[2], seeded.IDs[3]

	for name, c := range map[string]struct {
		q    url.Values
		want []string
	}{
		"email":                     {url.Values{"email": {"ADA@example.com"}}, []string{ada}},
		"criteria equals email":     {url.Values{"criteria": {"(Email:equals:alan@example.com)"}}, []string{alan}},
		"criteria starts_with":      {url.Values{"criteria": {"(Last_Name:starts_with:tur)"}}, []string{alan}},
		"criteria and":              {url.Values{"criteria": {"((Candidate_Status:equals:Hired)and(Email:starts_with:grace))"}}, []string{grace}},
		"criteria or, no outer":     {url.Values{"criteria": {"(Last_Name:equals:Lovelace)or(Last_Name:equals:Hopper)"}}, []string{ada, grace}},
		"criteria nested":           {url.Values{"criteria": {"((Candidate_Status:equals:Hired)and((First_Name:equals:Ada)or(First_Name:equals:Grace)))"}}, []string{ada, grace}},
		"criteria several values":   {url.Values{"criteria": {"(First_Name:equals:Alan,Grace)"}}, []string{alan, grace}},
		"criteria default status":   {url.Values{"criteria": {"(Candidate_Status:equals:New)"}}, []string{alan, ewd}},
		"criteria escaped value":    {url.Values{"criteria": {`(Last_Name:equals:Dijkstra \(EWD\))`}}, []string{ewd}},
		"criteria not_equal":        {url.Values{"criteria": {"(Candidate_Status:not_equal:Hired)"}}, []string{alan, ewd}},
		"criteria on id":            {url.Values{"criteria": {"(id:equals:" + grace + ")"}}, []string{grace}},
		"phone":                     {url.Values{"phone": {"555-0101"}}, []string{ada}},
		"word":                      {url.Values{"word": {"cryptanal"}}, []string{alan}},
		"paging: second of the two": {url.Values{"criteria": {"(Candidate_Status:equals:Hired)"}, "per_page": {"1"}, "page": {"2"}}, []string{grace}},
	} {
		status, r, body := h.recruitList(tok, recruitCandidates+"/search", c.q)
		if status != 200 {
			t.Errorf("%s: HTTP %d %s", name, status, body)
			continue
		}
		var got []string
		for _, d := range r.Data {
			got = append(got, d["id"].(string))
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || r.Info.Count != len(c.want) {
			t.Errorf("%s: %v (info %+v), want %v", name, got, r.Info, c.want)
		}
	}

	if status, _, body := h.recruitList(tok, recruitCandidates+"/search", url.Values{"criteria": {"(Email:equals:nobody@example.com)"}}); status != 204 || len(body) != 0 {
		t.Errorf("no match: HTTP %d %q", status, body)
	}
	for name, c := range map[string]struct {
		q    url.Values
		code string
	}{
		"unknown field":    {url.Values{"criteria": {"(Salary:equals:1)"}}, "INVALID_QUERY"},
		"unknown operator": {url.Values{"criteria": {"(Email:sounds_like:x)"}}, "INVALID_QUERY"},
		"unbalanced":       {url.Values{"criteria": {"(Email:equals:x"}}, "INVALID_QUERY"},
		"no parentheses":   {url.Values{"criteria": {"Email:equals:x"}}, "INVALID_QUERY"},
		"mixed and/or":     {url.Values{"criteria": {"((A_1:equals:x)and(Email:equals:y)or(Email:equals:z))"}}, "INVALID_QUERY"},
		"nothing to find":  {url.Values{"page": {"1"}}, "REQUIRED_PARAM_MISSING"},
	} {
		status, body := h.get(recruitCandidates+"/search", tok, c.q)
		var e recruitItem
		if json.Unmarshal(body, &e); status != 400 || e.Code != c.code || e.Status != "error" {
			t.Errorf("%s: HTTP %d %s, want 400 %s", name, status, body, c.code)
		}
	}
}

func TestRecruitInsert(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", "ZohoRecruit.modules.candidate.CREATE", "ZohoRecruit.modules.candidate.READ")
	insert := func(records ...any) (int, []recruitItem, []byte) {
		t.Helper()
		status, body := h.postJSON(recruitCandidates, tok, map[string]any{"data": records, "trigger": []string{}})
		var r struct{ Data []recruitItem }
		json.Unmarshal(body, &r)
		return status, r.Data, body
	}

	h.s.Advance(72 * time.Hour)
	tok = h.token("us", "ZohoRecruit.modules.candidate.CREATE", "ZohoRecruit.modules.candidate.READ")
	status, items, body := insert(map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Experience_in_Years": 3, "Custom_Field_1": "x"})
	if status != http.StatusCreated || len(items) != 1 {
		t.Fatalf("one record: HTTP %d %s", status, body)
	}
	it := items[0]
	if it.Code != "SUCCESS" || it.Message != "record added" || it.Status != "success" || it.Details["id"] == nil || it.Details["Created_Time"] == nil || it.Details["Created_By"] == nil {
		t.Errorf("success item %s", body)
	}
	created, err := time.Parse(time.RFC3339, it.Details["Created_Time"].(string))
	if now := h.s.Now(); err != nil || now.Sub(created) > time.Minute || now.Sub(created) < 0 {
		t.Errorf("Created_Time %v (%v) is not the sandbox clock's %v", created, err, now)
	}
	id := it.Details["id"].(string)
	_, body = h.get(recruitCandidates+"/"+id, tok, nil)
	if !strings.Contains(string(body), `"Candidate_Status":"New"`) || !strings.Contains(string(body), `"Experience_in_Years":3`) || !strings.Contains(string(body), `"Custom_Field_1":"x"`) {
		t.Errorf("stored candidate: %s", body)
	}

	// Mixed results: each record on its own, 207.
	status, items, body = insert(
		map[string]any{"First_Name": "No", "Email": "nolast@example.com"},
		map[string]any{"Last_Name": "Bad", "Email": "not-an-email"},
		map[string]any{"Last_Name": "Dup", "Email": "ADA@example.com"},
		map[string]any{"Last_Name": "Fine", "Email": "fine@example.com"},
		map[string]any{"Last_Name": "Twin", "Email": "fine@example.com"},
		map[string]any{"Last_Name": "Typed", "Email_Opt_Out": "yes"},
		"not an object",
	)
	wantCodes := []string{"MANDATORY_NOT_FOUND", "INVALID_DATA", "DUPLICATE_DATA", "SUCCESS", "DUPLICATE_DATA", "INVALID_DATA", "INVALID_DATA"}
	if status != http.StatusMultiStatus || len(items) != len(wantCodes) {
		t.Fatalf("mixed: HTTP %d %s", status, body)
	}
	for i, want := range wantCodes {
		if items[i].Code != want {
			t.Errorf("item %d: %s, want %s", i, items[i].Code, want)
		}
	}
	if items[0].Details["api_name"] != "Last_Name" || items[1].Details["api_name"] != "Email" || items[2].Details["api_name"] != "Email" || items[2].Details["id"] != id || items[0].Status != "error" {
		t.Errorf("error details: %s", body)
	}

	// All failed: 400.
	if status, items, body := insert(map[string]any{"First_Name": "x"}); status != 400 || len(items) != 1 || items[0].Code != "MANDATORY_NOT_FOUND" {
		t.Errorf("all failed: HTTP %d %s", status, body)
	}

	// 100 records in one call are fine; 101 are refused whole.
	batch := func(n int, prefix string) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"Last_Name": fmt.Sprint(prefix, i), "Email": fmt.Sprintf("%s%d@example.com", prefix, i)}
		}
		return out
	}
	if status, items, body := insert(batch(100, "h")...); status != 201 || len(items) != 100 {
		t.Errorf("100 records: HTTP %d, %d items: %.300s", status, len(items), body)
	}
	status, body = h.postJSON(recruitCandidates, tok, map[string]any{"data": batch(101, "k")})
	var e recruitItem
	if json.Unmarshal(body, &e); status != 400 || e.Code != "LIMIT_EXCEEDED" || !strings.Contains(e.Message, "100") {
		t.Errorf("101 records: HTTP %d %s", status, body)
	}
	h.s.mu.Lock()
	n := len(h.s.dcs["us"].defaultOrg.recruit.candidates)
	h.s.mu.Unlock()
	if n != 1+1+100 {
		t.Errorf("%d candidates stored, want 102", n)
	}

	for name, raw := range map[string]string{"empty data": `{"data":[]}`, "not JSON": `{"data":`, "no data": `{}`} {
		status, _, body := h.do("POST", recruitCandidates, tok, "application/json", strings.NewReader(raw))
		if json.Unmarshal(body, &e); status != 400 || e.Status != "error" {
			t.Errorf("%s: HTTP %d %s", name, status, body)
		}
	}
}

func TestRecruitAuth(t *testing.T) {
	h := newAPIHarness(t)
	h.seedCandidates(1, "A")
	expired := h.token("us", scopeRecruitAll)
	h.s.Advance(time.Hour + time.Second)

	wantInvalid := `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`
	for name, tok := range map[string]string{"no token": "", "unknown": "1000.x.y", "expired": expired, "other DC": h.token("eu", scopeRecruitAll)} {
		for _, req := range []struct{ method, path string }{{"GET", recruitCandidates}, {"GET", recruitCandidates + "/search?email=a@example.com"}, {"GET", recruitCandidates + "/1"}, {"POST", recruitCandidates}} {
			status, _, body := h.do(req.method, req.path, tok, "application/json", strings.NewReader(`{"data":[{"Last_Name":"X"}]}`))
			if status != http.StatusUnauthorized || string(body) != wantInvalid {
				t.Errorf("%s, %s %s: HTTP %d %s", name, req.method, req.path, status, body)
			}
		}
	}

	for _, c := range []struct {
		scope        string
		read, create bool
	}{
		{"ZohoRecruit.modules.all", true, true},
		{"ZohoRECRUIT.modules.ALL", true, true},
		{"ZohoRecruit.modules.READ", true, false},
		{"ZohoRecruit.modules.CREATE", false, true},
		{"ZohoRecruit.modules.candidate", true, true},
		{"ZohoRecruit.modules.candidate.ALL", true, true},
		{"ZohoRecruit.modules.candidate.READ", true, false},
		{"ZohoRecruit.modules.candidate.WRITE", false, true},
		{"ZohoRecruit.modules.jobopening.ALL", false, false},
		{"ZohoRecruit.users.all", false, false},
		{"ZOHOPEOPLE.forms.ALL", false, false},
	} {
		tok := h.token("us", c.scope)
		status, body := h.get(recruitCandidates, tok, nil)
		if ok := status == 200; ok != c.read {
			t.Errorf("%s, list: HTTP %d %s", c.scope, status, body)
		}
		if !c.read {
			var e recruitItem
			if json.Unmarshal(body, &e); status != 401 || e.Code != "OAUTH_SCOPE_MISMATCH" {
				t.Errorf("%s, list: HTTP %d %s, want 401 OAUTH_SCOPE_MISMATCH", c.scope, status, body)
			}
		}
		status, body = h.postJSON(recruitCandidates, tok, map[string]any{"data": []any{map[string]any{"Last_Name": "S " + c.scope}}})
		if ok := status == 201; ok != c.create {
			t.Errorf("%s, insert: HTTP %d %s", c.scope, status, body)
		}
	}
}

func TestRecruitSeedCandidatesRefusesBadBatches(t *testing.T) {
	h := newAPIHarness(t)
	h.seedCandidates(1, "S")
	for name, req := range map[string]map[string]any{
		"unknown dc":      {"dc": "zz", "records": []any{map[string]any{"Last_Name": "A"}}},
		"no Last_Name":    {"dc": "us", "records": []any{map[string]any{"Last_Name": "A"}, map[string]any{"First_Name": "B"}}},
		"batch duplicate": {"dc": "us", "records": []any{map[string]any{"Last_Name": "A", "Email": "x@example.com"}, map[string]any{"Last_Name": "B", "Email": "X@example.com"}}},
		"taken email":     {"dc": "us", "records": []any{map[string]any{"Last_Name": "A", "Email": "s000@example.com"}}},
		"not an object":   {"dc": "us", "records": []any{"A"}},
	} {
		status, body := h.postJSON("/_sandbox/recruit/candidates", "", req)
		var e struct{ Errors []string }
		if json.Unmarshal(body, &e); status != 400 || len(e.Errors) == 0 {
			t.Errorf("%s: HTTP %d %s", name, status, body)
		}
	}
	h.s.mu.Lock()
	snap, _ := json.Marshal(h.s.dcs["us"].defaultOrg.recruit.snapshot())
	h.s.mu.Unlock()
	var list []map[string]any
	if err := json.Unmarshal(snap, &list); err != nil || len(list) != 1 || list[0]["Email"] != "s000@example.com" || list[0]["id"] == nil {
		t.Errorf("after refused batches, snapshot %s", snap)
	}
}

func TestParseRecruitCriteria(t *testing.T) {
	known := func(string) bool { return true }
	for _, ok := range []string{"(A:equals:x)", " ( (A:equals:x) and (B:equals:y) ) ", "((A:equals:x)and(B:equals:y))", "(A:equals:x)OR(B:equals:y)or(C:equals:z)", `(A:equals:a\,b)`, "(A:equals:)"} {
		if _, err := parseRecruitCriteria(ok, known); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "A:equals:x", "(A:equals:x", "(A:equals)", "(A)", "((A:equals:x)", "(A:equals:x)and", "(A:equals:x)xor(B:equals:y)", "(A:equals:x)and(B:equals:y)or(C:equals:z)", `(A:equals:x\`, "(A B:equals:x)", "( A :equals:x)"} {
		if _, err := parseRecruitCriteria(bad, known); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c, err := parseRecruitCriteria(`(Last_Name:equals:a\,b,c)`, known)
	if err != nil || fmt.Sprint(c.(recruitCondition).values) != "[a,b c]" {
		t.Errorf("escaped comma: %#v %v", c, err)
	}
}
