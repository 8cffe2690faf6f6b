package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/internal/testenv"
	"hrconnect/web"
)

// TestFirstRunSetup: with no tenant every page leads to /setup; the form
// refuses a short password, then creates the company and its administrator,
// signs them in with a well-made cookie, and cannot be run twice.
func TestFirstRunSetup(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.client()
	for _, p := range []string{"/", "/integrations", "/connections/con_x", "/signin"} {
		res := b.get(p)
		wantStatus(t, res, http.StatusSeeOther, b.last)
		if loc := res.Header.Get("Location"); loc != "/setup" {
			t.Errorf("GET %s before setup goes to %q, want /setup", p, loc)
		}
	}
	res := b.get("/setup")
	wantStatus(t, res, http.StatusOK, b.last)

	form := url.Values{"company": {"Acme"}, "name": {"Ada"}, "email": {"ada@acme.test"}, "password": {"short"}}
	res = b.post("/setup", form)
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantContains(t, b.last, "at least 12 characters")

	password := "correct horse battery"
	a.secrets.add(password)
	form.Set("password", password)
	res = b.post("/setup", form)
	wantStatus(t, res, http.StatusSeeOther, b.last)
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == web.SessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("setup did not sign the administrator in")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || len(session.Value) < 43 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over http, 32 random bytes", session)
	}
	// Only the hash of the token is stored.
	if _, err := a.db.Session(testContext(t), session.Value); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		t.Errorf("the session is stored under its cookie's token itself (err %v)", err)
	}

	res = b.get("/integrations")
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, "Zoho People", "Not connected", "Ada")
	u, _, err := a.db.UserByEmail(testContext(t), "ada@acme.test")
	must(t, err)
	if !u.Can(hrconnect.PermIntegrations) {
		t.Error("the first administrator lacks Integrations Management")
	}

	// Setup is over: another attempt is refused, whoever sends it.
	other := a.client()
	res = other.post("/setup", url.Values{"company": {"Evil"}, "name": {"Eve"}, "email": {"eve@evil.test"}, "password": {"long enough password"}})
	if res.StatusCode == http.StatusSeeOther || res.StatusCode == http.StatusOK {
		t.Errorf("a second setup answered %d", res.StatusCode)
	}
	if n, _ := a.db.TenantCount(testContext(t)); n != 1 {
		t.Errorf("%d tenants after a second setup, want 1", n)
	}

	// Signing out ends the session on the server too.
	res = b.post("/signout", nil)
	wantStatus(t, res, http.StatusSeeOther, b.last)
	replay := a.client()
	replay.c.Jar.SetCookies(mustURL(t, a.url), []*http.Cookie{{Name: web.SessionCookie, Value: session.Value}})
	res = replay.get("/integrations")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
		t.Errorf("a signed-out session's cookie still works: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestSecureCookie: with an https base URL the session cookie is Secure.
func TestSecureCookie(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *web.Deps) { d.BaseURL = "https://hr.example.test" })
	_, _, password := a.user(nil, "ada@acme.test", true)
	b := a.client()
	res := b.post("/signin", url.Values{"email": {"ada@acme.test"}, "password": {password}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	found := false
	for _, c := range res.Cookies() {
		if c.Name == web.SessionCookie {
			found = true
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %+v: want Secure, HttpOnly, SameSite=Lax", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

// TestSigninRateLimit: wrong passwords are refused with 401, and past the
// limit even the right one gets a clear 429.
func TestSigninRateLimit(t *testing.T) {
	t.Parallel()
	// A stopped clock: no attempt comes back while the test runs, however
	// slow the machine.
	start := time.Now()
	var offset atomic.Int64
	a := newApp(t, func(d *web.Deps) { d.Now = func() time.Time { return start.Add(time.Duration(offset.Load())) } })
	_, _, password := a.user(nil, "ada@acme.test", true)
	b := a.client()
	for i := range 5 {
		res := b.post("/signin", url.Values{"email": {"ada@acme.test"}, "password": {"wrong password " + string(rune('a'+i))}})
		wantStatus(t, res, http.StatusUnauthorized, b.last)
		wantContains(t, b.last, "The email or password is not right.")
	}
	res := b.post("/signin", url.Values{"email": {"ADA@acme.test"}, "password": {password}})
	wantStatus(t, res, http.StatusTooManyRequests, b.last)
	wantContains(t, b.last, "Too many attempts; try again in a minute")

	// Other emails from the same address are limited too, past 20.
	for i := range 16 {
		b.post("/signin", url.Values{"email": {"nobody" + string(rune('a'+i)) + "@acme.test"}, "password": {"x"}})
	}
	_, _, p2 := a.user(nil, "bob@globex.test", true)
	res = b.post("/signin", url.Values{"email": {"bob@globex.test"}, "password": {p2}})
	wantStatus(t, res, http.StatusTooManyRequests, b.last)

	// A minute later, as the message says, the right password works.
	offset.Store(int64(time.Minute))
	res = b.post("/signin", url.Values{"email": {"ada@acme.test"}, "password": {password}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
}

// TestCrossSitePostRefused: a POST a browser marks as cross-site, or whose
// Origin is another site, is refused before any handler runs.
func TestCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, password := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", password)
	id, secret := a.selfClient("eu")
	form := url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "code": {a.code(id)}}

	b.hdr.Set("Sec-Fetch-Site", "cross-site")
	res := b.post("/integrations/zoho_people/token", form)
	wantStatus(t, res, http.StatusForbidden, b.last)
	res = b.post("/signout", nil)
	wantStatus(t, res, http.StatusForbidden, b.last)

	b.hdr = http.Header{"Origin": {"http://evil.example"}}
	res = b.post("/integrations/zoho_people/token", form)
	wantStatus(t, res, http.StatusForbidden, b.last)

	conns := a.allConnections()
	if len(conns) != 0 {
		t.Errorf("a cross-site POST made %d connections", len(conns))
	}
	// The REST API takes no cookies, so it is not held to the check (its key
	// is what it checks).
	res = b.post("/api/v1/connections", url.Values{})
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a keyless cross-site POST to the REST API: %d %s, want the API's own 401", res.StatusCode, b.last)
	}
	// The same request from the site itself works.
	b.hdr = http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {a.url}}
	res = b.post("/integrations/zoho_people/token", form)
	wantStatus(t, res, http.StatusOK, b.last)
}

var connectionLink = regexp.MustCompile(`/connections/(con_[a-z0-9]+)`)

// connectWithToken connects Zoho People through the secure token form and
// returns the connection's ID.
func (b *browser) connectWithToken(dc string) string {
	b.t.Helper()
	id, secret := b.a.selfClient(dc)
	res := b.post("/integrations/zoho_people/token", url.Values{"name": {"Zoho People " + dc}, "dc": {dc}, "client_id": {id}, "client_secret": {secret}, "code": {b.a.code(id)}})
	wantStatus(b.t, res, http.StatusOK, b.last)
	m := connectionLink.FindStringSubmatch(b.last)
	if m == nil {
		b.t.Fatalf("no connection link on the token result:\n%s", clip(b.last))
	}
	return m[1]
}

// TestTokenForm: the secure token form exchanges a Self Client code, shows
// the tokens once on a no-store page, saves the refresh token into the
// connection (the tile turns Connected), and no other page or log line
// shows a secret.
func TestTokenForm(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, password := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", password)

	res := b.get("/integrations?q=zoho")
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, "Zoho People", "Zoho Recruit", "Not connected")
	b.get("/integrations?q=recruit")
	if strings.Contains(b.last, "Zoho People") {
		t.Error("searching for recruit still shows Zoho People")
	}

	res = b.get("/integrations/zoho_people/token")
	wantStatus(t, res, http.StatusOK, b.last)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("GET token page: Cache-Control %q, want no-store", cc)
	}
	wantContains(t, b.last, "ZOHOPEOPLE.forms.ALL", "Self Client", "10 minutes", a.sbURL+"/console/")

	id, secret := a.selfClient("eu")
	code := a.code(id)
	res = b.post("/integrations/zoho_people/token", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "code": {code}})
	wantStatus(t, res, http.StatusOK, b.last)
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST token page: Cache-Control %q, want no-store", cc)
	}
	refresh, access := a.sandboxTokens()
	if len(refresh) != 1 || len(access) != 1 {
		t.Fatalf("sandbox issued %d refresh and %d access tokens, want 1 each", len(refresh), len(access))
	}
	a.secrets.add(refresh[0].Token, access[0].Token)
	wantContains(t, b.last, refresh[0].Token, access[0].Token, "saved into the connection", "only this once")
	if strings.Contains(b.last, secret) || strings.Contains(b.last, code) {
		t.Error("the token result shows the client secret or the code")
	}
	connID := connectionLink.FindStringSubmatch(b.last)[1]

	// The refresh token is in the connection, not just on the page.
	creds, err := a.db.Credentials(testContext(t), hrconnect.CredentialKey{TenantID: mustConn(t, a, connID).TenantID, ConnectionID: connID})
	must(t, err)
	if creds.RefreshToken != refresh[0].Token || creds.ClientSecret != secret {
		t.Error("the connection does not hold the refresh token and client secret")
	}

	// Every other page: no secret (checkBody does it on each response).
	b.get("/integrations")
	wantContains(t, b.last, `id="state-zoho_people">Connected`)
	b.get("/connections/" + connID)
	wantContains(t, b.last, "Connected", id, "eu", "ZOHOPEOPLE.forms.ALL")
	b.get("/connections")
	b.get("/audit")
	wantContains(t, b.last, "connection.created", "ada")
	// A second connection with the same name is refused before the code is
	// spent at Zoho.
	res = b.post("/integrations/zoho_people/token", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "code": {a.code(id)}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantContains(t, b.last, "There is already a connection called Zoho People", "another name")
	if refresh, _ := a.sandboxTokens(); len(refresh) != 1 {
		t.Errorf("%d refresh tokens issued after a refused duplicate, want 1", len(refresh))
	}
	// Reloading the form shows nothing of the previous exchange.
	b.get("/integrations/zoho_people/token")
	for _, s := range a.secrets.all() {
		if strings.Contains(b.last, s) {
			t.Errorf("the token form shows %q again", s)
		}
	}
}

