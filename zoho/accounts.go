package zoho

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Token is what Zoho Accounts issues: an access token for an hour and, from a
// code exchange with access_type=offline, a refresh token that lives until it
// is revoked. Its String, GoString and LogValue hide both tokens, so printing
// or logging a Token never leaks them.
type Token struct {
	// AccessToken goes in the "Authorization: Zoho-oauthtoken" header.
	AccessToken string
	// RefreshToken makes new access tokens. From Refresh it is the refresh
	// token that was used (Zoho does not issue a new one); from ExchangeCode
	// it is empty when Zoho sent none (no access_type=offline, or a repeat
	// consent without prompt=consent).
	RefreshToken string
	// Expiry is when the access token stops working, by this machine's
	// clock: the time of the reply plus Zoho's expires_in; zero when Zoho
	// did not say.
	Expiry time.Time
	// Lifetime is Zoho's expires_in: how long the access token lives from
	// the reply (an hour).
	Lifetime time.Duration
	// Scopes are the scopes granted, when Zoho says (space-separated "scope").
	Scopes []string
	// APIDomain is Zoho's api_domain, already checked against the Directory
	// (People and Recruit do not use it).
	APIDomain string
	// TokenType is Zoho's token_type, "Bearer".
	TokenType string
}

// String describes t without its secrets.
func (t Token) String() string {
	var b strings.Builder
	b.WriteString("zoho.Token{access:")
	b.WriteString(mask(t.AccessToken))
	b.WriteString(" refresh:")
	b.WriteString(mask(t.RefreshToken))
	b.WriteString(" expiry:")
	b.WriteString(t.Expiry.Format(time.RFC3339))
	b.WriteString(" scopes:")
	b.WriteString(strings.Join(t.Scopes, ","))
	b.WriteString("}")
	return b.String()
}

// GoString is String, so %#v hides the tokens too.
func (t Token) GoString() string { return t.String() }

// LogValue implements slog.LogValuer without the tokens.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("access", t.AccessToken != ""),
		slog.Bool("refresh", t.RefreshToken != ""),
		slog.Time("expiry", t.Expiry),
		slog.String("scopes", strings.Join(t.Scopes, ",")),
	)
}

func mask(s string) string {
	if s == "" {
		return "none"
	}
	return "[redacted]"
}

// Scopes hrconnect asks for: creating and reading People records, and reading
// and creating Recruit candidates.
const (
	ScopePeopleForms       = "ZOHOPEOPLE.forms.ALL"
	ScopeRecruitCandidates = "ZohoRecruit.modules.candidate.ALL"
)

// NewCodeVerifier returns a new PKCE code verifier (RFC 7636): 32 random bytes,
// base64url-encoded. Keep it with the pending authorization and pass it to
// ExchangeCode; send CodeChallengeS256 of it in AuthCodeURL.
func NewCodeVerifier() string { return oauth2.GenerateVerifier() }

// CodeChallengeS256 returns the S256 PKCE challenge of verifier.
func CodeChallengeS256(verifier string) string { return oauth2.S256ChallengeFromVerifier(verifier) }

