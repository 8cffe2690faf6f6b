package sandbox_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The API Console's messages, word for word from seed 004.
const (
	msgName     = "Enter a valid client name"
	msgJS       = "Enter a valid JavaScript Domain URI"
	msgRedirect = "Enter a valid redirect URI"
	msgHomepage = "Enter a valid homepage URL"
)

// TestRegistrationMandatoryEntries checks seed 004's table of mandatory
// entries per client type: an empty registration is refused with exactly the
// messages of the entries that type needs, and the Self Client needs none.
func TestRegistrationMandatoryEntries(t *testing.T) {
	e := newEnv(t)
	want := map[string][]string{
		"javascript": {msgName, msgHomepage, msgRedirect, msgJS},
		"web":        {msgName, msgHomepage, msgRedirect},
		"mobile":     {msgName, msgHomepage, msgRedirect},
		"device":     {msgName, msgHomepage},
	}
	for typ, msgs := range want {
		got := e.controlErrors("POST", "/_sandbox/clients", map[string]any{"dc": "us", "client_type": typ}, http.StatusBadRequest)
		if !reflect.DeepEqual(got, msgs) {
			t.Errorf("%s with no entries: %q, want %q", typ, got, msgs)
		}
	}
	if c := e.selfClient("us"); !regexpClientID.MatchString(c.ID) || !regexpSecret.MatchString(c.Secret) {
		t.Errorf("self client %+v: want ID 1000.<30 upper-case letters/digits> and a 42-hex secret", c)
	}
	// Each type registers with exactly its mandatory entries.
	full := map[string]any{"client_name": "HR Sync_2 & Co", "homepage_url": "https://hr.example.test",
		"redirect_uris": []string{redirectURI}, "js_domains": []string{"https://hr.example.test"}}
	for typ := range want {
		spec := map[string]any{"dc": "us", "client_type": typ}
		for _, k := range []string{"client_name", "homepage_url", "redirect_uris", "js_domains"} {
			spec[k] = full[k]
		}
		if c := e.register(spec); !regexpClientID.MatchString(c.ID) {
			t.Errorf("%s: client ID %q", typ, c.ID)
		}
	}
}

// TestRegistrationMessages produces each of the four messages from a bad
// value, alone, as the API Console shows them.
func TestRegistrationMessages(t *testing.T) {
	e := newEnv(t)
	good := func() map[string]any {
		return map[string]any{"dc": "us", "client_type": "javascript", "client_name": "HR Sync",
			"homepage_url": "https://hr.example.test", "redirect_uris": []string{redirectURI},
			"js_domains": []string{"https://hr.example.test", "http://localhost:3000"}}
	}
	cases := []struct {
		field string
		value any
		msg   string
	}{
		{"client_name", "HR-Sync!", msgName},
		{"client_name", "HR.Sync", msgName},
		{"homepage_url", "www.example.test", msgHomepage},
		{"homepage_url", "ftp://example.test", msgHomepage},
		{"redirect_uris", []string{"/callback"}, msgRedirect},
		{"redirect_uris", []string{redirectURI, "not a url"}, msgRedirect},
		{"js_domains", []string{"example.test"}, msgJS},
		{"js_domains", []string{"https://ok.example.test", "ftp://example.test"}, msgJS},
	}
	for _, tc := range cases {
		spec := good()
		spec[tc.field] = tc.value
		got := e.controlErrors("POST", "/_sandbox/clients", spec, http.StatusBadRequest)
		if !reflect.DeepEqual(got, []string{tc.msg}) {
			t.Errorf("%s=%v: %q, want [%q]", tc.field, tc.value, got, tc.msg)
		}
	}
	e.register(good()) // and the good one registers
}

// TestAuthorizeErrors checks the four error pages of /oauth/v2/auth, shown
// whether or not someone is signed in and before any sign-in.
func TestAuthorizeErrors(t *testing.T) {
	e := newEnv(t)
	c := e.webClient("us", false)
	other := e.webClient("eu", false)
	ok := url.Values{"response_type": {"code"}, "client_id": {c.ID}, "redirect_uri": {redirectURI}, "scope": {peopleScope}}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for kk, vv := range ok {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return q
	}
	cases := []struct {
		name, code string
		q          url.Values
	}{
		{"response_type=token", "ERROR_invalid_response_type", with("response_type", "token")},
		{"no response_type", "ERROR_invalid_response_type", with("response_type", "")},
		{"unknown client", "ERROR_invalid_client", with("client_id", "1000.NOSUCHCLIENT")},
		{"no client", "ERROR_invalid_client", with("client_id", "")},
		{"client of another DC", "ERROR_invalid_client", with("client_id", other.ID)},
		{"unregistered redirect", "ERROR_invalid_redirect_uri", with("redirect_uri", redirectURI+"/other")},
		{"no redirect", "ERROR_invalid_redirect_uri", with("redirect_uri", "")},
		{"unknown scope", "ERROR_invalid_scope", with("scope", "ZohoCRM.modules.ALL")},
		{"space-separated scopes", "ERROR_invalid_scope", with("scope", peopleScope+" ZOHOPEOPLE.employee.ALL")},
		{"no scope", "ERROR_invalid_scope", with("scope", "")},
	}
	signedIn := e.browser()
	signedIn.authorize("us", e.accounts("us")+"/oauth/v2/auth?"+ok.Encode())
	for _, who := range []struct {
		name string
		b    *browser
	}{{"anonymous", e.browser()}, {"signed in", signedIn}} {
		for _, tc := range cases {
			p := who.b.get(e.accounts("us") + "/oauth/v2/auth?" + tc.q.Encode())
			if p.status != http.StatusBadRequest || !strings.Contains(p.body, tc.code) || p.isSignIn() || p.isConsent() {
				t.Errorf("%s, %s: HTTP %d, want 400 with %s:\n%s", who.name, tc.name, p.status, tc.code, p.body)
			}
		}
	}
}

