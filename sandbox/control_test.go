package sandbox_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestControlBadInput checks that every JSON endpoint refuses bad bodies with
// 400 and a message that says what is wrong.
func TestControlBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		method, path, body, want string
	}{
		{"POST", "/_sandbox/clients", `{"dc":"us",}`, "not valid JSON"},
		{"POST", "/_sandbox/clients", `{"dc":"us",`, "ends in the middle"},
		{"POST", "/_sandbox/clients", `{"dc":"us","client_kind":"self"}`, `unknown field "client_kind"`},
		{"POST", "/_sandbox/clients", `{"dc":"us","multi_dc":"yes"}`, `field "multi_dc" must be true or false`},
		{"POST", "/_sandbox/clients", `{"dc":"us","redirect_uris":"https://x.test/cb"}`, `field "redirect_uris" must be an array of strings`},
		{"POST", "/_sandbox/clients", `{"dc":"us"} {"dc":"eu"}`, "more than one JSON value"},
		{"POST", "/_sandbox/clients", ``, "the request body is empty"},
		{"POST", "/_sandbox/clients", `[1,2]`, "send a JSON object"},
		{"POST", "/_sandbox/clients", `{"dc":"xx","client_type":"self"}`, `dc "xx" is not a data centre`},
		{"POST", "/_sandbox/clients", `{"dc":"us","client_type":"server"}`, `client_type "server" is not a client type`},
		{"POST", "/_sandbox/clients", `{"dc":"us","client_type":"self","user":"nobody@x.test"}`, "has no account"},
		{"POST", "/_sandbox/clients/1000.NOPE/dc-secret", `{"dc":"eu"}`, "no client"},
		{"POST", "/_sandbox/self-client/code", `{"client_id":"1000.NOPE","scope":"ZOHOPEOPLE.forms.ALL"}`, "is not a client"},
		{"POST", "/_sandbox/self-client/code", `{"client_id":"x","duration_minutes":"3"}`, `field "duration_minutes" must be a whole number`},
		{"POST", "/_sandbox/users", `{"dc":"us","email":"not-an-email","password":"p"}`, "is not an email address"},
		{"POST", "/_sandbox/users", `{"dc":"us","email":"admin@us.sandbox.test","password":"p"}`, "already has an account"},
		{"POST", "/_sandbox/users", `{"dc":"us","email":"a@b.test"}`, "password is empty"},
		{"POST", "/_sandbox/users", `{"dc":"us","email":"a@b.test","password":"p","orgs":["Nowhere"]}`, "is not an organisation"},
		{"POST", "/_sandbox/orgs", `{"dc":"us"}`, "name is empty"},
		{"POST", "/_sandbox/orgs", `{"dc":"us","name":"Default organisation"}`, "already exists"},
		{"POST", "/_sandbox/clock", `{}`, "advance_seconds is missing"},
		{"POST", "/_sandbox/clock", `{"advance_seconds":-5}`, "only moves forward"},
		{"POST", "/_sandbox/clock", `{"advance":5}`, `unknown field "advance"`},
		{"PUT", "/_sandbox/limits", `{"access_tokens_per_window":0}`, "must be at least 1"},
		{"PUT", "/_sandbox/limits", `{"offf":true}`, `unknown field "offf"`},
		{"POST", "/_sandbox/faults", `{"endpoint":"accounts.token"}`, "kind"},
	}
	for _, tc := range cases {
		msgs := e.controlErrors(tc.method, tc.path, tc.body, http.StatusBadRequest)
		if !strings.Contains(strings.Join(msgs, " | "), tc.want) {
			t.Errorf("%s %s %s: %q, want a message with %q", tc.method, tc.path, tc.body, msgs, tc.want)
		}
	}
}

