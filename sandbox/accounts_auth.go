package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The redirect flow, as a browser sees it:
//
//	GET  /{dc}/accounts/oauth/v2/auth?…   validates the request; shows an error
//	                                      page, the sign-in form or the consent form
//	POST /{dc}/accounts/signin            checks email and password, sets the
//	                                      session cookie, back to the GET above
//	POST /{dc}/accounts/oauth/v2/auth     Accept or Deny: 302 to the redirect URI
//
// The forms carry the original query string in a hidden field "q", and every
// step validates it again, so no half-finished request is kept on the server.

// sessionCookie names the sandbox's sign-in cookie; its path is the DC's
// accounts server, so each DC has its own sign-in, as Zoho's hosts do.
const sessionCookie = "zsandbox_session"

// authErrors are the error pages of /oauth/v2/auth, with seed 004's resolutions.
var authErrors = map[string]string{
	"ERROR_invalid_response_type": `The value of the "response_type" key is not "code". Update the value as "code". (or) You have not passed the mandatory keys in the request. Pass all the mandatory keys in the request to generate the organization-specific grant token.`,
	"ERROR_invalid_client":        "The client ID is wrong or empty. Pass the right client ID. You can check your client ID from the developer console.",
	"ERROR_invalid_redirect_uri":  "The redirect URI value passed, and the one registered in the developer console mismatches. Pass the right redirect URI.",
	"ERROR_invalid_scope":         "The scope is invalid. Pass valid scopes.",
	// Zoho documents no error for a bad PKCE method; RFC 7636 calls it invalid_request.
	"ERROR_invalid_request": `The code_challenge_method is not supported. Send "S256" or "plain", or leave it out for "plain".`,
}

// authRequest is a validated /oauth/v2/auth request.
type authRequest struct {
	dc          string
	client      *client
	redirectURI string
	scopes      []string
	offline     bool // access_type=offline
	forceAsk    bool // prompt=consent
	state       string
	hasState    bool
	challenge   string
	method      string
}

// consent is what a user has agreed to for one client, so that a later
// request for no more than that skips the consent page unless prompt=consent.
type consent struct {
	scopes map[string]bool // lower case
	org    *org
}

