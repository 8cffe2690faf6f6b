package api_test

import (
	"net/http"
	"strings"
	"testing"

	"hrconnect"
)

// TestConnectionLifecycle takes a Zoho People connection through its whole
// life over the API, against the sandbox over HTTP, on SQLite and on
// PostgreSQL: created from a Self Client code (tokens shown once), read
// without secrets, checked, invoked, reconnected, its history read, and
// deleted, which revokes its refresh token at Zoho. Every secret is then
// looked for in every later reply and every log line.
func TestConnectionLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		c, tok := e.connectZoho("eu", "Zoho People (EU)")
		if c.Status != "connected" || c.DC != "eu" || c.Service != "zoho_people" || c.LinkName != "zoho_people_eu" || c.OwnerID != e.admin.ID {
			t.Errorf("created connection = %+v", c)
		}

		// Read: the connection, alone and in lists, without secrets (the
		// secret scan at the end covers these replies).
		var got connectionOut
		e.want(e.call("GET", "/api/v1/connections/"+c.ID, e.readKey, nil), http.StatusOK).decode(t, &got)
		if got.ID != c.ID || got.Name != "Zoho People (EU)" || got.LastRefreshAt == "" {
			t.Errorf("GET = %+v", got)
		}
		for _, q := range []string{"", "?service=zoho_people", "?status=connected", "?owner=me"} {
			var list struct{ Connections []connectionOut }
			e.want(e.call("GET", "/api/v1/connections"+q, e.readKey, nil), http.StatusOK).decode(t, &list)
			if len(list.Connections) != 1 || list.Connections[0].ID != c.ID {
				t.Errorf("GET /connections%s = %+v, want the one connection", q, list.Connections)
			}
		}
		for _, q := range []string{"?service=zoho_recruit", "?status=needs_reconnect", "?shared=true"} {
			var list struct{ Connections []connectionOut }
			e.want(e.call("GET", "/api/v1/connections"+q, e.readKey, nil), http.StatusOK).decode(t, &list)
			if len(list.Connections) != 0 {
				t.Errorf("GET /connections%s = %+v, want none", q, list.Connections)
			}
		}

		// Check: a real refresh now, with a key that may not change anything.
		before := len(e.refreshTokens())
		var check struct {
			OK, Refreshed bool
			Connection    connectionOut
		}
		e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/check", e.readKey, nil), http.StatusOK).decode(t, &check)
		if !check.OK || !check.Refreshed || check.Connection.Status != "connected" {
			t.Errorf("check = %+v", check)
		}
		if n := len(e.refreshTokens()); n != before {
			t.Errorf("a check made %d new refresh tokens; it must refresh with the stored one", n-before)
		}

		// Invoke Zoho People through the connection.
		eu, err := e.dir.DC("eu")
		must(t, err)
		var inv struct {
			Status int
			Body   string
		}
		e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", e.readKey, map[string]any{
			"url": eu.PeopleURL + "/people/api/forms/employee/getRecords"}), http.StatusOK).decode(t, &inv)
		if inv.Status != http.StatusOK {
			t.Errorf("invoke: People answered %d: %s", inv.Status, inv.Body)
		}
		// Outside the base URLs: refused before anything is sent.
		us, err := e.dir.DC("us")
		must(t, err)
		e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", e.readKey, map[string]any{
			"url": us.PeopleURL + "/people/api/forms/employee/getRecords"}), http.StatusUnprocessableEntity, "url")
		e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", e.readKey, map[string]any{
			"url": e.api.URL + "/api/v1/audit"}), http.StatusUnprocessableEntity, "url")

		// Reconnect with a new code: new tokens, shown once.
		code := e.newCode(c.ClientID)
		r := e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/reconnect", e.adminKey, map[string]any{"code": code}), http.StatusOK)
		var rec struct {
			Connection connectionOut
			Tokens     *tokensOut
		}
		r.decode(t, &rec)
		if rec.Tokens == nil || rec.Tokens.RefreshToken == "" || rec.Tokens.RefreshToken == tok.RefreshToken {
			t.Fatalf("reconnect reply = %s, want new tokens", r.body)
		}
		e.secret(rec.Tokens.AccessToken, rec.Tokens.RefreshToken)
		e.allowLast(rec.Tokens.AccessToken, rec.Tokens.RefreshToken)
		// A code works once: reusing it is Zoho's refusal, as a problem.
		p := e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/reconnect", e.adminKey, map[string]any{"code": code}), http.StatusUnprocessableEntity, "")
		if p.Resolution == "" {
			t.Errorf("a refused code has no resolution: %+v", p)
		}
		// Reconnect with the refresh token itself: checked, not echoed.
		r = e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/reconnect", e.adminKey, map[string]any{"refresh_token": rec.Tokens.RefreshToken}), http.StatusOK)
		if strings.Contains(string(r.body), `"tokens"`) {
			t.Errorf("a reconnect with a refresh token echoed tokens: %s", r.body)
		}

		// History.
		var ev struct {
			Events []struct{ Kind, Message string }
		}
		e.want(e.call("GET", "/api/v1/connections/"+c.ID+"/events?limit=50", e.readKey, nil), http.StatusOK).decode(t, &ev)
		kinds := map[string]bool{}
		for _, x := range ev.Events {
			kinds[x.Kind] = true
		}
		for _, k := range []string{"created", "checked", "authorized"} {
			if !kinds[k] {
				t.Errorf("events lack %q: %+v", k, ev.Events)
			}
		}

		// Delete: the refresh token is revoked at Zoho first.
		e.want(e.call("DELETE", "/api/v1/connections/"+c.ID, e.adminKey, nil), http.StatusNoContent)
		if revoked, ok := e.refreshTokens()[rec.Tokens.RefreshToken]; !ok || !revoked {
			t.Errorf("after delete, the sandbox has the refresh token: %v, revoked: %v; want it revoked", ok, revoked)
		}
		e.problem(e.call("GET", "/api/v1/connections/"+c.ID, e.adminKey, nil), http.StatusNotFound, "")
		e.problem(e.call("DELETE", "/api/v1/connections/"+c.ID, e.adminKey, nil), http.StatusNotFound, "")

		// The audit log names what happened, and by which key.
		var audit struct {
			Entries []struct {
				Action, Target string
				ActorName      string `json:"actor_name"`
				ActorID        string `json:"actor_id"`
			}
		}
		e.want(e.call("GET", "/api/v1/audit", e.adminKey, nil), http.StatusOK).decode(t, &audit)
		var actions []string
		for _, a := range audit.Entries {
			actions = append(actions, a.Action)
			if a.Target != c.ID || a.ActorName != "API key ATS admin" || !strings.HasPrefix(a.ActorID, "key_") {
				t.Errorf("audit entry %+v", a)
			}
		}
		if want := "connection.deleted connection.reconnected connection.reconnected connection.created"; strings.Join(actions, " ") != want {
			t.Errorf("audit actions = %v, want %s", actions, want)
		}
	})
}