func mustConn(t *testing.T, a *app, id string) *hrconnect.Connection {
	t.Helper()
	conns := a.allConnections()
	for _, c := range conns {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no connection %s", id)
	return nil
}

// TestTokenFormErrors: a wrong code, the wrong data centre and a wrong secret
// each re-render the form (422) with Zoho's resolution, and save nothing.
func TestTokenFormErrors(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, password := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", password)
	id, secret := a.selfClient("eu")
	a.secrets.add("1000.not-a-real-code")

	cases := []struct {
		name  string
		form  url.Values
		want  string
		field string // the field the message is shown at
	}{
		{"wrong code", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "code": {"1000.not-a-real-code"}},
			"Start the connection again and complete it promptly", "code"},
		{"wrong data centre", url.Values{"dc": {"us"}, "client_id": {id}, "client_secret": {secret}, "code": {a.code(id)}},
			"registered in the data centre chosen here", "client_secret"},
		{"wrong secret", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret + "x"}, "code": {a.code(id)}},
			"Check both in the Zoho API Console", "client_secret"},
		{"no code", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}},
			"Enter the authorisation code", "code"},
	}
	a.secrets.add(secret + "x")
	for _, c := range cases {
		res := b.post("/integrations/zoho_people/token", c.form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", c.name, res.StatusCode)
		}
		wantContains(t, b.last, c.want, `<p class="field-error" id="`+c.field+`-error">`, `aria-describedby="`+c.field+`-error"`)
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", c.name, cc)
		}
		// The entered client ID comes back; the secret and code do not.
		wantContains(t, b.last, id)
		if strings.Contains(b.last, secret) || strings.Contains(b.last, c.form.Get("code")) && c.form.Get("code") != "" {
			t.Errorf("%s: the re-rendered form holds the secret or the code", c.name)
		}
	}
	conns := a.allConnections()
	if len(conns) != 0 {
		t.Errorf("%d connections saved from failed forms", len(conns))
	}
}

