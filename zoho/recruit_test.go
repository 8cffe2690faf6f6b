package zoho_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"hrconnect/zoho"
)

const recruitScope = "ZohoRecruit.modules.candidate.ALL"

// seedCandidates adds n candidates to the default organisation of dc through
// the sandbox's control surface and returns their IDs.
func (e *env) seedCandidates(dc string, n int) []string {
	e.t.Helper()
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{"First_Name": "Cand", "Last_Name": fmt.Sprintf("Idate %03d", i), "Email": fmt.Sprintf("cand.%03d@example.com", i)}
	}
	var out struct {
		IDs []string `json:"ids"`
	}
	e.control("POST", "/_sandbox/recruit/candidates", map[string]any{"dc": dc, "records": recs}, &out)
	if len(out.IDs) != n {
		e.t.Fatalf("seeded %d candidates, want %d", len(out.IDs), n)
	}
	return out.IDs
}

// Paging over more than one page: every candidate exactly once, pages of
// 200, more_records honoured, and a page past the end is empty (HTTP 204).
func TestRecruitPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", recruitScope)
	at := tok.AccessToken

	// An organisation without candidates answers 204: an empty page.
	p, err := e.c.ListCandidates(e.ctx(), dc, at, zoho.ListOptions{})
	if err != nil || len(p.Records) != 0 || p.Info.MoreRecords {
		t.Fatalf("empty organisation: %+v, %v", p, err)
	}

	ids := e.seedCandidates("eu", 450)
	before := e.calls("recruit.list")
	seen := map[string]bool{}
	for rec, err := range e.c.Candidates(e.ctx(), dc, at, zoho.ListOptions{}) {
		if err != nil {
			t.Fatalf("Candidates: %v", err)
		}
		if seen[rec.ID()] {
			t.Fatalf("candidate %s twice", rec.ID())
		}
		seen[rec.ID()] = true
	}
	if len(seen) != len(ids) {
		t.Errorf("iterated over %d candidates, want %d", len(seen), len(ids))
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("candidate %s missing", id)
		}
	}
	if n := e.calls("recruit.list") - before; n != 3 {
		t.Errorf("%d list calls for 450 candidates, want 3 pages of 200", n)
	}

	p, err = e.c.ListCandidates(e.ctx(), dc, at, zoho.ListOptions{Page: 3})
	if err != nil || len(p.Records) != 50 || p.Info.MoreRecords || p.Info.Page != 3 || p.Info.PerPage != 200 || p.Info.Count != 50 {
		t.Errorf("page 3: %d records, info %+v, %v", len(p.Records), p.Info, err)
	}
	p, err = e.c.ListCandidates(e.ctx(), dc, at, zoho.ListOptions{Page: 2, PerPage: 100})
	if err != nil || len(p.Records) != 100 || !p.Info.MoreRecords || p.Records[0].ID() != ids[100] {
		t.Errorf("page 2 of 100: %d records, info %+v, %v", len(p.Records), p.Info, err)
	}
	p, err = e.c.ListCandidates(e.ctx(), dc, at, zoho.ListOptions{Page: 4})
	if err != nil || len(p.Records) != 0 {
		t.Errorf("page 4: %d records, %v; want an empty page", len(p.Records), err)
	}

	// Stopping early stops fetching.
	before = e.calls("recruit.list")
	n := 0
	for _, err := range e.c.Candidates(e.ctx(), dc, at, zoho.ListOptions{PerPage: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	if got := e.calls("recruit.list") - before; got != 2 {
		t.Errorf("%d list calls for 15 candidates in pages of 10, want 2", got)
	}

	before = e.calls("recruit.list")
	_, err = e.c.ListCandidates(e.ctx(), dc, at, zoho.ListOptions{PerPage: 201})
	zerr(t, err, zoho.ClassConfig)
	if e.calls("recruit.list") != before {
		t.Error("per_page 201 was sent")
	}
}

// Get by ID, search by email and by criteria, and a search with no match.
func TestRecruitGetAndSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", recruitScope)
	at := tok.AccessToken
	ids := e.seedCandidates("eu", 5)

	rec, err := e.c.GetCandidate(e.ctx(), dc, at, ids[2])
	if err != nil || rec.ID() != ids[2] || rec.Get("Email") != "cand.002@example.com" || rec.Get("Last_Name") != "Idate 002" {
		t.Errorf("GetCandidate: %v, %v", rec, err)
	}
	_, err = e.c.GetCandidate(e.ctx(), dc, at, "972601999999999999")
	zerr(t, err, zoho.ClassData)
	if !errors.Is(err, zoho.ErrNotFound) {
		t.Errorf("unknown candidate: %v does not match ErrNotFound", err)
	}

	p, err := e.c.SearchCandidates(e.ctx(), dc, at, zoho.CandidateSearch{Email: "CAND.003@example.com"})
	if err != nil || len(p.Records) != 1 || p.Records[0].ID() != ids[3] {
		t.Errorf("search by email: %+v, %v", p, err)
	}
	p, err = e.c.SearchCandidates(e.ctx(), dc, at, zoho.CandidateSearch{Criteria: zoho.Criteria("Last_Name", "equals", "Idate 004")})
	if err != nil || len(p.Records) != 1 || p.Records[0].ID() != ids[4] {
		t.Errorf("search by criteria: %+v, %v", p, err)
	}
	p, err = e.c.SearchCandidates(e.ctx(), dc, at, zoho.CandidateSearch{Email: "nobody@example.com"})
	if err != nil || len(p.Records) != 0 {
		t.Errorf("search without a match: %+v, %v; want an empty page (204)", p, err)
	}
	_, err = e.c.SearchCandidates(e.ctx(), dc, at, zoho.CandidateSearch{Criteria: "(Email:frobnicates:x"})
	ze := zerr(t, err, zoho.ClassConfig)
	if ze.HTTPStatus != http.StatusBadRequest {
		t.Errorf("bad criteria: HTTP %d, %v", ze.HTTPStatus, err)
	}
}

