package zoho_test

import (
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect/zoho"
)

const peopleScope = "ZOHOPEOPLE.forms.ALL"

// The whole token life cycle, in two data centres: exchange a Self Client
// code, use the access token, refresh, revoke, and see the revoked refresh
// token refused as needing a reconnect.
func TestExchangeRefreshRevokeInTwoDCs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, loc := range []string{"eu", "in"} {
		t.Run(loc, func(t *testing.T) {
			dc := e.dc(loc)
			c := e.selfClient(loc)
			code := e.code(c, peopleScope)
			start := time.Now()
			tok, err := e.c.ExchangeCode(e.ctx(), dc, c.ID, c.Secret, code, "", "")
			if err != nil {
				t.Fatalf("ExchangeCode: %v", err)
			}
			if tok.AccessToken == "" || tok.RefreshToken == "" {
				t.Fatalf("missing tokens: %v", tok)
			}
			if tok.Lifetime != time.Hour || tok.Expiry.Before(start.Add(59*time.Minute)) || tok.Expiry.After(time.Now().Add(time.Hour)) {
				t.Errorf("lifetime %v, expiry %v: want an hour from now", tok.Lifetime, tok.Expiry)
			}
			if !slices.Contains(tok.Scopes, peopleScope) {
				t.Errorf("scopes %v lack %s", tok.Scopes, peopleScope)
			}
			if tok.APIDomain != dc.APIDomain {
				t.Errorf("api_domain %q, want the sandbox's %q", tok.APIDomain, dc.APIDomain)
			}
			// The token works against People in its own DC...
			if _, err := e.c.GetRecords(e.ctx(), dc, tok.AccessToken, "employee", zoho.RecordQuery{}); err != nil {
				t.Fatalf("GetRecords with the new token: %v", err)
			}
			// ...and the printed Token hides it.
			for _, s := range []string{tok.String(), tok.GoString()} {
				if strings.Contains(s, tok.AccessToken) || strings.Contains(s, tok.RefreshToken) {
					t.Errorf("Token prints a secret: %s", s)
				}
			}

			ref, err := e.c.Refresh(e.ctx(), dc, c.ID, c.Secret, tok.RefreshToken)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if ref.AccessToken == "" || ref.AccessToken == tok.AccessToken {
				t.Errorf("refresh gave access token %q, want a new one", ref.AccessToken)
			}
			if ref.RefreshToken != tok.RefreshToken || ref.Lifetime != time.Hour {
				t.Errorf("refresh gave refresh token %q, lifetime %v; want the one used and an hour", ref.RefreshToken, ref.Lifetime)
			}
			if _, err := e.c.GetRecords(e.ctx(), dc, ref.AccessToken, "employee", zoho.RecordQuery{}); err != nil {
				t.Fatalf("GetRecords with the refreshed token: %v", err)
			}

			if err := e.c.Revoke(e.ctx(), dc, tok.RefreshToken); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			// Revoking the refresh token revokes its access tokens too.
			_, err = e.c.GetRecords(e.ctx(), dc, ref.AccessToken, "employee", zoho.RecordQuery{})
			zerr(t, err, zoho.ClassReauth)
			_, err = e.c.Refresh(e.ctx(), dc, c.ID, c.Secret, tok.RefreshToken)
			ze := zerr(t, err, zoho.ClassReconnect)
			if ze.Code != "invalid_code" || !strings.Contains(ze.Resolution, "Reconnect") {
				t.Errorf("refresh after revoke: %v / %s", err, ze.Resolution)
			}
			noSecrets(t, err, c.Secret, tok.RefreshToken)
			// A second revoke: Zoho no longer knows the token.
			err = e.c.Revoke(e.ctx(), dc, tok.RefreshToken)
			ze = zerr(t, err, zoho.ClassReconnect)
			if ze.HTTPStatus != http.StatusBadRequest || ze.Code != "invalid_token" {
				t.Errorf("second revoke: %v (HTTP %d)", err, ze.HTTPStatus)
			}
			noSecrets(t, err, tok.RefreshToken)
		})
	}
}