// TestEnableThisIntegration: a refresh token is checked with Zoho before it
// is saved; a wrong one shows the resolution next to the field.
func TestEnableThisIntegration(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, password := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", password)
	id, secret := a.selfClient("eu")
	// A refresh token made outside hrconnect: exchange the code by hand.
	var tok map[string]any
	res, err := http.PostForm(a.sbURL+"/eu/accounts/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {id}, "client_secret": {secret}, "code": {a.code(id)}})
	must(t, err)
	must(t, decodeJSON(res, &tok))
	refresh, _ := tok["refresh_token"].(string)
	a.secrets.add(refresh, tok["access_token"].(string))

	wrong := "1000.0123456789abcdef.0123456789abcdef"
	a.secrets.add(wrong)
	res = b.post("/integrations/zoho_people/enable", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "refresh_token": {wrong}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantContains(t, b.last, "Reconnect the Zoho account", `class="field-error"`)

	res = b.post("/integrations/zoho_people/enable", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "refresh_token": {refresh}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	loc := res.Header.Get("Location")
	b.get(loc)
	wantContains(t, b.last, "is connected", "Connected")
	b.get("/integrations")
	wantContains(t, b.last, `id="state-zoho_people">Connected`)
}

// TestTenantIsolation: another tenant's connection cannot be seen, listed,
// reconnected or deleted through the pages: it is simply not found.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	_, _, pe := a.user(nil, "eve@evil.test", true)
	ada := a.signedIn("ada@acme.test", pa)
	connID := ada.connectWithToken("eu")

	eve := a.signedIn("eve@evil.test", pe)
	for _, p := range []string{"/connections/" + connID, "/integrations/zoho_people/token?connection=" + connID, "/integrations/zoho_people/authorize?connection=" + connID} {
		res := eve.get(p)
		wantStatus(t, res, http.StatusNotFound, eve.last)
	}
	res := eve.post("/connections/"+connID+"/delete", url.Values{"confirm": {"yes"}})
	wantStatus(t, res, http.StatusNotFound, eve.last)
	res = eve.post("/integrations/zoho_people/enable", url.Values{"connection": {connID}, "refresh_token": {"x"}})
	wantStatus(t, res, http.StatusNotFound, eve.last)
	eve.get("/connections")
	if strings.Contains(eve.last, connID) {
		t.Error("another tenant's connection is listed")
	}
	eve.get("/integrations")
	wantContains(t, eve.last, `id="state-zoho_people">Not connected`)
	mustConn(t, a, connID) // still there
}

// TestWithoutIntegrationsManagement: a user without the permission sees the
// pages read-only and gets 403 on every change.
func TestWithoutIntegrationsManagement(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	_, _, pb := a.user(tenant, "bob@acme.test", false)
	connID := a.signedIn("ada@acme.test", pa).connectWithToken("eu")

	bob := a.signedIn("bob@acme.test", pb)
	res := bob.get("/connections/" + connID)
	wantStatus(t, res, http.StatusOK, bob.last)
	wantContains(t, bob.last, `id="readonly"`)
	if strings.Contains(bob.last, `id="disconnect"`) {
		t.Error("the disconnect button is offered without the permission")
	}
	for _, form := range []string{"token", "enable", "authorize"} {
		bob.get("/integrations/zoho_people/" + form)
		wantContains(t, bob.last, `id="readonly"`, `<fieldset class="plain" disabled>`)
	}

	id, secret := a.selfClient("eu")
	posts := map[string]url.Values{
		"/integrations/zoho_people/token":     {"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "code": {a.code(id)}},
		"/integrations/zoho_people/enable":    {"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "refresh_token": {"1000.x"}},
		"/integrations/zoho_people/authorize": {"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}},
		"/connections/" + connID + "/delete":  {"confirm": {"yes"}},
		"/users":                              {"name": {"Mallory"}, "email": {"m@acme.test"}, "password": {"long enough password"}, "integrations": {"yes"}},
		"/services":                           {"name": {"CRM"}, "key": {"crm"}, "auth_type": {"api_key"}, "param_type": {"header"}, "param_name": {"X-Key"}, "base_urls": {"https://crm.example.test"}},
	}
	for p, form := range posts {
		res := bob.post(p, form)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without the permission: %d, want 403", p, res.StatusCode)
		}
		wantContains(t, bob.last, "Integrations Management")
		if strings.Contains(p, "/token") && res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("POST %s refused without no-store: %q", p, res.Header.Get("Cache-Control"))
		}
	}
	conns := a.allConnections()
	if len(conns) != 1 {
		t.Errorf("%d connections after forbidden requests, want 1", len(conns))
	}
}

// TestDisconnect: disconnecting asks for confirmation, revokes the refresh
// token at Zoho, removes the connection and records it in the audit log.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	connID := b.connectWithToken("eu")
	refresh, access := a.sandboxTokens()
	a.secrets.add(refresh[0].Token, access[0].Token)

	res := b.post("/connections/"+connID+"/delete", nil)
	wantStatus(t, res, http.StatusBadRequest, b.last)
	wantContains(t, b.last, "Tick the box")

	res = b.post("/connections/"+connID+"/delete", url.Values{"confirm": {"yes"}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	if refresh, _ := a.sandboxTokens(); !refresh[0].Revoked {
		t.Error("the refresh token was not revoked at Zoho")
	}
	b.get("/integrations")
	wantContains(t, b.last, "is disconnected", `id="state-zoho_people">Not connected`)
	res = b.get("/connections/" + connID)
	wantStatus(t, res, http.StatusNotFound, b.last)
	b.get("/audit")
	wantContains(t, b.last, "connection.deleted")
}

// TestUsersPage: an administrator adds users with and without Integrations
// Management; they can sign in; a taken email is refused.
func TestUsersPage(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	pw := "a long password for bob"
	a.secrets.add(pw)
	res := b.post("/users", url.Values{"name": {"Bob"}, "email": {"bob@acme.test"}, "password": {pw}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	res = b.post("/users", url.Values{"name": {"Bob 2"}, "email": {"BOB@acme.test"}, "password": {pw}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantContains(t, b.last, "already has an account")
	b.get("/users")
	wantContains(t, b.last, "bob@acme.test")
	bob := a.signedIn("bob@acme.test", pw)
	res = bob.post("/users", url.Values{"name": {"C"}, "email": {"c@acme.test"}, "password": {pw}})
	wantStatus(t, res, http.StatusForbidden, bob.last)
	b.get("/audit")
	wantContains(t, b.last, "user.created", "without Integrations Management")

	// Ada gives Bob the permission; nobody takes it from themselves.
	bobUser, _, err := a.db.UserByEmail(testContext(t), "bob@acme.test")
	must(t, err)
	res = b.post("/users/"+bobUser.ID+"/permissions", url.Values{"integrations": {"yes"}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	res = bob.post("/users/"+bobUser.ID+"/permissions", url.Values{"integrations": {"no"}})
	wantStatus(t, res, http.StatusConflict, bob.last)
	wantContains(t, bob.last, "cannot take Integrations Management away from yourself")
	res = bob.post("/users", url.Values{"name": {"Cy"}, "email": {"cy@acme.test"}, "password": {pw}})
	wantStatus(t, res, http.StatusSeeOther, bob.last)
	// Another tenant's user cannot be changed.
	eveUser, _, _ := a.user(nil, "eve@evil.test", false)
	res = b.post("/users/"+eveUser.ID+"/permissions", url.Values{"integrations": {"yes"}})
	wantStatus(t, res, http.StatusNotFound, b.last)
}

// TestCustomService: a custom API-key service is validated, listed as a
// marketplace tile, and connected with its key.
func TestCustomService(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	form := url.Values{"name": {"Acme CRM"}, "key": {"acme_crm"}, "auth_type": {"api_key"}, "param_type": {"header"}, "param_name": {"X-API-Key"}, "base_urls": {"ftp://crm"}}
	res := b.post("/services", form)
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	form.Set("base_urls", "https://crm.example.test/api")
	res = b.post("/services", form)
	wantStatus(t, res, http.StatusSeeOther, b.last)
	b.get("/integrations?q=crm")
	wantContains(t, b.last, "Acme CRM", `id="state-acme_crm">Not connected`)
	key := "crm-key-5b1e9"
	a.secrets.add(key)
	res = b.post("/services/acme_crm/connect", url.Values{"name": {"CRM"}, "api_key": {key}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	b.get("/integrations?q=crm")
	wantContains(t, b.last, `id="state-acme_crm">Connected`)
}

// TestNeedsAttention: a connection Zoho refused shows "Needs attention" on
// its tile, and its page shows the error with its resolution and the ways to
// reconnect.
func TestNeedsAttention(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	connID := b.connectWithToken("eu")
	c := mustConn(t, a, connID)
	c.Status = hrconnect.StatusNeedsReconnect
	c.LastError = "Zoho refused the refresh token: it was revoked, or it is wrong."
	c.LastResolution = "Reconnect the Zoho account to authorise hrconnect again."
	c.LastErrorAt = c.CreatedAt
	must(t, a.db.UpdateConnection(testContext(t), c))

	b.get("/integrations")
	wantContains(t, b.last, `id="state-zoho_people">Needs attention`)
	b.get("/connections/" + connID)
	wantContains(t, b.last, "Needs attention", c.LastError, c.LastResolution,
		"/integrations/zoho_people/token?connection="+connID, "/integrations/zoho_people/authorize?connection="+connID)

	// Reconnecting with a new code through the token form brings it back.
	id := c.ClientID
	res := b.post("/integrations/zoho_people/token", url.Values{"connection": {connID}, "code": {a.code(id)}})
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, "which works again")
	if got := mustConn(t, a, connID); got.Status != hrconnect.StatusConnected || got.LastError != "" {
		t.Errorf("after reconnecting: status %s, last error %q", got.Status, got.LastError)
	}
	b.get("/audit")
	wantContains(t, b.last, "connection.reconnected")
}

// TestCallbackWithoutSession: Zoho's redirect reaching a browser that is not
// signed in is refused on the spot, not sent through the sign-in page with
// the code in its URL.
func TestCallbackWithoutSession(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	b := a.client()
	a.user(nil, "ada@acme.test", true)
	res := b.get(web.CallbackPath + "?code=1000.abc&state=xyz&location=eu")
	wantStatus(t, res, http.StatusUnauthorized, b.last)
	wantContains(t, b.last, "session ended before Zoho sent you back")
	if res.Header.Get("Location") != "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Location %q, Cache-Control %q", res.Header.Get("Location"), res.Header.Get("Cache-Control"))
	}
}

var apiKeyRE = regexp.MustCompile(`id="api-key">(hrc_[A-Za-z0-9_-]+)<`)

// TestAPIKeys: an administrator makes a REST API key on the pages; it is
// shown once (no-store), works against the mounted API, is listed by its
// prefix only, and stops working when deleted.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	_, _, pb := a.user(tenant, "bob@acme.test", false)
	b := a.signedIn("ada@acme.test", pa)
	res := b.post("/api-keys", url.Values{"name": {""}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	res = b.post("/api-keys", url.Values{"name": {"ATS production"}})
	wantStatus(t, res, http.StatusOK, b.last)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the new key's page is cacheable: %q", res.Header.Get("Cache-Control"))
	}
	m := apiKeyRE.FindStringSubmatch(b.last)
	if m == nil {
		t.Fatalf("no key shown:\n%s", clip(b.last))
	}
	key := m[1]
	a.secrets.add(key)

	call := func() int {
		req, _ := http.NewRequest(http.MethodGet, a.url+"/api/v1/connections", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	if got := call(); got != http.StatusOK {
		t.Errorf("GET /api/v1/connections with the new key: %d", got)
	}
	b.get("/api-keys")
	wantContains(t, b.last, "ATS production", key[:12])
	id := regexp.MustCompile(`/api-keys/([^/"]+)/delete`).FindStringSubmatch(b.last)
	if id == nil {
		t.Fatal("no delete button")
	}
	bob := a.signedIn("bob@acme.test", pb)
	res = bob.post("/api-keys/"+id[1]+"/delete", nil)
	wantStatus(t, res, http.StatusForbidden, bob.last)
	res = b.post("/api-keys/"+id[1]+"/delete", nil)
	wantStatus(t, res, http.StatusSeeOther, b.last)
	if got := call(); got != http.StatusUnauthorized {
		t.Errorf("the deleted key still answers %d", got)
	}
	b.get("/audit")
	wantContains(t, b.last, "api_key.created", "api_key.deleted")
}

// TestOnPostgres: the pages work the same on PostgreSQL: setup, the token
// form, the tile, tenant isolation and the redirect flow's single-use state.
func TestOnPostgres(t *testing.T) {
	t.Parallel()
	a := newAppOn(t, testenv.Postgres(t))
	b := a.client()
	password := "a postgres password"
	a.secrets.add(password)
	res := b.post("/setup", url.Values{"company": {"Acme"}, "name": {"Ada"}, "email": {"ada@acme.test"}, "password": {password}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	connID := b.connectWithToken("eu")
	refresh, access := a.sandboxTokens()
	a.secrets.add(refresh[0].Token, access[0].Token)
	b.get("/integrations")
	wantContains(t, b.last, `id="state-zoho_people">Connected`)

	_, _, pe := a.user(nil, "eve@evil.test", true)
	eve := a.signedIn("eve@evil.test", pe)
	res = eve.get("/connections/" + connID)
	wantStatus(t, res, http.StatusNotFound, eve.last)

	id, secret := a.webClient("eu")
	back := a.consent(b.startRedirect("eu", id, secret), "eu", "accept")
	res = b.get(back)
	wantStatus(t, res, http.StatusSeeOther, b.last)
	res = b.get(back)
	wantStatus(t, res, http.StatusBadRequest, b.last)
	wantContains(t, b.last, "already been used")
	refresh, access = a.sandboxTokens()
	for _, tok := range append(refresh, access...) {
		a.secrets.add(tok.Token)
	}
}

// section returns the part of a connections page under the heading that
// starts with h, up to the next heading.
func section(body, h string) string {
	i := strings.Index(body, "<h2>"+h)
	if i < 0 {
		return ""
	}
	rest := body[i+4:]
	if j := strings.Index(rest, "<h2>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestSharedConnection: a connection set to "use credentials of login user"
// is the owner's own; once a colleague authorises it with their own account,
// it is listed as shared with them.
func TestSharedConnection(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	_, _, pb := a.user(tenant, "bob@acme.test", true)
	ada := a.signedIn("ada@acme.test", pa)
	id, secret := a.selfClient("eu")
	res := ada.post("/integrations/zoho_people/token", url.Values{"dc": {"eu"}, "client_id": {id}, "client_secret": {secret}, "code": {a.code(id)}, "per_user": {"yes"}})
	wantStatus(t, res, http.StatusOK, ada.last)
	connID := connectionLink.FindStringSubmatch(ada.last)[1]
	refresh, access := a.sandboxTokens()
	a.secrets.add(refresh[0].Token, access[0].Token)
	if !mustConn(t, a, connID).PerUser {
		t.Fatal("the connection does not use each user's credentials")
	}

	bob := a.signedIn("bob@acme.test", pb)
	bob.get("/connections")
	if !strings.Contains(section(bob.last, "Other connections"), connID) || strings.Contains(section(bob.last, "Shared with me"), connID) {
		t.Errorf("before authorising, the connection is not among the others:\n%s", clip(bob.last))
	}
	bob.get("/connections/" + connID)
	wantContains(t, bob.last, "Authorise with your own Zoho account", "Each user")
	res = bob.post("/integrations/zoho_people/token", url.Values{"connection": {connID}, "client_secret": {secret}, "code": {a.code(id)}})
	wantStatus(t, res, http.StatusOK, bob.last)
	refresh, access = a.sandboxTokens()
	for _, tok := range append(refresh, access...) {
		a.secrets.add(tok.Token)
	}
	bob.get("/connections")
	if !strings.Contains(section(bob.last, "Shared with me"), connID) {
		t.Errorf("after authorising, the connection is not shared with Bob:\n%s", clip(bob.last))
	}
	ada.get("/connections")
	if !strings.Contains(section(ada.last, "My connections"), connID) {
		t.Errorf("the connection is not among Ada's own:\n%s", clip(ada.last))
	}
}

// TestInternalError: a failure of the database is a 500 page that says
// nothing of its cause, which goes to the log instead.
func TestInternalError(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	b.get("/integrations") // first-run is over, remembered
	must(t, a.db.Close())
	res := b.get("/integrations")
	wantStatus(t, res, http.StatusInternalServerError, b.last)
	wantContains(t, b.last, "Something went wrong on our side")
	for _, leak := range []string{"sql", "closed", "database"} {
		if strings.Contains(strings.ToLower(b.last), leak) {
			t.Errorf("the 500 page mentions %q", leak)
		}
	}
	if !strings.Contains(a.logs.String(), `"msg":"request failed"`) {
		t.Error("the internal error was not logged")
	}
}

// TestSessionExpires: a session past its lifetime no longer signs anyone in.
func TestSessionExpires(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *web.Deps) { d.SessionTTL = 50 * time.Millisecond })
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	time.Sleep(100 * time.Millisecond)
	res := b.get("/integrations")
	wantStatus(t, res, http.StatusSeeOther, b.last)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/signin?next=") {
		t.Errorf("an expired session went to %q, want the sign-in page", loc)
	}
	res = b.post("/users", url.Values{"name": {"X"}})
	wantStatus(t, res, http.StatusUnauthorized, b.last)
}

// TestZohoRecruit: Zoho Recruit connects through the same token form, with
// its own scope, and its tile turns Connected while People's does not.
func TestZohoRecruit(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	res := b.get("/integrations/zoho_recruit/token")
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, "ZohoRecruit.modules.candidate.ALL")
	id, secret := a.selfClient("in")
	res = b.post("/integrations/zoho_recruit/token", url.Values{"dc": {"in"}, "client_id": {id}, "client_secret": {secret}, "code": {a.codeFor(id, "ZohoRecruit.modules.candidate.ALL")}})
	wantStatus(t, res, http.StatusOK, b.last)
	refresh, access := a.sandboxTokens()
	a.secrets.add(refresh[0].Token, access[0].Token)
	connID := connectionLink.FindStringSubmatch(b.last)[1]
	if c := mustConn(t, a, connID); c.Service != hrconnect.ServiceZohoRecruit || c.DataCentre != "in" {
		t.Errorf("connection %+v", c)
	}
	b.get("/integrations")
	wantContains(t, b.last, `id="state-zoho_recruit">Connected`, `id="state-zoho_people">Not connected`)

	// Its candidates are imported as applicants from the connection's page:
	// the hired ones, one per email address.
	must(t, a.onb.PutApplicant(testContext(t), &hrconnect.Applicant{TenantID: mustConn(t, a, connID).TenantID, ApplicantID: "A-1",
		FirstName: "Grace", Surname: "Hopper", Email: "grace@acme.test"}))
	var seeded struct{ IDs []string }
	a.sandboxJSON("/_sandbox/recruit/candidates", map[string]any{"dc": "in", "records": []map[string]string{
		{"First_Name": "Alan", "Last_Name": "Turing", "Email": "alan@acme.test", "Candidate_Status": "Hired"},
		{"First_Name": "Grace", "Last_Name": "Hopper", "Email": "GRACE@acme.test", "Candidate_Status": "Hired"},
		{"First_Name": "Edsger", "Last_Name": "Dijkstra", "Email": "edsger@acme.test", "Candidate_Status": "Rejected"},
	}}, &seeded)
	b.get("/connections/" + connID)
	wantContains(t, b.last, `id="import-form"`, `name="status" value="Hired"`)
	res = b.post("/connections/"+connID+"/import", url.Values{"status": {"Hired"}})
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, "2 candidates read", "<strong>1 new</strong>", "1 duplicate,", "Alan Turing", "GRACE@acme.test", "Applicant A-1 already has this email address")
	apps, err := a.onb.Applicants(testContext(t), mustConn(t, a, connID).TenantID)
	must(t, err)
	if len(apps) != 2 {
		t.Fatalf("%d applicants after the import, want Grace and the imported Alan", len(apps))
	}
	// Bad criteria are refused with Recruit's reason, and nothing is imported.
	res = b.post("/connections/"+connID+"/import", url.Values{"status": {"Hired"}, "criteria": {"not criteria"}})
	if res.StatusCode < 400 || res.StatusCode >= 500 {
		t.Fatalf("bad criteria: status %d, want a 4xx page saying what is wrong", res.StatusCode)
	}
}
