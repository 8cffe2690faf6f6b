package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// Why x/oauth2 plus a transport, rather than x/oauth2 alone or net/http alone:
// x/oauth2 builds the token requests (grant types, client credentials in the
// form body with AuthStyleInParams, the PKCE verifier) and parses successful
// replies, as the standard Go client that Zoho's documented flows must work
// with. It reads Zoho's refusals poorly, though: Zoho answers HTTP 200 with
// {"error":"invalid_code"} (recent x/oauth2 versions make that a
// RetrieveError, older ones said "server response missing access_token"),
// over the throttle it may answer 200 with an HTML "Access Denied" page
// ("cannot parse json" in every version), and RetrieveError's text embeds the
// raw reply. So tokenTransport reads every token reply first with
// decodeTokenReply (ours, and fuzzed), records the verdict for the call, and
// turns a refusal sent as 2xx into a 400, so that x/oauth2, whatever its
// version, never takes it for a token. The call then builds its *Error from
// the recorded verdict, never from x/oauth2's error text.

// maxTokenReply caps a token reply; real ones are a few hundred bytes.
const maxTokenReply = 64 << 10

// tokenReply is a decoded reply of Zoho's token endpoint.
type tokenReply struct {
	AccessToken  flexString `json:"access_token"`
	RefreshToken flexString `json:"refresh_token"`
	// ExpiresIn is in seconds. Old replies also had expires_in_sec, with
	// expires_in in milliseconds; ExpiresInSec wins when present.
	ExpiresIn        flexInt    `json:"expires_in"`
	ExpiresInSec     flexInt    `json:"expires_in_sec"`
	APIDomain        flexString `json:"api_domain"`
	Scope            flexString `json:"scope"`
	TokenType        flexString `json:"token_type"`
	Error            flexString `json:"error"`
	ErrorDescription flexString `json:"error_description"`
}

// lifetime returns how long the access token lives.
func (r *tokenReply) lifetime() time.Duration {
	if r.ExpiresInSec > 0 {
		return time.Duration(r.ExpiresInSec) * time.Second
	}
	return time.Duration(r.ExpiresIn) * time.Second
}

// tokenFailure is a token reply that carries no usable token.
type tokenFailure struct {
	status      int
	code        string // Zoho's "error", or "" when it gave none
	description string // Zoho's "error_description"
	retryAfter  time.Duration
}

// errNoAccessToken is decodeTokenReply's verdict on a JSON reply that neither
// refuses nor carries an access token.
var errNoAccessToken = errors.New("reply has no access_token")

// decodeTokenReply reads a token endpoint reply of any HTTP status. It returns
// the decoded reply, or a failure when Zoho refused (an "error" field, whatever
// the status; an HTML "Access Denied" page), when the status is not 2xx, or
// when the body is not a token at all.
func decodeTokenReply(status int, body []byte) (tokenReply, *tokenFailure) {
	var r tokenReply
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &r) != nil {
		f := &tokenFailure{status: status}
		// The throttle's "roadblock" page is HTML: "Access Denied: Maximum
		// request limit reached for your account."
		if bytes.Contains(body, []byte("Access Denied")) {
			f.code = "Access Denied"
		}
		return tokenReply{}, f
	}
	if r.Error != "" || status < 200 || status > 299 || r.AccessToken == "" {
		return r, &tokenFailure{status: status, code: string(r.Error), description: string(r.ErrorDescription)}
	}
	return r, nil
}

// tokenCallKey is the context key under which a token call leaves its
// tokenCall for tokenTransport to fill.
type tokenCallKey struct{}

// tokenCall is what tokenTransport learnt about one token request's reply.
type tokenCall struct {
	replied bool
	reply   tokenReply
	fail    *tokenFailure
}

// tokenTransport reads Zoho's token replies before x/oauth2 does (see the
// comment at the top of this file).
type tokenTransport struct {
	base      http.RoundTripper
	userAgent string
	dir       *Directory
}

// RoundTrip implements http.RoundTripper.
func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The request carries the client secret and a code or refresh token:
	// the last check that it goes nowhere but a Directory host.
	if !t.dir.Allowed(req.URL.String()) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, ErrHostNotAllowed
	}
	call, _ := req.Context().Value(tokenCallKey{}).(*tokenCall)
	req = req.Clone(req.Context()) // a RoundTripper must not change the caller's request
	req.Header.Set("User-Agent", t.userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenReply))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r, fail := decodeTokenReply(resp.StatusCode, body)
	if fail != nil {
		fail.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	}
	if call != nil {
		call.replied, call.reply, call.fail = true, r, fail
	}
	if fail != nil && resp.StatusCode < 300 {
		resp.StatusCode, resp.Status = http.StatusBadRequest, "400 Bad Request"
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// withTokenCall returns ctx carrying x/oauth2's HTTP client and a fresh
// tokenCall for the transport to fill.
func (c *Client) withTokenCall(ctx context.Context) (context.Context, *tokenCall) {
	call := &tokenCall{}
	return context.WithValue(c.oauthContext(ctx), tokenCallKey{}, call), call
}