// TestTokenErrors produces every error of the token endpoint, each with
// HTTP 200 as Zoho sends it.
func TestTokenErrors(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("us")
	exchangeIn := func(dc, id, secret, code string) tokenReply {
		return e.postToken(dc, url.Values{"grant_type": {"authorization_code"}, "client_id": {id}, "client_secret": {secret}, "code": {code}})
	}

	t.Run("invalid_client leaves the code usable", func(t *testing.T) {
		code := e.code(c, peopleScope, 0)
		wantTokenError(t, exchangeIn("us", "1000.UNKNOWNCLIENT0000000000000000000", c.Secret, code), "invalid_client")
		wantTokenError(t, exchangeIn("us", c.ID, strings.Repeat("0", 42), code), "invalid_client")
		wantTokenError(t, exchangeIn("eu", c.ID, c.Secret, code), "invalid_client") // wrong DC, no Multi-DC
		if r := exchangeIn("us", c.ID, c.Secret, code); r.AccessToken == "" {
			t.Fatalf("the code no longer works after invalid_client answers: %s", r.Raw)
		}
	})

	t.Run("Multi-DC: each DC's own secret", func(t *testing.T) {
		m := e.register(map[string]any{"dc": "us", "client_type": "self", "multi_dc": true})
		var eu struct {
			Secret string `json:"client_secret"`
		}
		e.control("POST", "/_sandbox/clients/"+m.ID+"/dc-secret", map[string]any{"dc": "eu"}, http.StatusOK, &eu)
		if eu.Secret == m.Secret || !regexpSecret.MatchString(eu.Secret) {
			t.Fatalf("EU secret %q: want its own 42-hex secret", eu.Secret)
		}
		var out struct {
			Code string `json:"code"`
		}
		e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": m.ID, "scope": peopleScope, "dc": "eu"}, http.StatusOK, &out)
		wantTokenError(t, exchangeIn("eu", m.ID, m.Secret, out.Code), "invalid_client") // the home secret is wrong in EU
		r := exchangeIn("eu", m.ID, eu.Secret, out.Code)
		if r.AccessToken == "" || r.APIDomain != e.base+"/eu/api" {
			t.Fatalf("Multi-DC exchange in EU with the EU secret: %s", r.Raw)
		}
		if !e.live("eu", r.AccessToken) {
			t.Error("the EU access token is refused by EU People")
		}
		// The plain client has no EU secret at all.
		e.controlErrors("POST", "/_sandbox/clients/"+c.ID+"/dc-secret", map[string]any{"dc": "eu"}, http.StatusBadRequest)
	})

	t.Run("invalid_code", func(t *testing.T) {
		code := e.code(c, peopleScope, 3)
		r := e.mustExchange(c, code)
		wantTokenError(t, e.exchange("us", c, code), "invalid_code") // reused
		wantTokenError(t, e.exchange("us", c, "1000.nosuchcode"), "invalid_code")
		expired := e.code(c, peopleScope, 3)
		e.advance(3*time.Minute + time.Second)
		wantTokenError(t, e.exchange("us", c, expired), "invalid_code")
		e.control("POST", "/"+"us/accounts/oauth/v2/token/revoke?token="+url.QueryEscape(r.RefreshToken), nil, http.StatusOK, nil)
		wantTokenError(t, e.refresh(c, r.RefreshToken), "invalid_code") // revoked
		wantTokenError(t, e.refresh(c, "1000.nosuchtoken"), "invalid_code")
	})

	t.Run("invalid_redirect_uri", func(t *testing.T) {
		w := e.webClient("us", false)
		b := e.browser()
		cb := b.authorize("us", e.accounts("us")+"/oauth/v2/auth?response_type=code&client_id="+w.ID+"&scope="+peopleScope+"&redirect_uri="+url.QueryEscape(redirectURI))
		params := url.Values{"grant_type": {"authorization_code"}, "client_id": {w.ID}, "client_secret": {w.Secret}, "code": {cb.Query().Get("code")}, "redirect_uri": {"https://evil.example.test/cb"}}
		wantTokenError(t, e.postToken("us", params), "invalid_redirect_uri")
		// The client authenticated, so the code is spent.
		params.Set("redirect_uri", redirectURI)
		wantTokenError(t, e.postToken("us", params), "invalid_code")
	})

	t.Run("Access Denied", func(t *testing.T) {
		c := e.selfClient("us")
		rt := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
		for range 10 {
			e.mustRefresh(c, rt)
		}
		wantAccessDenied(t, e.refresh(c, rt))
	})

	t.Run("unsupported grant type", func(t *testing.T) {
		wantTokenError(t, e.postToken("us", url.Values{"grant_type": {"password"}, "client_id": {c.ID}, "client_secret": {c.Secret}}), "unsupported_grant_type")
	})

	t.Run("unknown DC is 404", func(t *testing.T) {
		resp, err := e.hc.PostForm(e.base+"/xx/accounts/oauth/v2/token", url.Values{})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("HTTP %d, want 404", resp.StatusCode)
		}
	})
}

