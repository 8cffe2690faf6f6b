package onboard_test

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/onboard"
	"hrconnect/sqlstore"
	"hrconnect/zoho"
)

// recruitConnection connects the env's tenant to Zoho Recruit in the EU,
// from a Self Client code with the candidates scope.
func (e *env) recruitConnection(tenantID, actorID, name string) (*hrconnect.Connection, *connect.IssuedTokens) {
	e.t.Helper()
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients", map[string]any{"dc": "eu", "client_type": "self"}, &c)
	var g struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ClientID, "scope": zoho.ScopeRecruitCandidates, "duration_minutes": 10}, &g)
	conn, issued, err := e.conns.ConnectWithCode(e.ctx, connect.ZohoConnection{
		TenantID: tenantID, ActorID: actorID, Name: name, Service: hrconnect.ServiceZohoRecruit, DC: "eu",
		ClientID: c.ClientID, Secret: c.ClientSecret,
	}, g.Code, "", "")
	if err != nil {
		e.t.Fatalf("connect Zoho Recruit: %v", err)
	}
	return conn, issued
}

// seedCandidates adds candidates to the EU organisation's Recruit and
// returns their record IDs, in order.
func (e *env) seedCandidates(records ...map[string]any) []string {
	e.t.Helper()
	var r struct {
		IDs []string `json:"ids"`
	}
	e.control("POST", "/_sandbox/recruit/candidates", map[string]any{"dc": "eu", "records": records}, &r)
	return r.IDs
}

// applicationStages returns the stages of an applicant's applications.
func (e *env) applicationStages(applicantID string) []string {
	e.t.Helper()
	apps, err := e.svc.Applications(e.ctx, hrconnect.ApplicationFilter{TenantID: e.tenant.ID, ApplicantID: applicantID})
	must(e.t, err)
	var out []string
	for _, a := range apps {
		out = append(out, a.StageID)
	}
	return out
}

// outcomes returns "outcome:applicant" per item, keyed by candidate ID.
func outcomes(res *onboard.ImportResult) map[string]string {
	out := map[string]string{}
	for _, it := range res.Items {
		out[it.CandidateID] = string(it.Outcome) + ":" + it.ApplicantID
	}
	return out
}