// Every refusal of a code exchange maps to its class, with a resolution a
// person can act on, and without the secret or the code in any text.
func TestExchangeErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eu := e.dc("eu")
	c := e.selfClient("eu")

	t.Run("wrong secret", func(t *testing.T) {
		code := e.code(c, peopleScope)
		wrong := strings.Repeat("ab", 21)
		_, err := e.c.ExchangeCode(e.ctx(), eu, c.ID, wrong, code, "", "")
		ze := zerr(t, err, zoho.ClassConfig)
		if ze.Code != "invalid_client" || !strings.Contains(ze.Resolution, "API Console") || !strings.Contains(ze.Resolution, "Multi-DC") {
			t.Errorf("got %v / %s", err, ze.Resolution)
		}
		noSecrets(t, err, wrong, code, c.Secret)
		// The refused exchange left the code usable (SANDBOX.md).
		if _, err := e.c.ExchangeCode(e.ctx(), eu, c.ID, c.Secret, code, "", ""); err != nil {
			t.Errorf("the code after a wrong secret: %v", err)
		}
	})
	t.Run("wrong data centre", func(t *testing.T) {
		code := e.code(c, peopleScope)
		_, err := e.c.ExchangeCode(e.ctx(), e.dc("us"), c.ID, c.Secret, code, "", "")
		ze := zerr(t, err, zoho.ClassConfig)
		if ze.Code != "invalid_client" || ze.DC != "us" || !strings.Contains(ze.Resolution, "United States") {
			t.Errorf("got %v / %s", err, ze.Resolution)
		}
		noSecrets(t, err, c.Secret, code)
	})
	t.Run("reused code", func(t *testing.T) {
		code := e.code(c, peopleScope)
		if _, err := e.c.ExchangeCode(e.ctx(), eu, c.ID, c.Secret, code, "", ""); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.ExchangeCode(e.ctx(), eu, c.ID, c.Secret, code, "", "")
		ze := zerr(t, err, zoho.ClassReconnect)
		if ze.Code != "invalid_code" || !strings.Contains(ze.Message, "already used") {
			t.Errorf("got %v", err)
		}
		noSecrets(t, err, c.Secret, code)
	})
	t.Run("expired code", func(t *testing.T) {
		e := newEnv(t) // its own clock
		c := e.selfClient("eu")
		code := e.code(c, peopleScope)
		e.advance(4 * time.Minute) // the code lives 3
		_, err := e.c.ExchangeCode(e.ctx(), e.dc("eu"), c.ID, c.Secret, code, "", "")
		ze := zerr(t, err, zoho.ClassReconnect)
		if ze.Code != "invalid_code" || !strings.Contains(ze.Message, "expired") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		code := "1000." + strings.Repeat("0", 32) + "." + strings.Repeat("1", 32)
		_, err := e.c.ExchangeCode(e.ctx(), eu, c.ID, c.Secret, code, "", "")
		zerr(t, err, zoho.ClassReconnect)
		noSecrets(t, err, c.Secret, code)
	})
	t.Run("access denied", func(t *testing.T) {
		e := newEnv(t)
		c := e.selfClient("eu")
		code := e.code(c, peopleScope)
		e.fault(map[string]any{"endpoint": "accounts.token", "kind": "access_denied", "count": 1})
		_, err := e.c.ExchangeCode(e.ctx(), e.dc("eu"), c.ID, c.Secret, code, "", "")
		ze := zerr(t, err, zoho.ClassRetry)
		if ze.Code != "Access Denied" || ze.RetryAfter <= 0 || zoho.RetryAfter(err) != ze.RetryAfter || !zoho.IsRetryable(err) {
			t.Errorf("got %v, RetryAfter %v", err, ze.RetryAfter)
		}
		if ze.HTTPStatus != http.StatusOK {
			t.Errorf("HTTP status %d, want Zoho's 200", ze.HTTPStatus)
		}
		noSecrets(t, err, c.Secret, code)
	})
	t.Run("missing input", func(t *testing.T) {
		before := e.calls("accounts.token")
		_, err := e.c.ExchangeCode(e.ctx(), eu, c.ID, "", "x", "", "")
		zerr(t, err, zoho.ClassConfig)
		if e.calls("accounts.token") != before {
			t.Error("an exchange without a secret reached Zoho")
		}
	})
}

