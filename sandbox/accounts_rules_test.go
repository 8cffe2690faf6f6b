package sandbox_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Each test here shows one rule of SANDBOX.md's token table at its limit and
// one past it, moving the sandbox clock instead of waiting. The clock is
// frozen, so "a second before" stays a second before on a slow machine.

// TestRuleTenAccessTokensPerTenMinutes: 10 refreshes of one refresh token in
// 10 minutes, the 11th "Access Denied" until the window has room. The code
// exchange's access token does not count.
func TestRuleTenAccessTokensPerTenMinutes(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	c := e.selfClient("us")
	rt := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
	for range 10 {
		e.mustRefresh(c, rt)
	}
	wantAccessDenied(t, e.refresh(c, rt))
	e.advance(599 * time.Second)
	wantAccessDenied(t, e.refresh(c, rt)) // the first refresh is still in the window
	e.advance(2 * time.Second)
	e.mustRefresh(c, rt)
	// Another refresh token of the same user and client has its own window.
	other := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
	e.mustRefresh(c, other)
}

// TestRuleFifteenActiveAccessTokens: the 16th refresh-made access token of a
// refresh token invalidates the oldest; the exchange's token is not counted.
func TestRuleFifteenActiveAccessTokens(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	c := e.selfClient("us")
	ex := e.mustExchange(c, e.code(c, peopleScope, 0))
	var made []string
	for range 10 {
		made = append(made, e.mustRefresh(c, ex.RefreshToken))
	}
	e.advance(601 * time.Second) // room in the throttle window; the tokens live an hour
	for range 5 {
		made = append(made, e.mustRefresh(c, ex.RefreshToken))
	}
	for i, at := range made {
		if !e.live("us", at) {
			t.Fatalf("access token %d of 15 is refused", i+1)
		}
	}
	made = append(made, e.mustRefresh(c, ex.RefreshToken)) // the 16th
	if e.live("us", made[0]) {
		t.Error("the oldest access token still works after the 16th was made")
	}
	for i, at := range made[1:] {
		if !e.live("us", at) {
			t.Errorf("access token %d is refused; only the oldest should be", i+2)
		}
	}
	if !e.live("us", ex.AccessToken) {
		t.Error("the code exchange's access token was invalidated; it does not count")
	}
	e.mustRefresh(c, ex.RefreshToken) // the 17th takes the next oldest
	if e.live("us", made[1]) || !e.live("us", made[2]) {
		t.Error("the 17th token must invalidate exactly the second oldest")
	}
}

// TestRuleTwentyRefreshTokens: the 21st refresh token of a user and client
// deletes the oldest, and the oldest's access tokens with it.
func TestRuleTwentyRefreshTokens(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	c := e.selfClient("au")
	var first, second tokenReply
	var firstRefreshed string
	for i := 1; i <= 21; i++ {
		r := e.mustExchange(c, e.code(c, peopleScope, 0))
		switch i {
		case 1:
			first, firstRefreshed = r, e.mustRefresh(c, r.RefreshToken)
		case 2:
			second = r
		case 20:
			if !e.live("au", first.AccessToken) || !e.live("au", firstRefreshed) {
				t.Fatal("the first refresh token's access tokens died before the 21st refresh token")
			}
			e.mustRefresh(c, first.RefreshToken)
		}
		e.advance(61 * time.Second) // stay within 5 refresh tokens a minute and 10 codes in 10 minutes
	}
	wantTokenError(t, e.refresh(c, first.RefreshToken), "invalid_code")
	if e.live("au", first.AccessToken) || e.live("au", firstRefreshed) {
		t.Error("the deleted refresh token's access tokens still work")
	}
	e.mustRefresh(c, second.RefreshToken)
	// Another client of the same user has its own 20.
	other := e.selfClient("au")
	e.mustExchange(other, e.code(other, peopleScope, 0))
	e.mustRefresh(c, second.RefreshToken)

	var revoked int
	for _, rt := range e.state().Tokens.Refresh {
		if rt.Revoked {
			revoked++
			if rt.Token != first.RefreshToken {
				t.Errorf("refresh token %s revoked; only the first should be", rt.Token)
			}
		}
	}
	if revoked != 1 {
		t.Errorf("%d refresh tokens revoked in the state, want 1", revoked)
	}
}

// TestRuleFiveRefreshTokensPerMinute: a user gets at most 5 new refresh
// tokens a minute, across clients; the 6th exchange is "Access Denied" and
// spends its code.
func TestRuleFiveRefreshTokensPerMinute(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	a, b := e.selfClient("jp"), e.selfClient("jp")
	for i := range 5 {
		c := a
		if i%2 == 1 {
			c = b
		}
		e.mustExchange(c, e.code(c, peopleScope, 0))
	}
	code := e.code(a, peopleScope, 0)
	wantAccessDenied(t, e.exchange("jp", a, code))
	wantTokenError(t, e.exchange("jp", a, code), "invalid_code")
	e.advance(61 * time.Second)
	e.mustExchange(a, e.code(a, peopleScope, 0))
	// Another user of the DC is not held back by the first one's tokens.
	e.control("POST", "/_sandbox/users", map[string]any{"dc": "jp", "email": "second@jp.sandbox.test", "password": "pw"}, http.StatusOK, nil)
	c2 := e.register(map[string]any{"dc": "jp", "client_type": "self", "user": "second@jp.sandbox.test"})
	for range 5 {
		e.mustExchange(c2, e.code(c2, peopleScope, 0))
	}
	wantAccessDenied(t, e.exchange("jp", c2, e.code(c2, peopleScope, 0)))
}

