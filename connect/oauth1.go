package connect

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/dghubble/oauth1"

	"hrconnect"
)

// OAuth 1.0a (RFC 5849) for custom services: signing one request, and the
// three-legged flow that obtains the token credentials.
//
// dghubble/oauth1 signs requests only inside its http.RoundTripper, which
// then sends them. hrconnect must send them itself, through the URL guard and
// a redirect policy that never re-signs, so signRequest runs the library's
// transport over a RoundTripper that keeps the signed request instead of
// sending it. The signature is the library's (HMAC-SHA1); where it goes
// (header, query or form: RFC 5849 §3.5) is ours.

// oauthAuthPrefix starts an OAuth Authorization header (RFC 5849 §3.5.1).
const oauthAuthPrefix = "OAuth "

// errKept ends the library's round trip once the request is signed.
var errKept = errors.New("signed request kept, not sent")

// keepTransport is the http.RoundTripper that keeps the request it is given.
type keepTransport struct{ req *http.Request }

func (k *keepTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	k.req = r
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, errKept
}

// oauthParam is one OAuth protocol parameter, decoded.
type oauthParam struct{ name, value string }

// signOAuth1 signs a request with HMAC-SHA1 and returns the OAuth protocol
// parameters, oauth_signature among them. form is the request's
// application/x-www-form-urlencoded body, nil when it has none: its
// parameters are covered by the signature (RFC 5849 §3.4.1.3.1).
func signOAuth1(in *Injection, method string, u *url.URL, form url.Values) (header string, params []oauthParam, err error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return "", nil, err
	}
	if form != nil {
		// The library signs a body only under exactly this content type.
		req.Header.Set("Content-Type", formContentType)
	}
	keep := &keepTransport{}
	cfg := oauth1.NewConfig(in.ConsumerKey, in.ConsumerSecret)
	cfg.Signer = &oauth1.HMACSigner{ConsumerSecret: in.ConsumerSecret}
	ctx := context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: keep})
	client := cfg.Client(ctx, oauth1.NewToken(in.Token, in.TokenSecret))
	if _, err := client.Transport.RoundTrip(req); !errors.Is(err, errKept) || keep.req == nil {
		if err == nil {
			err = errors.New("the request was not signed")
		}
		return "", nil, fmt.Errorf("signing the request: %w", err)
	}
	header = keep.req.Header.Get("Authorization")
	params, err = parseOAuthHeader(header)
	if err != nil {
		return "", nil, err
	}
	return header, params, nil
}

// parseOAuthHeader decodes an "OAuth k="v", …" header (RFC 5849 §3.5.1).
func parseOAuthHeader(h string) ([]oauthParam, error) {
	rest, ok := strings.CutPrefix(h, oauthAuthPrefix)
	if !ok {
		return nil, errors.New("signing the request: no OAuth header")
	}
	var params []oauthParam
	for _, pair := range strings.Split(rest, ",") {
		pair = strings.TrimSpace(pair)
		name, quoted, ok := strings.Cut(pair, "=")
		if !ok || len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
			return nil, errors.New("signing the request: malformed OAuth header")
		}
		n, err1 := url.PathUnescape(name)
		v, err2 := url.PathUnescape(quoted[1 : len(quoted)-1])
		if err1 != nil || err2 != nil {
			return nil, errors.New("signing the request: malformed OAuth header")
		}
		params = append(params, oauthParam{n, v})
	}
	return params, nil
}

// OAuth1Flow runs the three-legged OAuth 1.0a flow (RFC 5849 §2) of a custom
// service, in two steps a web page can drive across a redirect:
//
//  1. Start obtains temporary credentials and the URL of the service's
//     authorization page; the page keeps the returned OAuth1Pending in the
//     person's session (its RequestSecret is a secret) and redirects there.
//  2. The service sends the person back to the callback URL; the page reads
//     the token and verifier with ParseOAuth1Callback and calls Finish, which
//     returns the token credentials to store with the connection.
//
// An OAuth1Flow is safe for concurrent use.
type OAuth1Flow struct {
	svc            *hrconnect.Service
	consumerSecret string
	callbackURL    string
	client         *http.Client
}