// Refresh refusals: a wrong secret or a revoked token needs a person to
// reconnect; the 11th refresh in 10 minutes is throttled and retryable.
func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eu := e.dc("eu")
	c, tok := e.connect("eu", peopleScope)

	t.Run("wrong secret", func(t *testing.T) {
		wrong := strings.Repeat("cd", 21)
		_, err := e.c.Refresh(e.ctx(), eu, c.ID, wrong, tok.RefreshToken)
		ze := zerr(t, err, zoho.ClassReconnect)
		if ze.Code != "invalid_client" || !strings.Contains(ze.Resolution, "reconnect") {
			t.Errorf("got %v / %s", err, ze.Resolution)
		}
		noSecrets(t, err, wrong, tok.RefreshToken, c.Secret)
	})
	t.Run("wrong data centre", func(t *testing.T) {
		_, err := e.c.Refresh(e.ctx(), e.dc("jp"), c.ID, c.Secret, tok.RefreshToken)
		ze := zerr(t, err, zoho.ClassReconnect)
		if ze.Code != "invalid_client" {
			t.Errorf("got %v", err)
		}
		noSecrets(t, err, tok.RefreshToken, c.Secret)
	})
	t.Run("throttle", func(t *testing.T) {
		e := newEnv(t)
		c, tok := e.connect("eu", peopleScope)
		var err error
		n := 0
		for ; n < 20 && err == nil; n++ {
			_, err = e.c.Refresh(e.ctx(), e.dc("eu"), c.ID, c.Secret, tok.RefreshToken)
		}
		if n != 11 {
			t.Errorf("refresh %d was the first refused, want the 11th (10 per 10 minutes)", n)
		}
		ze := zerr(t, err, zoho.ClassRetry)
		if ze.Code != "Access Denied" || ze.RetryAfter <= 0 || ze.ZohoMessage == "" {
			t.Errorf("got %v (RetryAfter %v)", err, ze.RetryAfter)
		}
		noSecrets(t, err, tok.RefreshToken, c.Secret)
		// The window slides: after 10 minutes there is room again.
		e.advance(10*time.Minute + time.Second)
		if _, err := e.c.Refresh(e.ctx(), e.dc("eu"), c.ID, c.Secret, tok.RefreshToken); err != nil {
			t.Errorf("refresh after the window: %v", err)
		}
	})
	t.Run("revoked by the user", func(t *testing.T) {
		e := newEnv(t)
		c, tok := e.connect("eu", peopleScope)
		e.fault(map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": tok.RefreshToken, "count": 1})
		_, err := e.c.Refresh(e.ctx(), e.dc("eu"), c.ID, c.Secret, tok.RefreshToken)
		ze := zerr(t, err, zoho.ClassReconnect)
		if ze.Code != "invalid_code" || !strings.Contains(ze.Message, "revoked") {
			t.Errorf("got %v", err)
		}
		noSecrets(t, err, tok.RefreshToken, c.Secret, tok.AccessToken)
	})
}

// Faults on the token endpoint are retryable: 5xx, a dropped connection, a
// reply slower than the caller's deadline.
func TestTokenFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	eu := e.dc("eu")
	c, tok := e.connect("eu", peopleScope)
	for _, f := range []map[string]any{
		{"kind": "status", "status": 503},
		{"kind": "drop"},
	} {
		f["endpoint"], f["count"] = "accounts.token", 1
		_, err := e.c.Refresh(e.ctx(), eu, c.ID, c.Secret, tok.RefreshToken)
		if err != nil {
			t.Fatalf("refresh before the fault: %v", err)
		}
		e.fault(f)
		_, err = e.c.Refresh(e.ctx(), eu, c.ID, c.Secret, tok.RefreshToken)
		zerr(t, err, zoho.ClassRetry)
		noSecrets(t, err, tok.RefreshToken, c.Secret)
	}
}

