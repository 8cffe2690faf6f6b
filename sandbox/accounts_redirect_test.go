package sandbox_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// browser is a person's browser: cookies kept, redirects within the sandbox
// followed, and the final redirect to the app's callback left unfollowed.
type browser struct {
	e  *env
	hc *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	host := strings.TrimPrefix(e.base, "http://")
	return &browser{e: e, hc: &http.Client{
		Jar: jar, Transport: e.hc.Transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != host {
				return http.ErrUseLastResponse // the app's callback: stop here
			}
			return nil
		},
	}}
}

// page is one answer the browser got.
type page struct {
	status   int
	body     string
	location string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location")}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	req, _ := http.NewRequest("POST", b.e.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var hiddenQ = regexp.MustCompile(`name="q" value="([^"]*)"`)

// formQuery returns the hidden authorization request of a sign-in or consent page.
func (p page) formQuery(t testing.TB) string {
	t.Helper()
	m := hiddenQ.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no hidden q field in HTTP %d page:\n%s", p.status, p.body)
	}
	return html.UnescapeString(m[1])
}

func (p page) isSignIn() bool {
	return strings.Contains(p.body, `action="/`) && strings.Contains(p.body, `name="password"`)
}
func (p page) isConsent() bool { return strings.Contains(p.body, `value="accept"`) }

// signIn submits the sign-in form of page p and returns the page that follows.
func (b *browser) signIn(dc string, p page, email, password string) page {
	b.e.t.Helper()
	return b.post("/"+dc+"/accounts/signin", url.Values{"q": {p.formQuery(b.e.t)}, "email": {email}, "password": {password}})
}

// decide submits the consent form of page p.
func (b *browser) decide(dc string, p page, decision string) page {
	b.e.t.Helper()
	return b.post("/"+dc+"/accounts/oauth/v2/auth", url.Values{"q": {p.formQuery(b.e.t)}, "decision": {decision}})
}

// authorize runs the whole flow for authURL as the DC's default user,
// accepting, and returns the callback URL Zoho redirected to.
func (b *browser) authorize(dc, authURL string) *url.URL {
	b.e.t.Helper()
	p := b.get(authURL)
	if p.isSignIn() {
		p = b.signIn(dc, p, "admin@"+dc+".sandbox.test", "sandbox")
	}
	if p.isConsent() {
		p = b.decide(dc, p, "accept")
	}
	return callback(b.e.t, p)
}

// callback parses the redirect to the app's callback.
func callback(t testing.TB, p page) *url.URL {
	t.Helper()
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, redirectURI+"?") {
		t.Fatalf("want a 302 to %s, got HTTP %d Location %q:\n%s", redirectURI, p.status, p.location, p.body)
	}
	u, err := url.Parse(p.location)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestRedirectFlowWithPKCE drives the web-server flow as a browser would:
// authorize, sign in, Accept, the callback's parameters, then the code
// exchange by golang.org/x/oauth2 with PKCE S256 enforced.
func TestRedirectFlowWithPKCE(t *testing.T) {
	e := newEnv(t)
	c := e.webClient("eu", false)
	conf := &oauth2.Config{
		ClientID: c.ID, ClientSecret: c.Secret, RedirectURL: redirectURI, Scopes: []string{peopleScope},
		Endpoint: oauth2.Endpoint{AuthURL: e.accounts("eu") + "/oauth/v2/auth", TokenURL: e.tokenURL("eu"), AuthStyle: oauth2.AuthStyleInParams},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.hc)
	b := e.browser()
	verifier := oauth2.GenerateVerifier()

	// First visit: not signed in, so the sign-in form; a wrong password keeps it.
	p := b.get(conf.AuthCodeURL("st-1", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
	if p.status != http.StatusOK || !p.isSignIn() {
		t.Fatalf("want the sign-in form, got HTTP %d:\n%s", p.status, p.body)
	}
	if bad := b.signIn("eu", p, "admin@eu.sandbox.test", "wrong"); !bad.isSignIn() || !strings.Contains(bad.body, "Invalid email address or password") {
		t.Fatalf("a wrong password must show the sign-in form again with the reason:\n%s", bad.body)
	}
	p = b.signIn("eu", p, "admin@eu.sandbox.test", "sandbox")
	if p.status != http.StatusOK || !p.isConsent() || !strings.Contains(p.body, peopleScope) {
		t.Fatalf("want the consent page listing the scope, got HTTP %d:\n%s", p.status, p.body)
	}
	cb := callback(t, b.decide("eu", p, "accept"))
	q := cb.Query()
	if q.Get("code") == "" || q.Get("location") != "eu" || q.Get("accounts-server") != e.accounts("eu") || q.Get("state") != "st-1" {
		t.Fatalf("callback %s: want code, location=eu, accounts-server=%s, state=st-1", cb, e.accounts("eu"))
	}
	if !strings.HasPrefix(cb.RawQuery, "code=") {
		t.Errorf("callback query %q: Zoho puts code first", cb.RawQuery)
	}

	// A wrong verifier is refused, and uses the code up.
	_, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantRetrieveError(t, err, "invalid_code")
	_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	wantRetrieveError(t, err, "invalid_code")
	// No verifier at all is refused too.
	cb = b.authorize("eu", conf.AuthCodeURL("st-2", oauth2.S256ChallengeOption(verifier)))
	_, err = conf.Exchange(ctx, cb.Query().Get("code"))
	wantRetrieveError(t, err, "invalid_code")

	// Signed in and consented: the next request goes straight back, and being
	// no longer the first consent it brings no refresh token.
	p = b.get(conf.AuthCodeURL("st-3", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier)))
	cb = callback(t, p)
	tok, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange with the right verifier: %v", err)
	}
	if tok.RefreshToken != "" {
		t.Error("a repeat consent without prompt=consent must not bring a refresh token")
	}
	if !e.live("eu", tok.AccessToken) {
		t.Error("the access token is refused by People")
	}

	// prompt=consent shows the consent page again and brings a refresh token.
	p = b.get(conf.AuthCodeURL("st-4", oauth2.AccessTypeOffline, oauth2.ApprovalForce, oauth2.S256ChallengeOption(verifier)))
	if !p.isConsent() {
		t.Fatalf("prompt=consent must show the consent page, got HTTP %d %s", p.status, p.location)
	}
	cb = callback(t, b.decide("eu", p, "accept"))
	tok, err = conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.RefreshToken == "" {
		t.Fatalf("exchange after prompt=consent: %v, refresh token %q", err, tok.RefreshToken)
	}

	// PKCE plain: the verifier is the challenge itself.
	plain := "plain-verifier-0123456789-0123456789-0123456789"
	cb = b.authorize("eu", conf.AuthCodeURL("st-5", oauth2.SetAuthURLParam("code_challenge", plain), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if _, err := conf.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(plain)); err != nil {
		t.Errorf("PKCE plain with the right verifier: %v", err)
	}

	// Deny: back to the app with error=access_denied and the state.
	p = b.get(conf.AuthCodeURL("st-6", oauth2.ApprovalForce))
	p = b.decide("eu", p, "deny")
	cb = callback(t, p)
	if cb.Query().Get("error") != "access_denied" || cb.Query().Get("state") != "st-6" || cb.Query().Get("code") != "" {
		t.Errorf("deny redirected to %s; want error=access_denied&state=st-6 and no code", cb)
	}
}

// TestRedirectFlowOfflineFirstConsent checks the refresh-token rule of the
// redirect flow: access_type=offline on the first consent brings one;
// online (the default) never does.
func TestRedirectFlowOfflineFirstConsent(t *testing.T) {
	e := newEnv(t)
	online, offline := e.webClient("us", false), e.webClient("us", false)
	b := e.browser()
	authURL := func(c clientCreds, extra string) string {
		return e.accounts("us") + "/oauth/v2/auth?response_type=code&client_id=" + c.ID +
			"&redirect_uri=" + url.QueryEscape(redirectURI) + "&scope=" + peopleScope + extra
	}
	exchange := func(c clientCreds, cb *url.URL) tokenReply {
		return e.postToken("us", url.Values{"grant_type": {"authorization_code"}, "client_id": {c.ID}, "client_secret": {c.Secret},
			"code": {cb.Query().Get("code")}, "redirect_uri": {redirectURI}})
	}
	if r := exchange(online, b.authorize("us", authURL(online, ""))); r.AccessToken == "" || r.RefreshToken != "" {
		t.Errorf("online access: %s; want an access token and no refresh token", r.Raw)
	}
	if r := exchange(offline, b.authorize("us", authURL(offline, "&access_type=offline"))); r.AccessToken == "" || r.RefreshToken == "" {
		t.Errorf("offline access, first consent: %s; want a refresh token", r.Raw)
	}
	// A state that is absent stays absent.
	cb := b.authorize("us", authURL(offline, ""))
	if cb.Query().Has("state") {
		t.Errorf("callback %s carries a state nobody sent", cb)
	}
}

// wantRetrieveError checks that err is an oauth2.RetrieveError with code.
func wantRetrieveError(t testing.TB, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("got %v, want oauth2 error %q", err, code)
	}
	if re.Response.StatusCode != http.StatusOK {
		t.Errorf("HTTP %d, want 200 as Zoho answers", re.Response.StatusCode)
	}
}

// TestRedirectFlowMultiDCAndPublicClient covers two variants: a Multi-DC
// client authorised by a user of another DC (the code, location and
// accounts-server are that DC's, and its own secret is needed), and a mobile
// app exchanging a PKCE code without a secret, as public clients do.
func TestRedirectFlowMultiDCAndPublicClient(t *testing.T) {
	e := newEnv(t)
	m := e.webClient("us", true)
	b := e.browser()
	authURL := func(dc string, c clientCreds, extra string) string {
		return e.accounts(dc) + "/oauth/v2/auth?response_type=code&scope=" + peopleScope +
			"&client_id=" + c.ID + "&redirect_uri=" + url.QueryEscape(redirectURI) + extra
	}
	cb := b.authorize("in", authURL("in", m, "&access_type=offline"))
	if cb.Query().Get("location") != "in" || cb.Query().Get("accounts-server") != e.accounts("in") {
		t.Fatalf("callback %s: want location=in and the IN accounts server", cb)
	}
	var in struct {
		Secret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients/"+m.ID+"/dc-secret", map[string]any{"dc": "in"}, http.StatusOK, &in)
	exchange := func(dc, secret, code string, extra url.Values) tokenReply {
		v := url.Values{"grant_type": {"authorization_code"}, "client_id": {m.ID}, "code": {code}, "redirect_uri": {redirectURI}}
		if secret != "" {
			v.Set("client_secret", secret)
		}
		for k, vv := range extra {
			v[k] = vv
		}
		return e.postToken(dc, v)
	}
	code := cb.Query().Get("code")
	wantTokenError(t, exchange("us", m.Secret, code, nil), "invalid_code") // the US server does not know an IN code
	wantTokenError(t, exchange("in", m.Secret, code, nil), "invalid_client")
	if r := exchange("in", in.Secret, code, nil); r.RefreshToken == "" || !e.live("in", r.AccessToken) {
		t.Fatalf("Multi-DC exchange in IN: %s", r.Raw)
	}

	mobile := e.register(map[string]any{"dc": "us", "client_type": "mobile", "client_name": "HR App",
		"homepage_url": "https://app.example.test", "redirect_uris": []string{redirectURI}})
	m = mobile
	verifier := oauth2.GenerateVerifier()
	challenge := "&code_challenge=" + oauth2.S256ChallengeFromVerifier(verifier) + "&code_challenge_method=S256"
	cb = b.authorize("us", authURL("us", mobile, challenge))
	if r := exchange("us", "", cb.Query().Get("code"), url.Values{"code_verifier": {verifier}}); r.AccessToken == "" {
		t.Fatalf("a mobile app's PKCE exchange without a secret: %s", r.Raw)
	}
	cb = b.authorize("us", authURL("us", mobile, ""))
	wantTokenError(t, exchange("us", "", cb.Query().Get("code"), nil), "invalid_client") // no PKCE, no secret
}