// TestNeedsReconnect: when the refresh token is revoked at Zoho behind
// hrconnect's back, a check reports it (ok false, in a 200), the connection
// is then "needs_reconnect" with the reason, calls through it are refused
// with a 409 that says to reconnect, and a reconnect with a new code brings
// it back.
func TestNeedsReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	c, tok := e.connectZoho("eu", "Zoho People")
	eu, err := e.dir.DC("eu")
	must(t, err)
	req, err := http.NewRequestWithContext(e.ctx, "POST", eu.AccountsURL+"/oauth/v2/token/revoke?token="+tok.RefreshToken, nil)
	must(t, err)
	hr, err := http.DefaultClient.Do(req)
	must(t, err)
	hr.Body.Close()

	var check struct {
		OK, Refreshed bool
		Code, Message string
		Resolution    string
		Connection    connectionOut
	}
	e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/check", e.readKey, nil), http.StatusOK).decode(t, &check)
	if check.OK || check.Code != "conflict" || check.Message == "" || check.Resolution == "" ||
		check.Connection.Status != "needs_reconnect" || check.Connection.LastError == "" {
		t.Errorf("check after revocation = %+v", check)
	}
	var list struct{ Connections []connectionOut }
	e.want(e.call("GET", "/api/v1/connections?status=needs_reconnect", e.readKey, nil), http.StatusOK).decode(t, &list)
	if len(list.Connections) != 1 {
		t.Errorf("needs_reconnect lists %d connections, want 1", len(list.Connections))
	}
	p := e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", e.readKey, map[string]any{
		"url": eu.PeopleURL + "/people/api/forms/employee/getRecords"}), http.StatusConflict, "")
	if !strings.Contains(p.Detail, "reconnect") {
		t.Errorf("invoke on a broken connection: %+v", p)
	}

	var rec struct {
		Connection connectionOut
		Tokens     tokensOut
	}
	e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/reconnect", e.adminKey, map[string]any{"code": e.newCode(c.ClientID)}), http.StatusOK).decode(t, &rec)
	e.secret(rec.Tokens.AccessToken, rec.Tokens.RefreshToken)
	e.allowLast(rec.Tokens.AccessToken, rec.Tokens.RefreshToken)
	if rec.Connection.Status != "connected" || rec.Connection.LastError != "" {
		t.Errorf("after reconnect: %+v", rec.Connection)
	}
	e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/check", e.readKey, nil), http.StatusOK).decode(t, &check)
	if !check.OK || !check.Refreshed {
		t.Errorf("check after reconnect = %+v", check)
	}
}