// The web-server flow end to end: AuthCodeURL with PKCE, the sandbox's
// sign-in and consent pages, ParseRedirect on the redirect it sends back, and
// the exchange with the verifier.
func TestRedirectFlowWithPKCE(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const redirectURI = "https://hr.example.test/zoho/callback"
	var reg struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients", map[string]any{
		"dc": "eu", "client_type": "web", "client_name": "hrconnect", "homepage_url": "https://hr.example.test",
		"redirect_uris": []string{redirectURI},
	}, &reg)
	eu := e.dc("eu")
	verifier := zoho.NewCodeVerifier()
	authURL, err := e.c.AuthCodeURL(eu, reg.ID, redirectURI, []string{peopleScope, "ZohoRecruit.modules.candidate.ALL"}, "st4te", zoho.CodeChallengeS256(verifier))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	for k, want := range map[string]string{
		"scope": peopleScope + ",ZohoRecruit.modules.candidate.ALL", "access_type": "offline", "prompt": "consent",
		"response_type": "code", "state": "st4te", "code_challenge_method": "S256", "client_id": reg.ID,
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}

	// A browser: sign in, accept, and stop at the redirect to hrconnect.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), redirectURI) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: HTTP %d", resp.StatusCode)
	}
	resp, err = browser.PostForm(eu.AccountsURL+"/signin", url.Values{"email": {"admin@eu.sandbox.test"}, "password": {"sandbox"}, "q": {u.RawQuery}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.PostForm(eu.AccountsURL+"/oauth/v2/auth", url.Values{"decision": {"accept"}, "q": {u.RawQuery}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirectURI) {
		t.Fatalf("consent answered HTTP %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	red, err := e.dir.ParseRedirect(loc.Query())
	if err != nil {
		t.Fatalf("ParseRedirect(%s): %v", loc, err)
	}
	if red.DC != eu || red.State != "st4te" || red.Code == "" {
		t.Fatalf("redirect %+v", red)
	}
	// Without the verifier the code is refused (and used up)...
	if _, err := e.c.ExchangeCode(e.ctx(), red.DC, reg.ID, reg.Secret, red.Code, redirectURI, "wrong-verifier-wrong-verifier-wrong-verifier"); err == nil {
		t.Fatal("exchange with a wrong PKCE verifier succeeded")
	}
	// ...so go round again for a code to exchange properly.
	resp, err = browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.PostForm(eu.AccountsURL+"/oauth/v2/auth", url.Values{"decision": {"accept"}, "q": {u.RawQuery}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	red, err = e.dir.ParseRedirect(loc.Query())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.c.ExchangeCode(e.ctx(), red.DC, reg.ID, reg.Secret, red.Code, redirectURI, verifier)
	if err != nil {
		t.Fatalf("ExchangeCode with PKCE: %v", err)
	}
	if tok.RefreshToken == "" || len(tok.Scopes) != 2 {
		t.Errorf("token %v: want a refresh token (prompt=consent) and both scopes", tok)
	}

	// A different redirect URI than the authorization's is a configuration error.
	resp, err = browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.PostForm(eu.AccountsURL+"/oauth/v2/auth", url.Values{"decision": {"accept"}, "q": {u.RawQuery}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	red, _ = e.dir.ParseRedirect(loc.Query())
	_, err = e.c.ExchangeCode(e.ctx(), red.DC, reg.ID, reg.Secret, red.Code, redirectURI+"/other", verifier)
	ze := zerr(t, err, zoho.ClassConfig)
	if ze.Code != "invalid_redirect_uri" {
		t.Errorf("got %v", err)
	}
	noSecrets(t, err, reg.Secret, red.Code, verifier)

	// Deny comes back as error=access_denied: a person must start again.
	resp, err = browser.PostForm(eu.AccountsURL+"/oauth/v2/auth", url.Values{"decision": {"deny"}, "q": {u.RawQuery}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	red, err = e.dir.ParseRedirect(loc.Query())
	ze = zerr(t, err, zoho.ClassReconnect)
	if ze.Code != "access_denied" || red.State != "st4te" {
		t.Errorf("deny: %v, state %q", err, red.State)
	}
}

// A token reply whose api_domain is not one of the Directory's is refused.
// The sandbox names its api_domain after the Host it is called on, so a proxy
// that forwards to it under another Host plays the crafted server.
func TestExchangeRefusesForeignAPIDomain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	target, _ := url.Parse(e.url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	inner := proxy.Director
	proxy.Director = func(r *http.Request) {
		inner(r)
		r.Host = "attacker.example:8443"
	}
	ps := httptest.NewServer(proxy)
	t.Cleanup(ps.Close)
	// The client trusts the proxy's address as a sandbox; only the reply's
	// api_domain is foreign.
	dir, err := zoho.ForSandbox(ps.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := zoho.NewClient(zoho.Config{Directory: dir, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	reg := e.selfClient("eu")
	code := e.code(reg, peopleScope)
	dc, _ := dir.DC("eu")
	tok, err := c.ExchangeCode(e.ctx(), dc, reg.ID, reg.Secret, code, "", "")
	if tok != nil {
		t.Fatalf("got tokens %v from a reply with a foreign api_domain", tok)
	}
	zerr(t, err, zoho.ClassConfig)
	if !strings.Contains(err.Error(), "API domain") {
		t.Errorf("got %v", err)
	}
	if !errors.Is(err, zoho.ErrHostNotAllowed) {
		t.Errorf("%v does not wrap ErrHostNotAllowed", err)
	}
	noSecrets(t, err, reg.Secret, code)
}

// A DataCentre value that is not one of the Client's Directory never gets a
// request: a stored or crafted DC cannot send the secret elsewhere.
func TestClientRefusesForeignDataCentre(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(attacker.Close)
	e := newEnv(t)
	dc := e.dc("eu")
	dc.AccountsURL = attacker.URL
	_, err := e.c.ExchangeCode(e.ctx(), dc, "1000.X", "secret-secret", "code-code", "", "")
	zerr(t, err, zoho.ClassConfig)
	if !errors.Is(err, zoho.ErrHostNotAllowed) {
		t.Errorf("%v does not wrap ErrHostNotAllowed", err)
	}
	dc = e.dc("eu")
	dc.PeopleURL = attacker.URL
	_, err = e.c.InsertRecord(e.ctx(), dc, "token-token", "employee", nil, zoho.InsertOptions{})
	zerr(t, err, zoho.ClassConfig)
	// The real Zoho hosts are not the sandbox's either.
	real, _ := zoho.LookupDC("eu")
	_, err = e.c.Refresh(e.ctx(), real, "1000.X", "secret-secret", "refresh-refresh")
	zerr(t, err, zoho.ClassConfig)
	if n := hits.Load(); n != 0 {
		t.Errorf("the foreign host got %d requests", n)
	}
}