// TestRuleGrantTokenLifetimes: a redirect-flow code lives 120 s, a Self
// Client code its chosen duration (3 minutes by default); each works once.
func TestRuleGrantTokenLifetimes(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	w := e.webClient("ca", false)
	b := e.browser()
	authURL := e.accounts("ca") + "/oauth/v2/auth?response_type=code&scope=" + peopleScope +
		"&client_id=" + w.ID + "&redirect_uri=" + url.QueryEscape(redirectURI)
	code1 := b.authorize("ca", authURL).Query().Get("code")
	code2 := b.authorize("ca", authURL).Query().Get("code")
	exchange := func(code string) tokenReply {
		return e.postToken("ca", url.Values{"grant_type": {"authorization_code"}, "client_id": {w.ID},
			"client_secret": {w.Secret}, "code": {code}, "redirect_uri": {redirectURI}})
	}
	e.advance(119 * time.Second)
	if r := exchange(code1); r.AccessToken == "" {
		t.Fatalf("a redirect code refused at 119 s: %s", r.Raw)
	}
	wantTokenError(t, exchange(code1), "invalid_code") // single use
	e.advance(2 * time.Second)
	wantTokenError(t, exchange(code2), "invalid_code") // 121 s: expired

	for _, minutes := range []int{0, 3, 5, 7, 10} {
		c := e.selfClient("ca")
		early, late := e.code(c, peopleScope, minutes), e.code(c, peopleScope, minutes)
		life := time.Duration(minutes) * time.Minute
		if minutes == 0 {
			life = 3 * time.Minute
		}
		e.advance(life - time.Second)
		if r := e.exchange("ca", c, early); r.AccessToken == "" {
			t.Fatalf("duration %d: a code refused a second before it expires: %s", minutes, r.Raw)
		}
		wantTokenError(t, e.exchange("ca", c, early), "invalid_code")
		e.advance(2 * time.Second)
		wantTokenError(t, e.exchange("ca", c, late), "invalid_code")
	}
	for _, bad := range []int{1, 4, 15, -3} {
		e.controlErrors("POST", "/_sandbox/self-client/code", map[string]any{"client_id": e.selfClient("ca").ID, "scope": peopleScope, "duration_minutes": bad}, http.StatusBadRequest)
	}
}

// TestRuleAccessTokenLifetime: an access token works for 3600 s (expires_in)
// and not a second more; the lifetime follows the limits.
func TestRuleAccessTokenLifetime(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	c := e.selfClient("sa")
	r := e.mustExchange(c, e.code(c, peopleScope, 0))
	if r.ExpiresIn != 3600 {
		t.Errorf("expires_in %d, want 3600", r.ExpiresIn)
	}
	e.advance(3599 * time.Second)
	if !e.live("sa", r.AccessToken) {
		t.Fatal("the access token died before 3600 s")
	}
	refreshed := e.mustRefresh(c, r.RefreshToken)
	e.advance(time.Second)
	if e.live("sa", r.AccessToken) {
		t.Fatal("the access token still works at 3600 s")
	}
	if !e.live("sa", refreshed) {
		t.Fatal("a token made a second ago died with the old one")
	}

	e.control("PUT", "/_sandbox/limits", map[string]any{"access_token_lifetime_seconds": 60}, http.StatusOK, nil)
	r = e.mustExchange(c, e.code(c, peopleScope, 0))
	if r.ExpiresIn != 60 {
		t.Errorf("expires_in %d after setting the lifetime to 60", r.ExpiresIn)
	}
	e.advance(61 * time.Second)
	if e.live("sa", r.AccessToken) {
		t.Error("the access token outlived the configured 60 s")
	}
}

// TestRuleTenGrantTokensPerClient: 10 codes per client in 10 minutes, the
// 11th refused, by the Self Client and by the redirect flow alike.
func TestRuleTenGrantTokensPerClient(t *testing.T) {
	e := newEnv(t)
	e.freeze()
	c := e.selfClient("uk")
	for range 10 {
		e.code(c, peopleScope, 0)
	}
	msgs := e.controlErrors("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ID, "scope": peopleScope}, http.StatusTooManyRequests)
	if !strings.HasPrefix(msgs[0], "Access Denied") {
		t.Errorf("the 11th code: %q, want Access Denied", msgs)
	}
	e.code(e.selfClient("uk"), peopleScope, 0) // another client is not held back
	e.advance(601 * time.Second)
	e.code(c, peopleScope, 0)

	w := e.webClient("uk", false)
	b := e.browser()
	authURL := e.accounts("uk") + "/oauth/v2/auth?response_type=code&scope=" + peopleScope +
		"&client_id=" + w.ID + "&redirect_uri=" + url.QueryEscape(redirectURI)
	for range 10 {
		b.authorize("uk", authURL)
	}
	p := b.get(authURL)
	if p.status != http.StatusOK || p.location != "" || !strings.Contains(p.body, "Maximum request limit reached") {
		t.Errorf("the 11th authorization: HTTP %d Location %q; want Zoho's Access Denied page:\n%s", p.status, p.location, p.body)
	}
}