// The hired candidates of a Recruit with more than one page, duplicates by
// email in other cases, one already an applicant, one without email, and
// candidates of other statuses: exactly the right ones become applicants,
// at the job post's first stage, and importing again updates them.
func TestImportFromRecruit(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig(), noWorkers: true})
		rc, _ := e.recruitConnection(e.tenant.ID, e.user.ID, "Zoho Recruit EU")
		must(t, e.db.PutApplicant(e.ctx, &hrconnect.Applicant{TenantID: e.tenant.ID, ApplicantID: "A-1",
			FirstName: "Grace", Surname: "Hopper", Email: "grace.hopper@example.com", Department: "Navy"}))

		ids := e.seedCandidates(
			map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Candidate_Status": "Hired", "Current_Job_Title": "Analyst", "Phone": "+44 1"},
			map[string]any{"First_Name": "Grace", "Last_Name": "Hopper", "Email": "GRACE.Hopper@Example.com", "Candidate_Status": "Hired"},
			map[string]any{"First_Name": "Nomail", "Last_Name": "Person", "Candidate_Status": "Hired"},
			map[string]any{"First_Name": "New", "Last_Name": "Candidate", "Email": "new@example.com"},
			// Recruit keeps Email unique, so the same person twice shows
			// up through the secondary address.
			map[string]any{"First_Name": "Augusta", "Last_Name": "King", "Secondary_Email": "ADA@Example.COM", "Candidate_Status": "Hired"},
			map[string]any{"First_Name": "Alan", "Last_Name": "Turing", "Email": "alan@example.com", "Candidate_Status": "hired", "Mobile": "+44 2"},
			map[string]any{"First_Name": "Rejected", "Last_Name": "Candidate", "Email": "rejected@example.com", "Candidate_Status": "Rejected"},
			map[string]any{"First_Name": "Katherine", "Last_Name": "Johnson", "Secondary_Email": "kj@example.com", "Candidate_Status": "Hired"},
			map[string]any{"First_Name": "Offer", "Last_Name": "Made", "Email": "offer@example.com", "Candidate_Status": "Offer-Made"},
			map[string]any{"First_Name": "Dorothy", "Last_Name": "Vaughan", "Email": "dv@example.com", "Candidate_Status": "Hired"},
		)
		ada, grace, nomail, augusta, alan, kj, dv := ids[0], ids[1], ids[2], ids[4], ids[5], ids[7], ids[9]
		before := e.state().Calls

		f := onboard.RecruitFilter{Status: "Hired", PerPage: 2, ImportOptions: onboard.ImportOptions{JobPostID: e.post.ID}}
		res, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, f)
		if err != nil {
			t.Fatalf("ImportFromRecruit: %v", err)
		}
		p := onboard.RecruitApplicantPrefix
		want := map[string]string{
			ada:     "imported:" + p + ada,
			grace:   "duplicate:A-1",
			nomail:  "skipped:",
			augusta: "duplicate:" + p + ada,
			alan:    "imported:" + p + alan,
			kj:      "imported:" + p + kj,
			dv:      "imported:" + p + dv,
		}
		if got := outcomes(res); !maps.Equal(got, want) {
			t.Fatalf("outcomes:\n got %v\nwant %v", got, want)
		}
		if res.Read != 7 || res.Pages != 4 || res.Imported != 4 || res.Duplicates != 2 || res.Skipped != 1 || res.Updated != 0 || res.Truncated {
			t.Fatalf("result: %+v", res)
		}
		// Items come in Recruit's order, with reasons.
		if res.Items[0].CandidateID != ada || res.Items[6].CandidateID != dv {
			t.Fatalf("items out of Recruit's order: %+v", res.Items)
		}
		for _, it := range res.Items {
			switch {
			case it.CandidateID == nomail && !strings.Contains(it.Reason, "no email address"):
				t.Errorf("skipped candidate's reason: %q", it.Reason)
			case it.CandidateID == grace && !strings.Contains(it.Reason, "A-1"):
				t.Errorf("duplicate's reason: %q", it.Reason)
			case it.Outcome == onboard.ImportCreated && it.Reason != "":
				t.Errorf("imported candidate with a reason: %+v", it)
			}
		}
		// Paging happened: one search per page, nothing listed.
		after := e.state().Calls
		if n := after["recruit.search"] - before["recruit.search"]; n != 4 {
			t.Fatalf("%d Recruit searches, want 4 (7 hired candidates, 2 a page)", n)
		}
		if after["recruit.list"] != before["recruit.list"] {
			t.Fatal("the import listed candidates instead of searching by status")
		}

		// The applicants, with Recruit's fields, at the post's first stage.
		a, err := e.db.Applicant(e.ctx, e.tenant.ID, p+ada)
		must(t, err)
		if a.FirstName != "Ada" || a.Surname != "Lovelace" || a.Email != "ada@example.com" || a.Phone != "+44 1" || a.JobTitle != "Analyst" ||
			a.Custom[onboard.CustomRecruitID] != ada || !strings.HasPrefix(a.Custom[onboard.CustomRecruitCandidateID], "ZR_") || a.Custom[onboard.CustomRecruitStatus] != "Hired" {
			t.Fatalf("imported applicant: %+v", a)
		}
		if k, _ := e.db.Applicant(e.ctx, e.tenant.ID, p+kj); k.Email != "kj@example.com" {
			t.Fatalf("secondary address not used: %+v", k)
		}
		if al, _ := e.db.Applicant(e.ctx, e.tenant.ID, p+alan); al.Phone != "+44 2" {
			t.Fatalf("mobile not used as phone: %+v", al)
		}
		first := e.workflow.Stages[0].ID
		for _, id := range []string{ada, alan, kj, dv} {
			if st := e.applicationStages(p + id); len(st) != 1 || st[0] != first {
				t.Fatalf("applications of %s: %v, want one at the first stage", id, st)
			}
		}
		for _, id := range []string{grace, nomail, augusta, ids[3], ids[6], ids[8]} {
			if _, err := e.db.Applicant(e.ctx, e.tenant.ID, p+id); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
				t.Fatalf("candidate %s became an applicant: %v", id, err)
			}
		}
		g, _ := e.db.Applicant(e.ctx, e.tenant.ID, "A-1")
		if g.Email != "grace.hopper@example.com" || g.Department != "Navy" || len(e.applicationStages("A-1")) != 0 {
			t.Fatalf("existing applicant touched: %+v", g)
		}

		// Again: the same candidates are updated, never doubled; the ATS's
		// own fields on them stay.
		a.Department = "Research"
		must(t, e.db.PutApplicant(e.ctx, a))
		again, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, f)
		must(t, err)
		if again.Imported != 0 || again.Updated != 4 || again.Duplicates != 2 || again.Skipped != 1 {
			t.Fatalf("second import: %+v", again)
		}
		if a2, _ := e.db.Applicant(e.ctx, e.tenant.ID, p+ada); a2.Department != "Research" || a2.JobTitle != "Analyst" {
			t.Fatalf("re-import lost the ATS's fields: %+v", a2)
		}
		if st := e.applicationStages(p + ada); len(st) != 1 {
			t.Fatalf("re-import applied again: %v", st)
		}

		// More criteria narrow the status; a limit stops early and says so.
		one, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{Status: "Hired", Criteria: "(Last_Name:starts_with:Tur)"})
		must(t, err)
		if one.Read != 1 || one.Updated != 1 || one.Items[0].CandidateID != alan {
			t.Fatalf("import with criteria: %+v", one)
		}
		capped, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{Status: "Hired", PerPage: 2, Limit: 3})
		must(t, err)
		if capped.Read != 3 || capped.Pages != 2 || !capped.Truncated {
			t.Fatalf("import with a limit: %+v", capped)
		}
		// Without a status every candidate is listed, statuses other than
		// Hired included.
		all, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{})
		must(t, err)
		if all.Read != 10 || all.Imported != 3 || e.state().Calls["recruit.list"] != after["recruit.list"]+1 {
			t.Fatalf("import of every candidate: %+v", all)
		}
	})
}

