package web_test

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"hrconnect"
	"hrconnect/web"
)

// startRedirect posts the "Connect with Zoho" form and returns Zoho's
// consent-page URL it redirects to.
func (b *browser) startRedirect(dc, clientID, secret string) *url.URL {
	b.t.Helper()
	res := b.post("/integrations/zoho_people/authorize", url.Values{"dc": {dc}, "client_id": {clientID}, "client_secret": {secret}})
	wantStatus(b.t, res, http.StatusSeeOther, b.last)
	u, err := url.Parse(res.Header.Get("Location"))
	must(b.t, err)
	b.a.secrets.add(u.Query().Get("state"), u.Query().Get("code_challenge"))
	return u
}

var hiddenQ = regexp.MustCompile(`name="q" value="([^"]*)"`)

// consent plays the person at Zoho: signs in to the sandbox as its default
// user and accepts (or denies), returning the URL Zoho sends the browser back
// to.
func (a *app) consent(auth *url.URL, dc, decision string) string {
	a.t.Helper()
	z := a.client() // a jar of its own: Zoho's cookies
	res := z.get(auth.String())
	wantStatus(a.t, res, http.StatusOK, z.last)
	m := hiddenQ.FindStringSubmatch(z.last)
	if m == nil {
		a.t.Fatalf("no sign-in form at Zoho:\n%s", clip(z.last))
	}
	q := html.UnescapeString(m[1])
	res = z.post(a.sbURL+"/"+dc+"/accounts/signin", url.Values{"q": {q}, "email": {"admin@" + dc + ".sandbox.test"}, "password": {"sandbox"}})
	wantStatus(a.t, res, http.StatusSeeOther, z.last)
	res = z.get(a.sbURL + res.Header.Get("Location"))
	wantStatus(a.t, res, http.StatusOK, z.last)
	m = hiddenQ.FindStringSubmatch(z.last)
	if m == nil {
		a.t.Fatalf("no consent form at Zoho:\n%s", clip(z.last))
	}
	res = z.post(a.sbURL+"/"+dc+"/accounts/oauth/v2/auth", url.Values{"q": {html.UnescapeString(m[1])}, "decision": {decision}})
	wantStatus(a.t, res, http.StatusFound, z.last)
	back := res.Header.Get("Location")
	if u, err := url.Parse(back); err == nil {
		a.secrets.add(u.Query().Get("code"))
	}
	return back
}

// TestConnectWithZoho: the redirect flow from the form to a saved
// connection. The consent URL asks for offline access with consent and PKCE
// S256 under a fresh state, the callback exchanges the code at the data
// centre Zoho names, and the state then works no more.
func TestConnectWithZoho(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	id, secret := a.webClient("eu")

	res := b.get("/integrations/zoho_people/authorize")
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, a.url+web.CallbackPath, a.sbURL+"/console/clients/new?type=web")

	auth := b.startRedirect("eu", id, secret)
	q := auth.Query()
	if !strings.HasPrefix(auth.String(), a.sbURL+"/eu/accounts/oauth/v2/auth?") {
		t.Errorf("consent URL %s is not the EU accounts server's", auth)
	}
	for k, want := range map[string]string{"client_id": id, "redirect_uri": a.url + web.CallbackPath, "access_type": "offline",
		"prompt": "consent", "code_challenge_method": "S256", "response_type": "code", "scope": "ZOHOPEOPLE.forms.ALL"} {
		if got := q.Get(k); got != want {
			t.Errorf("consent URL %s = %q, want %q", k, got, want)
		}
	}
	if len(q.Get("state")) < 43 || len(q.Get("code_challenge")) < 43 {
		t.Errorf("state %q or code_challenge %q is too short", q.Get("state"), q.Get("code_challenge"))
	}
	if strings.Contains(auth.String(), secret) {
		t.Error("the consent URL carries the client secret")
	}
	// Only the state's hash is stored.
	if _, err := a.db.TakePendingAuthorization(testContext(t), q.Get("state")); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		t.Errorf("the pending authorisation is stored under the state itself (%v)", err)
	}

	back := a.consent(auth, "eu", "accept")
	res = b.get(back)
	wantStatus(t, res, http.StatusSeeOther, b.last)
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/connections/con_") {
		t.Fatalf("callback went to %q, want a connection page; body:\n%s", loc, b.last)
	}
	refresh, access := a.sandboxTokens()
	for _, tok := range append(refresh, access...) {
		a.secrets.add(tok.Token)
	}
	b.get(loc)
	wantContains(t, b.last, "is connected", "Connected", id)
	b.get("/audit")
	wantContains(t, b.last, "connection.created", "consent page")

	// Replaying Zoho's redirect is refused, and makes nothing.
	res = b.get(back)
	wantStatus(t, res, http.StatusBadRequest, b.last)
	wantContains(t, b.last, "already been used")
	if n := len(a.allConnections()); n != 1 {
		t.Errorf("%d connections after a replay, want 1", n)
	}
}