// accountsConfig is the x/oauth2 view of a client in one data centre. The
// explicit AuthStyleInParams puts client_id and client_secret in the form
// body, as Zoho documents; with AuthStyleAutoDetect x/oauth2 would first try
// Basic auth and, on Zoho's refusal, send the secret a second time.
func accountsConfig(dc DataCentre, clientID, clientSecret, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURI,
		Endpoint: oauth2.Endpoint{
			AuthURL:   dc.AccountsURL + "/oauth/v2/auth",
			TokenURL:  dc.AccountsURL + "/oauth/v2/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// AuthCodeURL returns the URL of Zoho's consent page in dc for the web-server
// flow: scopes comma-separated (Zoho's syntax), access_type=offline and
// prompt=consent (so every consent yields a refresh token), state, and the
// PKCE S256 challenge when codeChallenge is not empty.
func (c *Client) AuthCodeURL(dc DataCentre, clientID, redirectURI string, scopes []string, state, codeChallenge string) (string, error) {
	const op = "accounts.auth"
	if err := c.checkDC(op, dc); err != nil {
		return "", err
	}
	if clientID == "" || redirectURI == "" || len(scopes) == 0 {
		return "", &Error{Op: op, DC: dc.Location, Class: ClassConfig,
			Message:    "A client ID, a redirect URI and at least one scope are needed to ask Zoho for consent.",
			Resolution: "Enter the client ID from the Zoho API Console and check the connection's scopes."}
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("scope", strings.Join(scopes, ",")),
		oauth2.AccessTypeOffline,
		oauth2.ApprovalForce,
	}
	if codeChallenge != "" {
		opts = append(opts,
			oauth2.SetAuthURLParam("code_challenge", codeChallenge),
			oauth2.SetAuthURLParam("code_challenge_method", "S256"))
	}
	return accountsConfig(dc, clientID, "", redirectURI).AuthCodeURL(state, opts...), nil
}

// ExchangeCode exchanges a grant token (from the redirect, or a Self Client's
// Generate Code) for tokens, at dc's accounts server: the one named by the
// redirect's accounts-server, or where the Self Client is registered.
// redirectURI must be the one the authorization used; it is empty for a Self
// Client code. codeVerifier is the PKCE verifier, or empty.
//
// Every refusal is an *Error: invalid_code (expired, used, wrong) is
// ClassReconnect, invalid_client and invalid_redirect_uri are ClassConfig,
// "Access Denied" (throttle) is ClassRetry. A reply whose api_domain is not in
// the Directory is refused and its tokens discarded.
func (c *Client) ExchangeCode(ctx context.Context, dc DataCentre, clientID, clientSecret, code, redirectURI, codeVerifier string) (*Token, error) {
	const op = "accounts.exchangeCode"
	if err := c.checkDC(op, dc); err != nil {
		return nil, err
	}
	if clientID == "" || clientSecret == "" || code == "" {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassConfig,
			Message:    "The client ID, the client secret and the grant code are all needed.",
			Resolution: "Copy the client ID and secret from the Zoho API Console and start the connection again."}
	}
	var opts []oauth2.AuthCodeOption
	if codeVerifier != "" {
		opts = append(opts, oauth2.VerifierOption(codeVerifier))
	}
	ctx, call := c.withTokenCall(ctx)
	tok, err := accountsConfig(dc, clientID, clientSecret, redirectURI).Exchange(ctx, code, opts...)
	t, zerr := c.finishToken(ctx, op, dc, false, call, tok, err)
	if zerr != nil {
		return nil, zerr.scrub(clientSecret, code, codeVerifier)
	}
	return t, nil
}

// Refresh makes a new access token from refreshToken at dc's accounts server.
// The returned Token carries refreshToken itself as its RefreshToken: Zoho
// issues no new one and the old one stays valid.
//
// invalid_code (the refresh token was revoked or is wrong) and invalid_client
// (the client was deleted or its secret changed) are ClassReconnect: a person
// must reconnect. "Access Denied" (more than Zoho's refreshes per 10 minutes)
// is ClassRetry with a RetryAfter.
func (c *Client) Refresh(ctx context.Context, dc DataCentre, clientID, clientSecret, refreshToken string) (*Token, error) {
	const op = "accounts.refresh"
	if err := c.checkDC(op, dc); err != nil {
		return nil, err
	}
	if clientID == "" || clientSecret == "" || refreshToken == "" {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassReconnect,
			Message:    "The connection has no client ID, client secret or refresh token to refresh with.",
			Resolution: "Reconnect the Zoho account."}
	}
	ctx, call := c.withTokenCall(ctx)
	tok, err := accountsConfig(dc, clientID, clientSecret, "").
		TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	t, zerr := c.finishToken(ctx, op, dc, true, call, tok, err)
	if zerr != nil {
		return nil, zerr.scrub(clientSecret, refreshToken)
	}
	t.RefreshToken = refreshToken
	return t, nil
}