// A Recruit of more than 200 hired candidates takes two pages of Recruit's
// largest size.
func TestImportFromRecruitLargestPages(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig(), noWorkers: true})
	rc, _ := e.recruitConnection(e.tenant.ID, e.user.ID, "Zoho Recruit EU")
	var recs []map[string]any
	for i := range 205 {
		recs = append(recs, map[string]any{"First_Name": "Pat", "Last_Name": "Hire " + strconv.Itoa(i), "Email": "hire" + strconv.Itoa(i) + "@example.com", "Candidate_Status": "Hired"})
	}
	e.seedCandidates(recs...)
	before := e.state().Calls["recruit.search"]
	res, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{Status: "Hired"})
	must(t, err)
	if res.Imported != 205 || res.Pages != 2 || e.state().Calls["recruit.search"]-before != 2 {
		t.Fatalf("205 hires: %+v pages %d", res.Imported, res.Pages)
	}
}

// A refused access token is refreshed once and the call retried; a grant
// revoked at Zoho gives the reconnect error, without more refreshes.
func TestImportFromRecruitTokens(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig(), noWorkers: true})
		rc, issued := e.recruitConnection(e.tenant.ID, e.user.ID, "Zoho Recruit EU")
		ids := e.seedCandidates(map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Candidate_Status": "Hired"})
		key := hrconnect.CredentialKey{TenantID: e.tenant.ID, ConnectionID: rc.ID}

		tok, err := e.db.CachedToken(e.ctx, key)
		must(t, err)
		e.revokeAccessToken(tok.AccessToken)
		before := e.state().Calls
		res, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{Status: "Hired"})
		if err != nil {
			t.Fatalf("import with a refused token: %v", err)
		}
		after := e.state().Calls
		if res.Imported != 1 || res.Items[0].CandidateID != ids[0] {
			t.Fatalf("import after the refresh: %+v", res)
		}
		if n := after["accounts.token"] - before["accounts.token"]; n != 1 {
			t.Fatalf("%d refreshes for a refused token, want 1", n)
		}
		if n := after["recruit.search"] - before["recruit.search"]; n != 2 {
			t.Fatalf("%d searches, want 2 (refused, then retried)", n)
		}

		// Revoke the grant: the next refresh is refused for good.
		e.fault(map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": issued.RefreshToken, "count": 1})
		tok, err = e.db.CachedToken(e.ctx, key)
		must(t, err)
		e.revokeAccessToken(tok.AccessToken)
		for i := range 2 {
			_, err = e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{Status: "Hired"})
			var he *hrconnect.Error
			if !errors.Is(err, connect.ErrNeedsReconnect) || !errors.As(err, &he) || he.Code != hrconnect.ECONFLICT || !strings.Contains(he.Resolution, "reconnect") {
				t.Fatalf("import %d with a revoked grant: %v", i+1, err)
			}
		}
		if n := e.state().Calls["accounts.token"] - after["accounts.token"]; n != 1 {
			t.Fatalf("%d refreshes with a revoked grant, want 1 (no storm)", n)
		}
		c, err := e.db.Connection(e.ctx, e.tenant.ID, rc.ID)
		must(t, err)
		if c.Status != hrconnect.StatusNeedsReconnect {
			t.Fatalf("connection after the revoked grant: %s", c.Status)
		}
	})
}