// TestPerUserConnection: a per-user connection ("use credentials of login
// user") is owned by the key's user; another user authorises their own copy
// by reconnecting it, after which it is "shared" for them; a key acting for
// no user cannot use it.
func TestPerUserConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	bob := &hrconnect.User{TenantID: e.tenant.ID, Email: "bob@acme.test", Name: "Bob", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, e.db.CreateUser(e.ctx, bob))
	bobKey := e.issueKey(e.tenant.ID, bob.ID, "Bob's script", hrconnect.PermIntegrations)
	nobodyKey := e.issueKey(e.tenant.ID, "", "CLI key", hrconnect.PermIntegrations)

	id, secret, code := e.selfClient("eu")
	e.problem(e.call("POST", "/api/v1/connections", nobodyKey, map[string]any{"service": "zoho_people", "per_user": true,
		"dc": "eu", "client_id": id, "client_secret": secret, "code": code}), http.StatusUnprocessableEntity, "per_user")
	var cr struct {
		Connection connectionOut
		Tokens     tokensOut
	}
	e.want(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{"service": "zoho_people", "per_user": true,
		"dc": "eu", "client_id": id, "client_secret": secret, "code": code}), http.StatusCreated).decode(t, &cr)
	e.secret(cr.Tokens.AccessToken, cr.Tokens.RefreshToken)
	e.allowLast(cr.Tokens.AccessToken, cr.Tokens.RefreshToken)
	c := cr.Connection

	list := func(key, q string) int {
		var l struct{ Connections []connectionOut }
		e.want(e.call("GET", "/api/v1/connections"+q, key, nil), http.StatusOK).decode(t, &l)
		return len(l.Connections)
	}
	if list(e.adminKey, "?owner=me") != 1 || list(e.adminKey, "?shared=true") != 0 || list(bobKey, "?owner=me") != 0 || list(bobKey, "?shared=true") != 0 {
		t.Error("before Bob authorises: admin owns it, nobody shares it")
	}
	eu, err := e.dir.DC("eu")
	must(t, err)
	invoke := map[string]any{"url": eu.PeopleURL + "/people/api/forms/employee/getRecords"}
	p := e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", bobKey, invoke), http.StatusConflict, "")
	if !strings.Contains(p.Detail, "not authorised") {
		t.Errorf("Bob's invoke before authorising: %+v", p)
	}

	var rec struct{ Tokens tokensOut }
	e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/reconnect", bobKey, map[string]any{"code": e.newCode(id), "client_secret": secret}), http.StatusOK).decode(t, &rec)
	e.secret(rec.Tokens.AccessToken, rec.Tokens.RefreshToken)
	e.allowLast(rec.Tokens.AccessToken, rec.Tokens.RefreshToken)
	if list(bobKey, "?shared=true") != 1 || list(bobKey, "?owner=me") != 0 {
		t.Error("after Bob authorises, the connection is shared with him")
	}
	var inv struct{ Status int }
	e.want(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", bobKey, invoke), http.StatusOK).decode(t, &inv)
	if inv.Status != http.StatusOK {
		t.Errorf("Bob's invoke: People answered %d", inv.Status)
	}
	e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/invoke", nobodyKey, invoke), http.StatusConflict, "")
	e.problem(e.call("POST", "/api/v1/connections/"+c.ID+"/reconnect", nobodyKey, map[string]any{"code": "x"}), http.StatusUnprocessableEntity, "per_user")
}

// TestDeleteWhenZohoIsDown: when the refresh token cannot be revoked (Zoho
// answers 503), nothing is deleted and the caller gets a 503 problem saying
// so; the logged cause holds no secret. Once Zoho is back, the delete works.
func TestDeleteWhenZohoIsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	c, tok := e.connectZoho("eu", "Zoho People")
	e.control("POST", "/_sandbox/faults", map[string]any{"endpoint": "accounts.revoke", "kind": "status", "status": 503, "count": 1}, nil)
	p := e.problem(e.call("DELETE", "/api/v1/connections/"+c.ID, e.adminKey, nil), http.StatusServiceUnavailable, "")
	if p.Code != "unavailable" || !strings.Contains(p.Detail, "kept") || p.Resolution == "" {
		t.Errorf("problem = %+v", p)
	}
	e.want(e.call("GET", "/api/v1/connections/"+c.ID, e.adminKey, nil), http.StatusOK)
	if e.refreshTokens()[tok.RefreshToken] {
		t.Error("the refresh token was revoked although the call failed")
	}
	if !strings.Contains(e.logs.String(), p.RequestID) {
		t.Error("the failure is not logged under its request ID")
	}
	e.want(e.call("DELETE", "/api/v1/connections/"+c.ID, e.adminKey, nil), http.StatusNoContent)
	if !e.refreshTokens()[tok.RefreshToken] {
		t.Error("the refresh token is not revoked after the delete")
	}
}