// TestControlClockAndReset moves the clock and resets everything.
func TestControlClockAndReset(t *testing.T) {
	e := newEnv(t)
	var before, after struct {
		Now    time.Time `json:"now"`
		Offset float64   `json:"offset_seconds"`
	}
	e.control("GET", "/_sandbox/clock", nil, http.StatusOK, &before)
	e.control("POST", "/_sandbox/clock", map[string]any{"advance_seconds": 7200}, http.StatusOK, &after)
	if d := after.Now.Sub(before.Now); d < 2*time.Hour || d > 2*time.Hour+time.Minute || after.Offset != 7200 {
		t.Errorf("clock moved by %v (offset %v), want 2h", d, after.Offset)
	}
	c := e.selfClient("us")
	e.mustExchange(c, e.code(c, peopleScope, 0))
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "drop", "count": 5})
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, http.StatusOK, nil)

	e.control("POST", "/_sandbox/reset", nil, http.StatusOK, &after)
	if after.Offset != 0 {
		t.Errorf("offset %v after reset", after.Offset)
	}
	st := e.state()
	if len(st.Clients) != 0 || len(st.Tokens.Access) != 0 || len(st.Calls) != 0 {
		t.Errorf("state after reset: %d clients, %d access tokens, calls %v", len(st.Clients), len(st.Tokens.Access), st.Calls)
	}
	var limits map[string]any
	e.control("GET", "/_sandbox/limits", nil, http.StatusOK, &limits)
	if limits["off"] != false || limits["access_tokens_per_window"] != float64(10) {
		t.Errorf("limits after reset: %v", limits)
	}
	wantTokenError(t, e.exchange("us", c, "x"), "invalid_client") // the client is gone
}

// TestControlLimits checks GET and PUT /_sandbox/limits: a PUT changes only
// the fields it names, and off lifts every throttle.
func TestControlLimits(t *testing.T) {
	e := newEnv(t)
	var l map[string]any
	e.control("PUT", "/_sandbox/limits", map[string]any{"access_tokens_per_window": 3}, http.StatusOK, &l)
	if l["access_tokens_per_window"] != float64(3) || l["active_access_tokens_per_refresh_token"] != float64(15) {
		t.Fatalf("limits after a partial PUT: %v", l)
	}
	c := e.selfClient("us")
	rt := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
	for range 3 {
		e.mustRefresh(c, rt)
	}
	wantAccessDenied(t, e.refresh(c, rt))
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, http.StatusOK, nil)
	for range 30 {
		e.mustRefresh(c, rt)
	}
	for range 15 {
		e.code(c, peopleScope, 0)
	}
}

// TestControlState checks that the state shows clients, every token with
// its details, call counts and the People and Recruit records.
func TestControlState(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("us")
	code := e.code(c, peopleScope+",ZohoRecruit.modules.all", 5)
	r := e.mustExchange(c, code)
	at := e.mustRefresh(c, r.RefreshToken)
	e.call("POST", "/us/accounts/oauth/v2/token/revoke?token="+url.QueryEscape(at), nil)
	e.control("POST", "/_sandbox/people/employees", map[string]any{"dc": "us", "records": []map[string]string{
		{"EmployeeID": "E1", "FirstName": "Ada", "LastName": "L", "EmailID": "ada@example.test"},
	}}, http.StatusOK, nil)
	e.control("POST", "/_sandbox/recruit/candidates", map[string]any{"dc": "us", "records": []map[string]string{
		{"First_Name": "Bo", "Last_Name": "K", "Email": "bo@example.test"},
	}}, http.StatusOK, nil)

	st := e.state()
	if len(st.Clients) != 1 || st.Clients[0].ClientID != c.ID || st.Clients[0].ClientType != "self" || st.Clients[0].DC != "us" {
		t.Errorf("clients %+v", st.Clients)
	}
	if len(st.Tokens.Grant) != 1 || !st.Tokens.Grant[0].Used || st.Tokens.Grant[0].Token != code ||
		st.Tokens.Grant[0].Expires.Sub(st.Tokens.Grant[0].Issued) != 5*time.Minute {
		t.Errorf("grant tokens %+v", st.Tokens.Grant)
	}
	if len(st.Tokens.Refresh) != 1 || st.Tokens.Refresh[0].Token != r.RefreshToken || st.Tokens.Refresh[0].Expires != nil ||
		st.Tokens.Refresh[0].ClientID != c.ID || st.Tokens.Refresh[0].User != "admin@us.sandbox.test" {
		t.Errorf("refresh tokens %+v", st.Tokens.Refresh)
	}
	if len(st.Tokens.Access) != 2 {
		t.Fatalf("access tokens %+v", st.Tokens.Access)
	}
	for _, a := range st.Tokens.Access {
		if a.DC != "us" || a.ClientID != c.ID || a.Refresh != r.RefreshToken || len(a.Scopes) != 2 ||
			a.Expires.Sub(a.Issued) != time.Hour || a.Revoked != (a.Token == at) {
			t.Errorf("access token %+v", a)
		}
	}
	if st.Calls["accounts.token"] != 2 || st.Calls["accounts.revoke"] != 1 {
		t.Errorf("calls %v", st.Calls)
	}
	var us = st.DataCentres[0]
	if us.Location != "us" || len(us.Orgs) != 1 || len(us.Orgs[0].People["employee"]) != 1 || len(us.Orgs[0].Candidates) != 1 {
		t.Errorf("US organisations %+v", us.Orgs)
	}
	if len(st.DataCentres) != 9 {
		t.Errorf("%d data centres, want 9", len(st.DataCentres))
	}
}