// Insert: per-record verdicts in order, classified; more than 100 records
// refused before sending.
func TestRecruitInsert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", recruitScope)
	at := tok.AccessToken
	e.seedCandidates("eu", 1) // cand.000@example.com

	res, err := e.c.InsertCandidates(e.ctx(), dc, at, []zoho.RecruitRecord{
		{"First_Name": "New", "Last_Name": "Person", "Email": "new.person@example.com"},
		{"First_Name": "Dup", "Last_Name": "Licate", "Email": "cand.000@example.com"},
		{"First_Name": "No", "Email": "no.last.name@example.com"},
	}, []string{})
	if err != nil {
		t.Fatalf("InsertCandidates: %v", err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results for 3 records", len(res))
	}
	if res[0].Err != nil || res[0].ID == "" || res[0].Code != "SUCCESS" {
		t.Errorf("record 0: %+v", res[0])
	}
	for i, want := range []struct{ code, field string }{{}, {"DUPLICATE_DATA", "Email"}, {"MANDATORY_NOT_FOUND", "Last_Name"}} {
		if i == 0 {
			continue
		}
		if res[i].Err == nil {
			t.Errorf("record %d: no error", i)
			continue
		}
		ze := zerr(t, res[i].Err, zoho.ClassData)
		if ze.Code != want.code || ze.Field != want.field || res[i].ID != "" {
			t.Errorf("record %d: %v (field %q)", i, ze, ze.Field)
		}
	}
	got, err := e.c.GetCandidate(e.ctx(), dc, at, res[0].ID)
	if err != nil || got.Get("Email") != "new.person@example.com" {
		t.Errorf("inserted candidate: %v, %v", got, err)
	}

	before := e.calls("recruit.insert")
	many := make([]zoho.RecruitRecord, zoho.RecruitMaxInsert+1)
	for i := range many {
		many[i] = zoho.RecruitRecord{"Last_Name": "X"}
	}
	_, err = e.c.InsertCandidates(e.ctx(), dc, at, many, nil)
	ze := zerr(t, err, zoho.ClassConfig)
	if !strings.Contains(ze.Message, "100") {
		t.Errorf("got %v", err)
	}
	if e.calls("recruit.insert") != before {
		t.Error("101 records were sent")
	}
}

// Token and scope errors, and faults, on Recruit.
func TestRecruitErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", recruitScope)

	bogus := "1000." + strings.Repeat("c", 32) + "." + strings.Repeat("d", 32)
	_, err := e.c.ListCandidates(e.ctx(), dc, bogus, zoho.ListOptions{})
	ze := zerr(t, err, zoho.ClassReauth)
	if ze.Code != "INVALID_TOKEN" || ze.HTTPStatus != http.StatusUnauthorized {
		t.Errorf("got HTTP %d %v", ze.HTTPStatus, err)
	}
	noSecrets(t, err, bogus)

	_, ptok := e.connect("eu", peopleScope)
	_, err = e.c.InsertCandidates(e.ctx(), dc, ptok.AccessToken, []zoho.RecruitRecord{{"Last_Name": "X"}}, nil)
	ze = zerr(t, err, zoho.ClassConfig)
	if ze.Code != "OAUTH_SCOPE_MISMATCH" || !strings.Contains(ze.Resolution, recruitScope) {
		t.Errorf("got %v / %s", err, ze.Resolution)
	}
	noSecrets(t, err, ptok.AccessToken)

	// net/http retries an idempotent GET once, on a fresh connection, when a
	// reused one drops without answering; so a drop must happen twice to
	// reach the caller.
	for _, f := range []map[string]any{{"kind": "status", "status": 502, "count": 1}, {"kind": "drop", "count": 2}} {
		f["endpoint"] = "recruit.list"
		e.fault(f)
		_, err := e.c.ListCandidates(e.ctx(), dc, tok.AccessToken, zoho.ListOptions{})
		zerr(t, err, zoho.ClassRetry)
		noSecrets(t, err, tok.AccessToken)
	}
	// An iteration that meets a fault yields the error and stops.
	e.fault(map[string]any{"endpoint": "recruit.list", "kind": "status", "status": 500, "count": 1})
	n := 0
	for _, err := range e.c.Candidates(e.ctx(), dc, tok.AccessToken, zoho.ListOptions{}) {
		n++
		zerr(t, err, zoho.ClassRetry)
	}
	if n != 1 {
		t.Errorf("the iteration yielded %d times, want once (the error)", n)
	}
}
