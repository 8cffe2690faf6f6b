package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// accessDeniedCalls counts, among the call counts of /_sandbox/state, the
// token calls answered "Access Denied" (throttled or by a fault), so that a
// client's economy can be judged by what Zoho would have refused.
const accessDeniedCalls = "accounts.token.access_denied"

// handleToken is POST {accounts}/oauth/v2/token: the authorization_code and
// refresh_token grants. Every answer, errors included, is HTTP 200 with a JSON
// body, as Zoho answers.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	dc, ok := s.dcFromRequest(w, r)
	if !ok || !s.begin(w, r, "accounts.token") {
		return
	}
	if err := parseParams(r); err != nil {
		http.Error(w, "cannot read the request's parameters: "+err.Error(), http.StatusBadRequest)
		return
	}
	domain := apiDomain(r, dc)
	var body any
	s.mu.Lock()
	switch r.Form.Get("grant_type") {
	case "authorization_code":
		body = s.exchangeCodeLocked(dc, r, domain)
	case "refresh_token":
		body = s.refreshGrantLocked(dc, r, domain)
	default:
		body = errUnsupportedGrant
	}
	if body == any(errAccessDenied) {
		s.calls[accessDeniedCalls]++
	}
	s.mu.Unlock()
	writeAccountsJSON(w, http.StatusOK, body)
}

// exchangeCodeLocked is the authorization_code grant. The order of the checks
// is SANDBOX.md's: a request in which the client does not authenticate leaves
// the code untouched (invalid_client); any other uses it up, even when it then
// fails (expired, wrong redirect URI, wrong PKCE verifier, throttled).
func (s *Server) exchangeCodeLocked(dc string, r *http.Request, domain string) any {
	id, secret := clientCredentials(r)
	c := s.clients[id]
	if c == nil {
		return errInvalidClient
	}
	// Codes are looked up per DC and per client: another DC's server would not
	// know this code, and a client cannot spend another client's codes.
	g := s.grants[r.Form.Get("code")]
	if g != nil && (g.client != c || g.dc != dc) {
		g = nil
	}
	// A mobile app is a public client: with PKCE, Zoho lets it exchange a code
	// without its secret, the verifier standing in for it.
	public := secret == "" && c.clientType == "mobile" && g != nil && g.challenge != ""
	if _, ok := c.secretFor(dc); !ok || (!public && !c.authenticates(dc, secret)) {
		return errInvalidClient
	}
	if g == nil || g.used {
		return errInvalidCode
	}
	g.used = true
	if !s.nowLocked().Before(g.expires) {
		return errInvalidCode
	}
	if !g.selfClient && r.Form.Get("redirect_uri") != g.redirectURI {
		return errInvalidRedirectURI
	}
	if g.challenge != "" && !pkceVerifies(g.challengeMode, g.challenge, r.Form.Get("code_verifier")) {
		return errInvalidCode
	}
	var rt *refreshToken
	if g.offline {
		if !s.newRefreshRoomLocked(g.user) {
			return errAccessDenied
		}
		rt = s.issueRefreshLocked(g)
	}
	at := s.issueAccessLocked(c, dc, g.user, g.org, g.scopes, rt, false)
	resp := tokenResponse{
		AccessToken: at.token, Scope: strings.Join(g.scopes, " "), APIDomain: domain,
		TokenType: "Bearer", ExpiresIn: s.limits.AccessTokenLifetimeSeconds,
	}
	if rt != nil {
		resp.RefreshToken = rt.token
	}
	return resp
}

// refreshGrantLocked is the refresh_token grant: a new access token, never a
// new refresh token.
func (s *Server) refreshGrantLocked(dc string, r *http.Request, domain string) any {
	id, secret := clientCredentials(r)
	c := s.clients[id]
	if c == nil || !c.authenticates(dc, secret) {
		return errInvalidClient
	}
	rt := s.refresh[r.Form.Get("refresh_token")]
	if rt == nil || rt.revoked || rt.client != c || rt.dc != dc {
		return errInvalidCode
	}
	if !s.refreshRoomLocked(rt) {
		return errAccessDenied
	}
	at := s.issueAccessLocked(c, dc, rt.user, rt.org, rt.scopes, rt, true)
	return tokenResponse{
		AccessToken: at.token, Scope: strings.Join(rt.scopes, " "), APIDomain: domain,
		TokenType: "Bearer", ExpiresIn: s.limits.AccessTokenLifetimeSeconds,
	}
}

// pkceVerifies reports whether verifier answers the PKCE challenge made with
// method (RFC 7636: S256 or plain).
func pkceVerifies(method, challenge, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		verifier = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(verifier), []byte(challenge)) == 1
}