// OAuth1Pending is a started OAuth 1.0a authorization: the temporary
// credentials (keep them server-side) and where to send the person.
type OAuth1Pending struct {
	RequestToken  string
	RequestSecret string
	AuthorizeURL  string
}

// OAuth1Token is the token credential of an authorised OAuth 1.0a
// connection: hrconnect.Credentials' OAuth1Token and OAuth1TokenSecret.
type OAuth1Token struct {
	Token       string
	TokenSecret string
}

// maxOAuthReply bounds what is read from a token endpoint: its replies are a
// few form fields.
const maxOAuthReply = 64 << 10

// NewOAuth1Flow returns the flow of svc, an OAuth 1.0a service whose
// ClientID is the consumer key, with the consumer secret and the URL the
// service sends the person back to ("oob" when empty, RFC 5849 §2.1). client
// sends the token requests (its Transport and Timeout are used; nil means a
// client with DefaultTimeout); redirects from token endpoints are refused.
func NewOAuth1Flow(svc *hrconnect.Service, consumerSecret, callbackURL string, client *http.Client) (*OAuth1Flow, error) {
	if svc == nil || svc.AuthType != hrconnect.AuthOAuth1 {
		return nil, hrconnect.Invalid("auth_type", "This service does not use OAuth 1.0a, so it has no OAuth 1.0a authorization.")
	}
	s := *svc
	s.Normalize()
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if consumerSecret == "" {
		return nil, hrconnect.Invalid("client_secret", "Enter the consumer secret of the app registered with %s.", s.Name)
	}
	if callbackURL == "" {
		callbackURL = "oob"
	}
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	return &OAuth1Flow{svc: &s, consumerSecret: consumerSecret, callbackURL: callbackURL, client: client}, nil
}

// Start asks the service for temporary credentials (RFC 5849 §2.1) and
// returns them with the authorization URL to send the person to (§2.2).
func (f *OAuth1Flow) Start(ctx context.Context) (*OAuth1Pending, error) {
	ctx, cancel := f.withTimeout(ctx)
	defer cancel()
	cfg, status := f.config(ctx)
	red := NewRedactor(f.consumerSecret)
	token, secret, err := cfg.RequestToken()
	if err != nil {
		return nil, f.flowError(red, "request token", *status, err)
	}
	red = NewRedactor(f.consumerSecret, secret)
	u, err := cfg.AuthorizationURL(token)
	if err != nil {
		return nil, hrconnect.Invalid("authorize_url", "The authorize URL of %s is not valid: %s", f.svc.Name, red.Redact(err.Error()))
	}
	return &OAuth1Pending{RequestToken: token, RequestSecret: secret, AuthorizeURL: u.String()}, nil
}

// ParseOAuth1Callback reads the request token and verifier the service sent
// the person back with (RFC 5849 §2.2).
func ParseOAuth1Callback(r *http.Request) (requestToken, verifier string, err error) {
	requestToken, verifier, err = oauth1.ParseAuthorizationCallback(r)
	if err != nil {
		return "", "", hrconnect.Invalid("oauth_verifier", "The service's reply lacks the request token or verifier: the authorization was not completed. Connect again.")
	}
	return requestToken, verifier, nil
}