// finishToken turns the outcome of an x/oauth2 token call into a Token or an
// *Error, trusting what tokenTransport recorded over x/oauth2's error text.
func (c *Client) finishToken(ctx context.Context, op string, dc DataCentre, refresh bool, call *tokenCall, tok *oauth2.Token, err error) (*Token, *Error) {
	switch {
	case call.fail != nil:
		return nil, tokenError(op, dc, refresh, call.fail)
	case errors.Is(err, ErrHostNotAllowed):
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassConfig, Err: ErrHostNotAllowed,
			Message:    "The token request was addressed outside Zoho's data centres, so hrconnect did not send it.",
			Resolution: "Choose the data centre from hrconnect's list."}
	case err != nil && !call.replied:
		return nil, transportError(op, dc.Location, "Zoho Accounts", ctxErr(ctx, err))
	case err != nil || tok == nil:
		// A reply that decodeTokenReply accepted but x/oauth2 did not:
		// nothing a person can fix, so treat it as a bad reply.
		return nil, serverError(op, dc.Location, "Zoho Accounts", http.StatusOK)
	}
	r := &call.reply
	t := &Token{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Expiry:       tok.Expiry,
		Scopes:       splitScopes(string(r.Scope)),
		APIDomain:    string(r.APIDomain),
		TokenType:    tok.TokenType,
	}
	if d := r.lifetime(); d > 0 {
		t.Lifetime = d
		t.Expiry = time.Now().Add(d)
	}
	if t.APIDomain != "" {
		if _, err := c.dir.APIDomainDC(t.APIDomain); err != nil {
			return nil, &Error{
				Op: op, DC: dc.Location, Class: ClassConfig, HTTPStatus: 200, Err: err,
				Message:    "The token reply named an API domain outside Zoho's data centres, so hrconnect discarded the tokens.",
				Resolution: "This should never happen with Zoho itself: check that the accounts server and any proxy in between are genuine, then connect again.",
			}
		}
	}
	return t, nil
}

// splitScopes splits Zoho's scope list, space-separated in token replies (and
// comma-separated in requests; both are accepted).
func splitScopes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' })
}

// throttleWait is the RetryAfter of a token throttle ("Access Denied") when
// Zoho does not say: its window slides over 10 minutes, so room usually comes
// back within minutes, and a refused request does not count against it.
const throttleWait = time.Minute