// validateAuthLocked checks an authorization request in SANDBOX.md's order:
// response type, client, redirect URI, scopes. It returns the error page's
// code and a detail for the developer when the request is refused.
func (s *Server) validateAuthLocked(dc string, q url.Values) (*authRequest, string, string) {
	if q.Get("response_type") != "code" {
		return nil, "ERROR_invalid_response_type", `response_type is ` + quoteOrMissing(q.Get("response_type")) + `; send response_type=code.`
	}
	c := s.clients[q.Get("client_id")]
	if c == nil {
		return nil, "ERROR_invalid_client", "client_id " + quoteOrMissing(q.Get("client_id")) + " is not a client of this sandbox."
	}
	if _, ok := c.secretFor(dc); !ok {
		return nil, "ERROR_invalid_client", "the client is registered in data centre " + c.dc + " and Multi-DC is not enabled for it; start at /" + c.dc + "/accounts."
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || !slices.Contains(c.redirects, redirect) {
		return nil, "ERROR_invalid_redirect_uri", "redirect_uri " + quoteOrMissing(redirect) + " is not one of the client's registered redirect URIs."
	}
	scopes := splitScopeList(q.Get("scope"))
	if len(scopes) == 0 {
		return nil, "ERROR_invalid_scope", "no scope was sent; send comma-separated scopes such as ZOHOPEOPLE.forms.ALL."
	}
	if bad := invalidScopes(scopes); len(bad) > 0 {
		return nil, "ERROR_invalid_scope", "unknown scope(s): " + strings.Join(bad, ", ") + " (scopes are separated by commas)."
	}
	req := &authRequest{
		dc: dc, client: c, redirectURI: redirect, scopes: scopes,
		offline: q.Get("access_type") == "offline", forceAsk: q.Get("prompt") == "consent",
		state: q.Get("state"), hasState: q.Has("state"), challenge: q.Get("code_challenge"),
	}
	if req.challenge != "" {
		req.method = q.Get("code_challenge_method")
		if req.method == "" {
			req.method = "plain" // RFC 7636's default, and Zoho's
		}
		if req.method != "S256" && req.method != "plain" {
			return nil, "ERROR_invalid_request", "code_challenge_method " + quoteOrMissing(req.method) + " is not supported."
		}
	}
	return req, "", ""
}

func quoteOrMissing(v string) string {
	if v == "" {
		return "missing"
	}
	return `"` + v + `"`
}

// handleAuth is GET /{dc}/accounts/oauth/v2/auth.
func (s *Server) handleAuth(w http.ResponseWriter, r *http.Request) {
	dc, ok := s.dcFromRequest(w, r)
	if !ok || !s.begin(w, r, "accounts.auth") {
		return
	}
	s.authStep(w, r, dc, r.URL.RawQuery, "", "")
}

// authStep validates the request in rawQuery and shows what comes next: the
// error page, the sign-in form (with signInError, for the email tried), or
// for a signed-in user the consent page, skipped when the user has already
// consented to as much and prompt=consent is absent.
func (s *Server) authStep(w http.ResponseWriter, r *http.Request, dc, rawQuery, email, signInError string) {
	q, _ := url.ParseQuery(rawQuery)
	s.mu.Lock()
	req, code, detail := s.validateAuthLocked(dc, q)
	if req == nil {
		s.mu.Unlock()
		renderPage(w, http.StatusBadRequest, "accounts_error", errorPage{Title: "Authorization failed", Code: code, Resolution: authErrors[code], Detail: detail})
		return
	}
	u := s.sessionUserLocked(r, dc)
	if u == nil {
		data := signInPage{Title: "Sign in", DC: dc, ClientName: req.client.name, Query: rawQuery, Email: email, DefaultEmail: s.dcs[dc].defaultUser.email}
		s.mu.Unlock()
		if signInError != "" {
			data.Errors = []string{signInError}
		}
		renderPage(w, http.StatusOK, "accounts_signin", data)
		return
	}
	if prior := s.consented[userClient{u, req.client}]; prior != nil && !req.forceAsk && prior.covers(req.scopes) {
		// Zoho asks once; later requests for the same access go straight back.
		target, ok := s.approveLocked(req, u, prior.org, r)
		s.mu.Unlock()
		s.finishApproval(w, target, ok)
		return
	}
	data := consentPage{Title: "Allow access", DC: dc, ClientName: req.client.name, Email: u.email, Scopes: req.scopes, Query: rawQuery}
	for _, o := range u.orgs {
		data.Orgs = append(data.Orgs, orgView{ID: o.id, Name: o.name})
	}
	s.mu.Unlock()
	renderPage(w, http.StatusOK, "accounts_consent", data)
}

// handleSignIn is POST /{dc}/accounts/signin: email, password and q, the
// authorization request's query string.
func (s *Server) handleSignIn(w http.ResponseWriter, r *http.Request) {
	dc, ok := s.dcFromRequest(w, r)
	if !ok || !s.begin(w, r, "accounts.auth") {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the sign-in form: "+err.Error(), http.StatusBadRequest)
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	s.mu.Lock()
	u := s.dcs[dc].users[strings.ToLower(email)]
	if u == nil || u.password != r.PostForm.Get("password") {
		s.mu.Unlock()
		s.authStep(w, r, dc, r.PostForm.Get("q"), email, "Invalid email address or password for data centre "+dc+".")
		return
	}
	sid := randomHex(16)
	s.sessions[sid] = u
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sid, Path: "/" + dc + "/accounts/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/"+dc+"/accounts/oauth/v2/auth?"+r.PostForm.Get("q"), http.StatusSeeOther)
}

// handleConsent is POST /{dc}/accounts/oauth/v2/auth: decision=accept or
// deny, org, and q, the authorization request's query string.
func (s *Server) handleConsent(w http.ResponseWriter, r *http.Request) {
	dc, ok := s.dcFromRequest(w, r)
	if !ok || !s.begin(w, r, "accounts.auth") {
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the consent form: "+err.Error(), http.StatusBadRequest)
		return
	}
	rawQuery := r.PostForm.Get("q")
	q, _ := url.ParseQuery(rawQuery)
	s.mu.Lock()
	req, _, _ := s.validateAuthLocked(dc, q)
	u := s.sessionUserLocked(r, dc)
	if req == nil || u == nil {
		// The request went bad or the session ended since the form was shown:
		// start the flow again, which shows the reason.
		s.mu.Unlock()
		s.authStep(w, r, dc, rawQuery, "", "")
		return
	}
	switch r.PostForm.Get("decision") {
	case "accept":
		// The organisation chosen on the page; a stale or missing choice
		// falls back to the one the page offers first.
		o := pickOrg(u, s.dcs[dc], r.PostForm.Get("org"))
		if o == nil {
			o = pickOrg(u, s.dcs[dc], "")
		}
		if o == nil {
			s.mu.Unlock()
			http.Error(w, u.email+" belongs to no organisation; add one with POST /_sandbox/orgs", http.StatusBadRequest)
			return
		}
		target, ok := s.approveLocked(req, u, o, r)
		s.mu.Unlock()
		s.finishApproval(w, target, ok)
	case "deny":
		s.mu.Unlock()
		v := url.Values{"error": {"access_denied"}}
		if req.hasState {
			v.Set("state", req.state)
		}
		redirectWith(w, req.redirectURI, v.Encode())
	default:
		s.mu.Unlock()
		http.Error(w, `the consent form needs decision=accept or decision=deny`, http.StatusBadRequest)
	}
}

// approveLocked issues the grant token of an accepted request for user u and
// organisation o and returns the redirect target. It returns false when the
// client is over its grant-token limit.
func (s *Server) approveLocked(req *authRequest, u *user, o *org, r *http.Request) (string, bool) {
	if !s.grantRoomLocked(req.client) {
		return "", false
	}
	key := userClient{u, req.client}
	prior := s.consented[key]
	g := s.issueGrantLocked(grantToken{
		client: req.client, dc: req.dc, user: u, org: o, scopes: req.scopes,
		redirectURI: req.redirectURI, challenge: req.challenge, challengeMode: req.method,
		// A refresh token comes with offline access on the first consent, or
		// on any consent that prompt=consent forced.
		offline: req.offline && (prior == nil || req.forceAsk),
	}, seconds(s.limits.RedirectGrantLifetimeSeconds))
	if prior == nil {
		prior = &consent{scopes: map[string]bool{}}
		s.consented[key] = prior
	}
	prior.org = o
	for _, sc := range req.scopes {
		prior.scopes[strings.ToLower(sc)] = true
	}
	// Zoho's order: code, location, accounts-server, then state.
	query := "code=" + url.QueryEscape(g.code) + "&location=" + req.dc +
		"&accounts-server=" + url.QueryEscape(baseURL(r)+"/"+req.dc+"/accounts")
	if req.hasState {
		query += "&state=" + url.QueryEscape(req.state)
	}
	return redirectTarget(req.redirectURI, query), true
}

// finishApproval sends the browser to target, or shows Zoho's roadblock page
// when the grant-token limit refused the approval (HTTP 200, as Zoho answers
// its throttles).
func (s *Server) finishApproval(w http.ResponseWriter, target string, ok bool) {
	if !ok {
		renderPage(w, http.StatusOK, "accounts_roadblock", errorPage{Title: "Access Denied", Detail: "The client has been issued its limit of grant tokens for now (see grant_tokens_per_window in GET /_sandbox/limits)."})
		return
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusFound)
}

// redirectWith sends a 302 to redirectURI with query appended.
func redirectWith(w http.ResponseWriter, redirectURI, query string) {
	w.Header().Set("Location", redirectTarget(redirectURI, query))
	w.WriteHeader(http.StatusFound)
}

// redirectTarget appends query to redirectURI, which may have a query already.
func redirectTarget(redirectURI, query string) string {
	sep := "?"
	if strings.Contains(redirectURI, "?") {
		sep = "&"
	}
	return redirectURI + sep + query
}

// covers reports whether the consent includes every scope of scopes.
func (c *consent) covers(scopes []string) bool {
	for _, sc := range scopes {
		if !c.scopes[strings.ToLower(sc)] {
			return false
		}
	}
	return true
}

// sessionUserLocked returns the user signed in to DC dc by the request's
// session cookie, or nil.
func (s *Server) sessionUserLocked(r *http.Request, dc string) *user {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	if u := s.sessions[ck.Value]; u != nil && u.dc == dc {
		return u
	}
	return nil
}

// The data of the Accounts pages.
type (
	errorPage struct {
		Title, Code, Resolution, Detail string
	}
	signInPage struct {
		Title, DC, ClientName, Query, Email, DefaultEmail string
		Errors                                            []string
	}
	consentPage struct {
		Title, DC, ClientName, Email, Query string
		Scopes                              []string
		Orgs                                []orgView
	}
	orgView struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
)