// What cannot be imported says why before calling Recruit: another
// tenant's connection is not found, a People connection is not Recruit,
// criteria must be Recruit's syntax, the job post must exist; criteria
// Recruit refuses name the field.
func TestImportFromRecruitRefusals(t *testing.T) {
	e := newEnv(t, openSQLite(t), options{cfg: testConfig(), noWorkers: true})
	rc, _ := e.recruitConnection(e.tenant.ID, e.user.ID, "Zoho Recruit EU")
	other := &hrconnect.Tenant{Name: "Globex"}
	must(t, e.db.CreateTenant(e.ctx, other))
	boss := &hrconnect.User{TenantID: other.ID, Email: "boss@globex.test", Name: "Boss", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, e.db.CreateUser(e.ctx, boss))
	foreign, _ := e.recruitConnection(other.ID, boss.ID, "Globex Recruit")
	e.seedCandidates(map[string]any{"First_Name": "Ada", "Last_Name": "Lovelace", "Email": "ada@example.com", "Candidate_Status": "Hired"})
	before := e.state().Calls

	hired := onboard.RecruitFilter{Status: "Hired"}
	for _, tc := range []struct {
		name, conn string
		f          onboard.RecruitFilter
		code       string
		field      string
	}{
		{"another tenant's connection", foreign.ID, hired, hrconnect.ENOTFOUND, ""},
		{"no such connection", "con_missing", hired, hrconnect.ENOTFOUND, ""},
		{"a People connection", e.conn.ID, hired, hrconnect.EINVALID, "connection_id"},
		{"criteria without parentheses", rc.ID, onboard.RecruitFilter{Criteria: "Source:equals:x"}, hrconnect.EINVALID, "criteria"},
		{"a negative limit", rc.ID, onboard.RecruitFilter{Limit: -1}, hrconnect.EINVALID, "limit"},
		{"pages too large", rc.ID, onboard.RecruitFilter{PerPage: 201}, hrconnect.EINVALID, "per_page"},
		{"no such job post", rc.ID, onboard.RecruitFilter{ImportOptions: onboard.ImportOptions{JobPostID: "job_missing"}}, hrconnect.ENOTFOUND, ""},
	} {
		res, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, tc.conn, tc.f)
		var he *hrconnect.Error
		if res != nil || !errors.As(err, &he) || he.Code != tc.code || he.Field != tc.field {
			t.Errorf("%s: %+v, %v; want %s on %q", tc.name, res, err, tc.code, tc.field)
		}
	}
	after := e.state().Calls
	for _, ep := range []string{"recruit.search", "recruit.list", "accounts.token"} {
		if after[ep] != before[ep] {
			t.Fatalf("a refused import called %s", ep)
		}
	}
	// Criteria Recruit refuses: the field is named, nothing imported.
	res, err := e.svc.ImportFromRecruit(e.ctx, e.tenant.ID, rc.ID, onboard.RecruitFilter{Status: "Hired", Criteria: "(No_Such_Field:equals:x)"})
	var he *hrconnect.Error
	if res != nil || !errors.As(err, &he) || he.Code != hrconnect.EINVALID || he.Field != "criteria" {
		t.Fatalf("criteria Recruit refuses: %+v, %v", res, err)
	}
	if got, _ := e.db.ApplicantsByEmail(e.ctx, e.tenant.ID, []string{"ada@example.com"}); len(got) != 0 {
		t.Fatal("a refused import wrote an applicant")
	}
}

// revokeAccessToken revokes one access token at the sandbox's Accounts.
func (e *env) revokeAccessToken(token string) {
	e.t.Helper()
	resp, err := http.Post(e.base+"/eu/accounts/oauth/v2/token/revoke?token="+url.QueryEscape(token), "", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("revoke access token: HTTP %d", resp.StatusCode)
	}
}