// Finish exchanges the temporary credentials and the verifier for token
// credentials (RFC 5849 §2.3). callbackToken is the oauth_token of the
// callback: it must be pending's, or the callback belongs to another
// authorization (for example one started by someone else) and is refused.
func (f *OAuth1Flow) Finish(ctx context.Context, pending *OAuth1Pending, callbackToken, verifier string) (*OAuth1Token, error) {
	if pending == nil || subtle.ConstantTimeCompare([]byte(pending.RequestToken), []byte(callbackToken)) != 1 {
		return nil, hrconnect.Invalid("oauth_token", "This authorization does not match the one started in this session: connect again.")
	}
	if verifier == "" {
		return nil, hrconnect.Invalid("oauth_verifier", "The service's reply lacks the verifier: the authorization was not completed. Connect again.")
	}
	ctx, cancel := f.withTimeout(ctx)
	defer cancel()
	cfg, status := f.config(ctx)
	red := NewRedactor(f.consumerSecret, pending.RequestSecret, verifier)
	token, secret, err := cfg.AccessToken(pending.RequestToken, pending.RequestSecret, verifier)
	if err != nil {
		return nil, f.flowError(red, "access token", *status, err)
	}
	return &OAuth1Token{Token: token, TokenSecret: secret}, nil
}

// withTimeout applies the client's timeout to ctx. The library's client
// cannot carry it: flowTransport replaces the request's context with ctx.
func (f *OAuth1Flow) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if f.client.Timeout > 0 {
		return context.WithTimeout(ctx, f.client.Timeout)
	}
	return context.WithCancel(ctx)
}

// config returns the library's configuration for one call, with an HTTP
// client bound to ctx (the library's token requests take no context) and the
// place where the reply's status will be written.
func (f *OAuth1Flow) config(ctx context.Context) (*oauth1.Config, *int) {
	status := new(int)
	base := f.client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &oauth1.Config{
		ConsumerKey:    f.svc.ClientID,
		ConsumerSecret: f.consumerSecret,
		CallbackURL:    f.callbackURL,
		Endpoint: oauth1.Endpoint{
			RequestTokenURL: f.svc.RequestTokenURL,
			AuthorizeURL:    f.svc.AuthorizeURL,
			AccessTokenURL:  f.svc.AccessTokenURL,
		},
		Signer: &oauth1.HMACSigner{ConsumerSecret: f.consumerSecret},
		HTTPClient: &http.Client{
			Transport: &flowTransport{ctx: ctx, base: base, status: status},
			// A token endpoint that redirects would take the signed
			// Authorization header along; nothing good comes of following.
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return errors.New("the token endpoint redirected; redirects are not followed")
			},
		},
	}, status
}

func (f *OAuth1Flow) flowError(red *Redactor, step string, status int, err error) error {
	msg := red.Redact(err.Error())
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden:
		e := hrconnect.Errorf(hrconnect.EUNAUTHORIZED, "%s refused the %s request (HTTP %d).", f.svc.Name, step, status)
		if step == "request token" {
			e.Resolution = "Check the consumer key and secret in the service definition, and the callback URL registered with the service."
		} else {
			e.Resolution = "The authorization may have been denied or have expired: connect again."
		}
		e.Err = red.Error(err)
		return e
	case status == 0 || status >= 500 || status == http.StatusTooManyRequests:
		e := hrconnect.Errorf(hrconnect.EUNAVAILABLE, "Could not get an OAuth 1.0a %s from %s: %s.", step, f.svc.Name, msg)
		e.Resolution = "Try again later."
		e.Err = red.Error(err)
		return e
	default:
		e := hrconnect.Errorf(hrconnect.EUNAVAILABLE, "%s's reply to the %s request was not understood (HTTP %d): %s.", f.svc.Name, step, status, msg)
		e.Resolution = "Check the request token and access token URLs in the service definition."
		e.Err = red.Error(err)
		return e
	}
}

// flowTransport binds the library's token requests to a context, records
// the reply's status and bounds the reply's size.
type flowTransport struct {
	ctx    context.Context
	base   http.RoundTripper
	status *int
}

func (t *flowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r.WithContext(t.ctx))
	if err != nil {
		return nil, err
	}
	*t.status = resp.StatusCode
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, maxOAuthReply), resp.Body}
	return resp, nil
}
