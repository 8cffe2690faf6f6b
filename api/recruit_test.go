package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"hrconnect/zoho"
)

// connectRecruit creates a Zoho Recruit connection in the EU through the
// API, from a Self Client code with the candidates scope.
func (e *env) connectRecruit(name string) (connectionOut, tokensOut) {
	e.t.Helper()
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients", map[string]any{"dc": "eu", "client_type": "self"}, &c)
	e.secret(c.ClientSecret)
	var g struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ClientID, "scope": zoho.ScopeRecruitCandidates, "duration_minutes": 10}, &g)
	e.secret(g.Code)
	r := e.want(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{
		"service": "zoho_recruit", "name": name, "dc": "eu", "client_id": c.ClientID, "client_secret": c.ClientSecret, "code": g.Code,
	}), http.StatusCreated)
	var out struct {
		Connection connectionOut `json:"connection"`
		Tokens     tokensOut     `json:"tokens"`
	}
	r.decode(e.t, &out)
	e.secret(out.Tokens.AccessToken, out.Tokens.RefreshToken)
	e.allowLast(out.Tokens.AccessToken, out.Tokens.RefreshToken)
	return out.Connection, out.Tokens
}

type importOut struct {
	Read, Pages, Imported, Updated, Duplicates, Skipped int
	Truncated                                           bool
	Items                                               []struct {
		CandidateID string `json:"candidate_id"`
		Outcome     string `json:"outcome"`
		ApplicantID string `json:"applicant_id"`
		Reason      string `json:"reason"`
	}
}

// POST /connections/{id}/import over HTTP on both databases: the hired
// candidates (two pages of 200) become applicants, duplicates and
// candidates without email are reported, other statuses are not read; a
// People connection, another tenant's connection and a key without the
// permission are refused; a revoked grant answers 409 with its resolution.
func TestImportCandidates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		rc, tokens := e.connectRecruit("Zoho Recruit EU")
		recs := []map[string]any{
			{"First_Name": "Grace", "Last_Name": "Hopper", "Email": "Grace@Example.com", "Candidate_Status": "Hired"},
			{"First_Name": "No", "Last_Name": "Mail", "Candidate_Status": "Hired"},
			{"First_Name": "Grace", "Last_Name": "Again", "Secondary_Email": "GRACE@example.COM", "Candidate_Status": "Hired"},
			{"First_Name": "Not", "Last_Name": "Hired", "Email": "new@example.com", "Candidate_Status": "New"},
		}
		for i := range 200 {
			recs = append(recs, map[string]any{"First_Name": "Pat", "Last_Name": "Hire", "Email": "hire" + strings.Repeat("x", i%3) + strconv.Itoa(i) + "@example.com", "Candidate_Status": "Hired"})
		}
		var seeded struct {
			IDs []string `json:"ids"`
		}
		e.control("POST", "/_sandbox/recruit/candidates", map[string]any{"dc": "eu", "records": recs}, &seeded)
		before := e.sbCalls()

		var out importOut
		e.want(e.call("POST", "/api/v1/connections/"+rc.ID+"/import", e.adminKey, map[string]any{"status": "Hired"}), 200).decode(t, &out)
		if out.Read != 203 || out.Pages != 2 || out.Imported != 201 || out.Duplicates != 1 || out.Skipped != 1 || out.Truncated {
			t.Fatalf("import: %+v", out)
		}
		if n := e.sbCalls()["recruit.search"] - before["recruit.search"]; n != 2 {
			t.Fatalf("%d Recruit searches, want 2", n)
		}
		byID := map[string]string{}
		for _, it := range out.Items {
			byID[it.CandidateID] = it.Outcome + ":" + it.ApplicantID
			if it.CandidateID == seeded.IDs[1] && !strings.Contains(it.Reason, "no email") {
				t.Fatalf("skipped candidate's reason: %q", it.Reason)
			}
		}
		g := "recruit-" + seeded.IDs[0]
		if byID[seeded.IDs[0]] != "imported:"+g || byID[seeded.IDs[2]] != "duplicate:"+g || byID[seeded.IDs[1]] != "skipped:" {
			t.Fatalf("outcomes: %v", byID)
		}
		if _, ok := byID[seeded.IDs[3]]; ok {
			t.Fatal("a candidate who is not hired was read")
		}
		if a, err := e.db.Applicant(e.ctx, e.tenant.ID, g); err != nil || a.Email != "Grace@Example.com" || a.FirstName != "Grace" {
			t.Fatalf("applicant %s: %+v, %v", g, a, err)
		}
		// Importing again updates, and the audit log records both.
		e.want(e.call("POST", "/api/v1/connections/"+rc.ID+"/import", e.adminKey, map[string]any{"status": "Hired", "limit": 1}), 200).decode(t, &out)
		if out.Read != 1 || out.Updated != 1 || !out.Truncated {
			t.Fatalf("second import: %+v", out)
		}

		people, _ := e.connectZoho("eu", "Zoho People EU")
		for _, tc := range []struct {
			name, key, conn string
			body            any
			status          int
		}{
			{"a People connection", e.adminKey, people.ID, map[string]any{"status": "Hired"}, 422},
			{"another tenant's key", e.otherKey, rc.ID, map[string]any{"status": "Hired"}, 404},
			{"no permission", e.readKey, rc.ID, map[string]any{"status": "Hired"}, 403},
			{"an unknown field", e.adminKey, rc.ID, map[string]any{"state": "Hired"}, 400},
			{"bad criteria", e.adminKey, rc.ID, map[string]any{"criteria": "(Nope:equals:x)"}, 422},
		} {
			if r := e.call("POST", "/api/v1/connections/"+tc.conn+"/import", tc.key, tc.body); r.status != tc.status {
				t.Errorf("%s: status %d (%s), want %d", tc.name, r.status, r.body, tc.status)
			}
		}

		// A revoked grant: 409, saying to reconnect.
		e.control("POST", "/_sandbox/faults", map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": tokens.RefreshToken, "count": 1}, nil)
		e.sb.Advance(2 * time.Hour) // the access token expires
		r := e.call("POST", "/api/v1/connections/"+rc.ID+"/import", e.adminKey, map[string]any{"status": "Hired"})
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "reconnect") {
			t.Fatalf("revoked grant: %d %s", r.status, r.body)
		}
		entries, err := e.db.Audit(e.ctx, e.tenant.ID, 50)
		must(t, err)
		n := 0
		for _, a := range entries {
			if a.Action == "connection.imported" && a.Target == rc.ID {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%d import entries in the audit log, want 2", n)
		}
	})
}

// sbCalls returns the sandbox's call counts.
func (e *env) sbCalls() map[string]int {
	e.t.Helper()
	var st struct {
		Calls map[string]int `json:"calls"`
	}
	e.control("GET", "/_sandbox/state", nil, &st)
	return st.Calls
}