// TestRevoke checks revocation: a refresh token takes its access tokens with
// it, an access token goes alone, and an unknown token is HTTP 400.
func TestRevoke(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("in")
	first := e.mustExchange(c, e.code(c, peopleScope, 0))
	refreshed := e.mustRefresh(c, first.RefreshToken)
	other := e.mustExchange(c, e.code(c, peopleScope, 0))

	revoke := func(token string, want int) {
		t.Helper()
		status, body := e.call("POST", "/in/accounts/oauth/v2/token/revoke?token="+url.QueryEscape(token), nil)
		if status != want {
			t.Fatalf("revoke: HTTP %d %s, want %d", status, body, want)
		}
		if want == http.StatusOK && strings.TrimSpace(string(body)) != `{"status":"success"}` {
			t.Errorf("revoke answered %s", body)
		}
	}
	revoke(other.AccessToken, http.StatusOK)
	if e.live("in", other.AccessToken) || !e.live("in", e.mustRefresh(c, other.RefreshToken)) {
		t.Error("revoking an access token must kill it and leave its refresh token working")
	}
	revoke(first.RefreshToken, http.StatusOK)
	for _, at := range []string{first.AccessToken, refreshed} {
		if e.live("in", at) {
			t.Error("an access token of a revoked refresh token still works")
		}
	}
	wantTokenError(t, e.refresh(c, first.RefreshToken), "invalid_code")
	revoke("1000.unknown", http.StatusBadRequest)
	revoke(first.RefreshToken, http.StatusBadRequest) // already revoked
	// Revocation is per DC, as Zoho's servers are.
	status, _ := e.call("POST", "/us/accounts/oauth/v2/token/revoke?token="+url.QueryEscape(other.RefreshToken), nil)
	if status != http.StatusBadRequest {
		t.Errorf("revoking an IN token at US: HTTP %d, want 400", status)
	}
}

// TestSelfClientScopes checks Generate Code's scope validation: every form
// SANDBOX.md accepts, and "Enter a valid scope" for the rest.
func TestSelfClientScopes(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("us")
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, http.StatusOK, nil)
	valid := []string{
		"ZOHOPEOPLE.forms.ALL", "ZohoPeople.forms.create", "ZOHOPEOPLE.employee.ALL", "ZOHOPEOPLE.attendance.CREATE",
		"ZOHOPEOPLE.forms.ALL, ZOHOPEOPLE.attendance.CREATE", "ZOHOPEOPLE.leave.DELETE",
		"ZohoRecruit.modules.ALL", "ZohoRECRUIT.modules.all", "ZohoRecruit.modules.candidate.READ",
		"ZohoRecruit.modules.candidate", "ZohoRecruit.modules.jobopening.CREATE", "ZohoRecruit.modules.READ",
		"ZohoRecruit.modules.DELETE", "ZohoRecruit.users.all", "ZohoRecruit.settings.all",
		"ZohoRecruit.settings.fields", "ZohoRecruit.settings.custom_views.READ", "ZohoRecruit.modules.candidatestatus.WRITE",
	}
	for _, sc := range valid {
		e.code(c, sc, 0)
	}
	invalid := []string{
		"", "ZohoCRM.modules.ALL", "ZOHOPEOPLE.forms", "ZOHOPEOPLE.forms.WRITE", "ZOHOPEOPLE.salaries.ALL",
		"ZohoRecruit.modules.candidates.READ", "ZohoRecruit.modules.candidate.FOO", "ZohoRecruit.users.candidate",
		"ZOHOPEOPLE.forms.ALL ZOHOPEOPLE.employee.ALL", "ZOHOPEOPLE.forms.ALL,ZohoCRM.users.ALL",
	}
	for _, sc := range invalid {
		got := e.controlErrors("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ID, "scope": sc}, http.StatusBadRequest)
		if !reflect.DeepEqual(got, []string{"Enter a valid scope"}) {
			t.Errorf("scope %q: %q, want [Enter a valid scope]", sc, got)
		}
	}
}