// tokenError classifies a refused token request. The resolutions follow
// Zoho's own ("Possible Errors" of the People OAuth guide).
func tokenError(op string, dc DataCentre, refresh bool, f *tokenFailure) *Error {
	e := &Error{Op: op, DC: dc.Location, HTTPStatus: f.status, Code: clip(f.code, 64), ZohoMessage: clip(f.description, 300)}
	dcName := dc.Name
	if dcName == "" {
		dcName = dc.Location
	}
	switch normaliseTokenCode(f.code) {
	case "invalid_client", "invalid_client_secret":
		if refresh {
			e.Class = ClassReconnect
			e.Message = "Zoho no longer accepts this connection's client ID or secret."
			e.Resolution = "The client may have been deleted, or its secret regenerated, in the Zoho API Console, or Multi-DC settings changed. Enter the current client ID and secret for " + dcName + " and reconnect."
		} else {
			e.Class = ClassConfig
			e.Message = "Zoho did not accept the client ID or secret."
			e.Resolution = "Check both in the Zoho API Console, and that the client was registered in the data centre chosen here (" + dcName + "), or enable Multi-DC for it; with Multi-DC each data centre has its own client secret."
		}
	case "invalid_code":
		e.Class = ClassReconnect
		if refresh {
			e.Message = "Zoho refused the refresh token: it was revoked, or it is wrong."
			e.Resolution = "Someone may have revoked hrconnect's access in Zoho, or Zoho deleted the token because more than 20 were issued for this user and client. Reconnect the Zoho account to authorise hrconnect again."
		} else {
			e.Message = "Zoho did not accept the authorization code: it has expired, was already used, or belongs to another client or data centre."
			e.Resolution = "A code from the consent page is valid for only a minute or two, and a Self Client code for the 3 to 10 minutes chosen; each works once. Start the connection again and complete it promptly."
		}
	case "invalid_redirect_uri":
		e.Class = ClassConfig
		e.Message = "The redirect URI does not match the one registered for this client."
		e.Resolution = "Register hrconnect's callback URL, exactly as shown on the connection page, under Authorized Redirect URIs in the Zoho API Console."
	case "access_denied":
		e.Class = ClassRetry
		e.RetryAfter = throttleWait
		if f.retryAfter > 0 {
			e.RetryAfter = f.retryAfter
		}
		e.Message = "Zoho is throttling token requests for this account (too many in 10 minutes)."
		e.Resolution = "hrconnect waits and retries on its own. If it keeps happening, something else is requesting tokens with the same client and user: access tokens should be reused for their hour."
	case "invalid_token":
		e.Class = ClassReconnect
		e.Message = "Zoho says the token is invalid."
		e.Resolution = "Reconnect the Zoho account."
	case "":
		if f.status >= 200 && f.status < 300 {
			se := serverError(op, dc.Location, "Zoho Accounts", f.status)
			se.Message = "Zoho Accounts sent a reply without an access token."
			return se
		}
		return serverError(op, dc.Location, "Zoho Accounts", f.status)
	default:
		e.Message = "Zoho refused the token request (" + clip(f.code, 64) + ")."
		if refresh {
			e.Class = ClassReconnect
			e.Resolution = "Reconnect the Zoho account; if it happens again, contact support with this message."
		} else {
			e.Class = ClassConfig
			e.Resolution = "Check the client's settings in the Zoho API Console (type, redirect URIs, data centre) and connect again."
		}
	}
	if e.ZohoMessage != "" {
		e.Message += " Zoho says: " + e.ZohoMessage
	}
	return e
}

// normaliseTokenCode folds Zoho's spellings of one error together:
// "Access Denied" (throttle) and "access_denied" (grant-token limit) both
// mean "wait".
func normaliseTokenCode(code string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(code)), " ", "_")
}

// Revoke revokes token (a refresh token, and with it every access token made
// from it; or a single access token) at dc's accounts server: the one where the
// client is registered. The token goes in the form body, not the query string,
// so it never lands in an access log. A token Zoho does not know (already
// revoked, or never issued) gives an *Error with Code "invalid_token" and
// HTTPStatus 400; when disconnecting, that can be treated as done.
func (c *Client) Revoke(ctx context.Context, dc DataCentre, token string) error {
	const op = "accounts.revoke"
	if err := c.checkDC(op, dc); err != nil {
		return err
	}
	if token == "" {
		return &Error{Op: op, DC: dc.Location, Class: ClassConfig, Message: "There is no token to revoke."}
	}
	u := dc.AccountsURL + "/oauth/v2/token/revoke"
	body := appendQueryEscape([]byte("token="), token)
	rep, err := c.send(ctx, "POST", u, "", formURLEncoded, body)
	if err != nil {
		return transportError(op, dc.Location, "Zoho Accounts", ctxErr(ctx, err)).scrub(token)
	}
	defer rep.release()
	var r struct {
		Status flexString `json:"status"`
		Error  flexString `json:"error"`
	}
	decErr := json.Unmarshal(rep.body.Bytes(), &r)
	switch {
	case rep.status >= 500:
		return serverError(op, dc.Location, "Zoho Accounts", rep.status)
	case rep.status == 400 || r.Error != "":
		code := string(r.Error)
		if code == "" {
			code = "invalid_token"
		}
		return (&Error{Op: op, DC: dc.Location, Class: ClassReconnect, HTTPStatus: rep.status, Code: clip(code, 64),
			Message:    "Zoho does not know this token: it was already revoked, or never issued here.",
			Resolution: "Nothing to do if the connection is being removed. Otherwise reconnect the Zoho account."}).scrub(token)
	case decErr != nil || rep.status != 200 || !strings.EqualFold(string(r.Status), "success"):
		return serverError(op, dc.Location, "Zoho Accounts", rep.status)
	}
	return nil
}