// TestControlUsersAndOrgs: a user in two organisations chooses one on the
// consent page, and the Self Client issues for a named organisation; the
// tokens then act on that organisation's records only.
func TestControlUsersAndOrgs(t *testing.T) {
	e := newEnv(t)
	var acme struct {
		ID string `json:"id"`
	}
	e.control("POST", "/_sandbox/orgs", map[string]any{"dc": "us", "name": "Acme", "users": []string{"admin@us.sandbox.test"}}, http.StatusOK, &acme)
	var u struct {
		Email string `json:"email"`
		Orgs  []struct {
			ID string `json:"id"`
		} `json:"orgs"`
	}
	e.control("POST", "/_sandbox/users", map[string]any{"dc": "us", "email": "HR@Acme.test", "password": "s3cret", "orgs": []string{"Acme", "Default organisation"}}, http.StatusOK, &u)
	if u.Email != "hr@acme.test" || len(u.Orgs) != 2 || u.Orgs[0].ID != acme.ID {
		t.Fatalf("user %+v", u)
	}

	// Redirect flow as the new user, choosing Acme.
	w := e.webClient("us", false)
	b := e.browser()
	p := b.get(e.accounts("us") + "/oauth/v2/auth?response_type=code&scope=" + peopleScope + "&client_id=" + w.ID + "&redirect_uri=" + url.QueryEscape(redirectURI))
	p = b.signIn("us", p, "hr@acme.test", "s3cret")
	if !strings.Contains(p.body, `<option value="`+acme.ID+`"`) {
		t.Fatalf("the consent page offers no choice of organisation:\n%s", p.body)
	}
	p = b.post("/us/accounts/oauth/v2/auth", url.Values{"q": {p.formQuery(t)}, "decision": {"accept"}, "org": {acme.ID}})
	code := callback(t, p).Query().Get("code")
	r := e.postToken("us", url.Values{"grant_type": {"authorization_code"}, "client_id": {w.ID}, "client_secret": {w.Secret}, "code": {code}, "redirect_uri": {redirectURI}})
	if r.AccessToken == "" {
		t.Fatal(r.Raw)
	}

	// Self Client code for Acme by name.
	c := e.selfClient("us")
	var out struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ID, "scope": peopleScope, "org": "acme"}, http.StatusOK, &out)
	sc := e.mustExchange(c, out.Code)

	for _, tok := range []string{r.AccessToken, sc.AccessToken} {
		st := e.state()
		for _, a := range st.Tokens.Access {
			if a.Token == tok && a.Org != acme.ID {
				t.Errorf("token of %s issued for organisation %s, want Acme %s", a.User, a.Org, acme.ID)
			}
		}
	}
	e.controlErrors("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ID, "scope": peopleScope, "org": "Nowhere"}, http.StatusBadRequest)
}

// TestControlClockFreeze: a frozen clock moves only when told, and carries on
// from there once thawed.
func TestControlClockFreeze(t *testing.T) {
	e := newEnv(t)
	type clock struct {
		Now    time.Time `json:"now"`
		Frozen bool      `json:"frozen"`
	}
	var a, b, c, d clock
	e.control("POST", "/_sandbox/clock", map[string]any{"freeze": true}, http.StatusOK, &a)
	time.Sleep(20 * time.Millisecond)
	e.control("GET", "/_sandbox/clock", nil, http.StatusOK, &b)
	if !a.Frozen || !b.Now.Equal(a.Now) {
		t.Fatalf("frozen clock moved from %v to %v", a.Now, b.Now)
	}
	e.control("POST", "/_sandbox/clock", map[string]any{"advance_seconds": 10}, http.StatusOK, &c)
	if got := c.Now.Sub(a.Now); got != 10*time.Second {
		t.Errorf("advance 10 s on a frozen clock moved it %v", got)
	}
	e.control("POST", "/_sandbox/clock", map[string]any{"freeze": false}, http.StatusOK, &d)
	if d.Frozen || d.Now.Before(c.Now) || d.Now.Sub(c.Now) > time.Minute {
		t.Errorf("thawed at %v after %v (frozen %v): the clock must carry on from where it stood", d.Now, c.Now, d.Frozen)
	}
}