// TestConnectWithZohoReconnect: the redirect flow reconnects an existing
// connection in place.
func TestConnectWithZohoReconnect(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, pa := a.user(nil, "ada@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	id, secret := a.webClient("eu")
	res := b.get(a.consent(b.startRedirect("eu", id, secret), "eu", "accept"))
	connID := strings.TrimPrefix(res.Header.Get("Location"), "/connections/")

	res = b.get("/integrations/zoho_people/authorize?connection=" + connID)
	wantStatus(t, res, http.StatusOK, b.last)
	wantContains(t, b.last, id, `name="connection" value="`+connID+`"`)
	res = b.post("/integrations/zoho_people/authorize", url.Values{"connection": {connID}})
	wantStatus(t, res, http.StatusSeeOther, b.last)
	auth, _ := url.Parse(res.Header.Get("Location"))
	res = b.get(a.consent(auth, "eu", "accept"))
	wantStatus(t, res, http.StatusSeeOther, b.last)
	if res.Header.Get("Location") != "/connections/"+connID {
		t.Errorf("reconnect went to %s", res.Header.Get("Location"))
	}
	b.get("/audit")
	wantContains(t, b.last, "connection.reconnected")
	if n := len(a.allConnections()); n != 1 {
		t.Errorf("%d connections after reconnecting, want 1", n)
	}
}

// TestCallbackRefusals: an accounts-server outside the data-centre table,
// another session's state, a declined consent and a missing state are each
// refused with a page that says why, and no secret goes anywhere.
func TestCallbackRefusals(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	_, _, pb := a.user(tenant, "bea@acme.test", true)
	b := a.signedIn("ada@acme.test", pa)
	id, secret := a.webClient("eu")

	// A look-alike accounts server on loopback: it must never be called.
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"access_token":"x","refresh_token":"y","expires_in":3600}`))
	}))
	defer evil.Close()

	t.Run("accounts-server outside the table", func(t *testing.T) {
		state := b.startRedirect("eu", id, secret).Query().Get("state")
		for _, server := range []string{evil.URL, a.sbURL + "/eu/accounts@" + strings.TrimPrefix(evil.URL, "http://"), "https://accounts.zoho.eu"} {
			state := state
			if server != evil.URL {
				state = b.startRedirect("eu", id, secret).Query().Get("state")
			}
			res := b.get(web.CallbackPath + "?" + url.Values{"code": {"1000.stolen"}, "location": {"eu"}, "accounts-server": {server}, "state": {state}}.Encode())
			wantStatus(t, res, http.StatusBadRequest, b.last)
			wantContains(t, b.last, "not Zoho", "do not follow it")
		}
		if hits.Load() != 0 {
			t.Errorf("the look-alike accounts server was called %d times", hits.Load())
		}
	})

	t.Run("another session's state", func(t *testing.T) {
		state := b.startRedirect("eu", id, secret).Query().Get("state")
		bea := a.signedIn("bea@acme.test", pb)
		res := bea.get(web.CallbackPath + "?" + url.Values{"code": {"1000.x"}, "location": {"eu"}, "accounts-server": {a.sbURL + "/eu/accounts"}, "state": {state}}.Encode())
		wantStatus(t, res, http.StatusForbidden, bea.last)
		wantContains(t, bea.last, "started by another sign-in")
	})

	t.Run("declined", func(t *testing.T) {
		back := a.consent(b.startRedirect("eu", id, secret), "eu", "deny")
		res := b.get(back)
		wantStatus(t, res, http.StatusBadRequest, b.last)
		wantContains(t, b.last, "You declined access in Zoho")
	})

	t.Run("no state", func(t *testing.T) {
		res := b.get(web.CallbackPath + "?code=1000.x&location=eu")
		wantStatus(t, res, http.StatusBadRequest, b.last)
		wantContains(t, b.last, "Start the connection again")
	})

	if n := len(a.allConnections()); n != 0 {
		t.Errorf("%d connections after refused callbacks", n)
	}
}
