package sandbox

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
)

// routeAccounts registers Zoho Accounts for every DC: the authorization page
// (with the sandbox's sign-in and consent steps), the token endpoint and
// revocation. The {dc} segment is checked by each handler: an unknown DC is 404.
func (s *Server) routeAccounts(mux *http.ServeMux) {
	// The browser-facing POSTs (sign-in, consent) refuse cross-origin
	// requests, as Zoho's own pages do with their CSRF tokens.
	csrf := http.NewCrossOriginProtection()
	mux.HandleFunc("GET /{dc}/accounts/oauth/v2/auth", s.handleAuth)
	mux.Handle("POST /{dc}/accounts/oauth/v2/auth", csrf.Handler(http.HandlerFunc(s.handleConsent)))
	mux.Handle("POST /{dc}/accounts/signin", csrf.Handler(http.HandlerFunc(s.handleSignIn)))
	mux.HandleFunc("POST /{dc}/accounts/oauth/v2/token", s.handleToken)
	mux.HandleFunc("POST /{dc}/accounts/oauth/v2/token/revoke", s.handleRevoke)
}

// The bodies of the token endpoint's errors. Zoho sends them with HTTP 200,
// so a client must read the body whatever the status.
var (
	errInvalidClient      = tokenError{Error: "invalid_client"}
	errInvalidCode        = tokenError{Error: "invalid_code"}
	errInvalidRedirectURI = tokenError{Error: "invalid_redirect_uri"}
	errUnsupportedGrant   = tokenError{Error: "unsupported_grant_type"}
)

// tokenError is the token endpoint's usual error body: {"error":"invalid_code"}.
type tokenError struct {
	Error string `json:"error"`
}

// accessDenied is the throttle body of SANDBOX.md, field for field and in
// Zoho's order.
type accessDenied struct {
	ErrorDescription string `json:"error_description"`
	Error            string `json:"error"`
	Status           string `json:"status"`
}

// errAccessDenied is what every token throttle answers.
var errAccessDenied = accessDenied{
	ErrorDescription: "You have made too many requests continuously. Please try again after some time.",
	Error:            "Access Denied",
	Status:           "failure",
}

// tokenResponse is a successful token reply. The refresh grant leaves
// RefreshToken empty, and Zoho then omits it.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	APIDomain    string `json:"api_domain"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// writeAccountsJSON writes body as Zoho Accounts does: JSON with the charset
// in the content type.
func writeAccountsJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// parseParams reads the request's parameters from the query string and the
// body (x-www-form-urlencoded or multipart form-data), as Zoho accepts both.
func parseParams(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(1 << 20)
	}
	return r.ParseForm()
}

// clientCredentials returns the client ID and secret of a token request: from
// the parameters, or from a Basic authorization header, the third way Zoho
// documents.
func clientCredentials(r *http.Request) (id, secret string) {
	id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
	if id == "" {
		if u, p, ok := r.BasicAuth(); ok {
			id, secret = u, p
		}
	}
	return id, secret
}

// secretFor returns the client's secret in DC dc: its own in its home DC, the
// DC's own with Multi-DC enabled, and nothing elsewhere (invalid_client).
func (c *client) secretFor(dc string) (string, bool) {
	if dc == c.dc {
		return c.secret, true
	}
	if !c.multiDC {
		return "", false
	}
	sec, ok := c.dcSecrets[dc]
	return sec, ok
}

// authenticates reports whether secret is client c's secret in DC dc.
func (c *client) authenticates(dc, secret string) bool {
	want, ok := c.secretFor(dc)
	return ok && subtle.ConstantTimeCompare([]byte(secret), []byte(want)) == 1
}

// apiDomain is the api_domain of token replies: the sandbox's own URL for the
// DC, as zoho.SandboxDC computes it, so a client following it stays on loopback.
func apiDomain(r *http.Request, dc string) string {
	return baseURL(r) + "/" + dc + "/api"
}
