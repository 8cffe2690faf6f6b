package connect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"hrconnect"
)

// oauth1Provider is a small OAuth 1.0a service (RFC 5849 §2): temporary
// credentials, an authorization page that approves at once, token
// credentials, and one protected resource. It checks every signature with
// the independent verifier, and answers a refusal with the request's own
// parameters, as careless services do, so that redaction is tested too.
type oauth1Provider struct {
	*httptest.Server
	consumerKey, consumerSecret, callback string

	mu      sync.Mutex
	secrets map[string]string // token → secret, temporary and token credentials
	calls   map[string]int
}

const (
	tRequestToken  = "req tok/1"
	tRequestSecret = "req secret+1&"
	tVerifier      = "verif/ier+9"
)

func newOAuth1Provider(t *testing.T, callback string) *oauth1Provider {
	p := &oauth1Provider{
		consumerKey: tConsumerKey, consumerSecret: tConsumerSecret, callback: callback,
		secrets: map[string]string{},
		calls:   map[string]int{},
	}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Close)
	return p
}

func (p *oauth1Provider) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[path]
}

func (p *oauth1Provider) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.calls[r.URL.Path]++
	p.mu.Unlock()
	secretOf := func(tok string) (string, bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		s, ok := p.secrets[tok]
		return s, ok
	}
	refuse := func(why string) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "refused (%s): %s", why, r.Header.Get("Authorization"))
	}
	switch r.URL.Path {
	case "/oauth/request_token":
		oauth, err := verifyOAuth1(r, body, p.consumerKey, p.consumerSecret, secretOf)
		if err != nil {
			refuse(err.Error())
			return
		}
		if oauth["oauth_callback"] != p.callback || oauth["oauth_token"] != "" {
			refuse("callback")
			return
		}
		p.mu.Lock()
		p.secrets[tRequestToken] = tRequestSecret
		p.mu.Unlock()
		fmt.Fprint(w, url.Values{"oauth_token": {tRequestToken}, "oauth_token_secret": {tRequestSecret}, "oauth_callback_confirmed": {"true"}}.Encode())
	case "/oauth/authorize":
		// The person approves; the service sends them back.
		if r.URL.Query().Get("oauth_token") != tRequestToken {
			refuse("unknown request token")
			return
		}
		http.Redirect(w, r, p.callback+"?"+url.Values{"oauth_token": {tRequestToken}, "oauth_verifier": {tVerifier}}.Encode(), http.StatusFound)
	case "/oauth/access_token":
		oauth, err := verifyOAuth1(r, body, p.consumerKey, p.consumerSecret, secretOf)
		if err != nil {
			refuse(err.Error())
			return
		}
		if oauth["oauth_token"] != tRequestToken || oauth["oauth_verifier"] != tVerifier {
			refuse("verifier " + oauth["oauth_verifier"])
			return
		}
		p.mu.Lock()
		delete(p.secrets, tRequestToken) // temporary credentials work once
		p.secrets[tToken] = tTokenSecret
		p.mu.Unlock()
		fmt.Fprint(w, url.Values{"oauth_token": {tToken}, "oauth_token_secret": {tTokenSecret}}.Encode())
	case "/1.1/me":
		oauth, err := verifyOAuth1(r, body, p.consumerKey, p.consumerSecret, secretOf)
		if err != nil || oauth["oauth_token"] != tToken {
			refuse(fmt.Sprint(err))
			return
		}
		fmt.Fprint(w, "hello")
	default:
		http.NotFound(w, r)
	}
}

func (p *oauth1Provider) service() *hrconnect.Service {
	return &hrconnect.Service{
		Key: "tweety", TenantID: "t1", Name: "Tweety", AuthType: hrconnect.AuthOAuth1, ParamType: hrconnect.ParamHeader,
		BaseURLs:        []string{p.URL + "/1.1"},
		RequestTokenURL: p.URL + "/oauth/request_token",
		AuthorizeURL:    p.URL + "/oauth/authorize",
		AccessTokenURL:  p.URL + "/oauth/access_token",
		ClientID:        p.consumerKey,
	}
}

// The whole three-legged flow, driven as a web page would, then a call
// signed with the token credentials it produced.
func TestOAuth1ThreeLeggedFlow(t *testing.T) {
	t.Parallel()
	const callback = "https://hrconnect.test/oauth1/callback"
	p := newOAuth1Provider(t, callback)
	flow, err := NewOAuth1Flow(p.service(), tConsumerSecret, callback, testClient())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	pending, err := flow.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pending.RequestToken != tRequestToken || pending.RequestSecret != tRequestSecret {
		t.Fatalf("temporary credentials %+v", pending)
	}
	au, err := url.Parse(pending.AuthorizeURL)
	if err != nil || au.Path != "/oauth/authorize" || au.Query().Get("oauth_token") != tRequestToken {
		t.Fatalf("authorize URL %q", pending.AuthorizeURL)
	}

	// The person's browser: follow the authorize URL up to the callback.
	browser := testClient()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(pending.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cb := httptest.NewRequest("GET", resp.Header.Get("Location"), nil)
	tok, verifier, err := ParseOAuth1Callback(cb)
	if err != nil || tok != tRequestToken || verifier != tVerifier {
		t.Fatalf("callback: %q %q %v", tok, verifier, err)
	}

	creds, err := flow.Finish(ctx, pending, tok, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if creds.Token != tToken || creds.TokenSecret != tTokenSecret {
		t.Fatalf("token credentials %+v", creds)
	}

	out, err := Invoke(ctx, testClient(), p.service(), Injection{
		ConsumerKey: tConsumerKey, ConsumerSecret: tConsumerSecret, Token: creds.Token, TokenSecret: creds.TokenSecret,
	}, &InvokeRequest{URL: p.URL + "/1.1/me"})
	if err != nil || out.StatusCode != 200 || string(out.Body) != "hello" {
		t.Fatalf("signed call: %v %+v", err, out)
	}
}

func TestOAuth1FlowFailures(t *testing.T) {
	t.Parallel()
	const callback = "https://hrconnect.test/oauth1/callback"
	p := newOAuth1Provider(t, callback)
	ctx := context.Background()

	// A wrong consumer secret: the service refuses, and says so with our
	// header in its reply; the error names the problem and no secret.
	bad, err := NewOAuth1Flow(p.service(), "wrong secret&", callback, testClient())
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Start(ctx)
	var e *hrconnect.Error
	if !errors.As(err, &e) || e.Code != hrconnect.EUNAUTHORIZED || !strings.Contains(e.Error(), "consumer key and secret") {
		t.Fatalf("Start with a wrong secret: %v, want EUNAUTHORIZED about the consumer key and secret", err)
	}
	if strings.Contains(err.Error(), "wrong secret") || strings.Contains(e.Err.Error(), "wrong secret") || strings.Contains(e.Err.Error(), url.QueryEscape("wrong secret&")) {
		t.Errorf("error shows the consumer secret: %v / %v", err, e.Err)
	}

	flow, err := NewOAuth1Flow(p.service(), tConsumerSecret, callback, testClient())
	if err != nil {
		t.Fatal(err)
	}
	pending, err := flow.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A callback for another authorization is refused before any request.
	if _, err := flow.Finish(ctx, pending, "someone else's token", tVerifier); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Errorf("Finish with another token: %v, want EINVALID", err)
	}
	if n := p.count("/oauth/access_token"); n != 0 {
		t.Errorf("access token endpoint called %d times", n)
	}
	// A wrong verifier: the service refuses and echoes the verifier.
	_, err = flow.Finish(ctx, pending, pending.RequestToken, "guessed-verifier")
	if !errors.As(err, &e) || e.Code != hrconnect.EUNAUTHORIZED || !strings.Contains(e.Error(), "connect again") {
		t.Fatalf("Finish with a wrong verifier: %v", err)
	}
	for _, s := range []string{"guessed-verifier", tConsumerSecret, tRequestSecret, url.QueryEscape(tRequestSecret)} {
		if strings.Contains(err.Error(), s) || strings.Contains(e.Err.Error(), s) {
			t.Errorf("error shows %q: %v / %v", s, err, e.Err)
		}
	}

	// The callback without a verifier (the person declined).
	if _, _, err := ParseOAuth1Callback(httptest.NewRequest("GET", callback+"?oauth_token=x", nil)); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Errorf("callback without verifier: %v", err)
	}

	// Not an OAuth 1.0a service, or no secret.
	if _, err := NewOAuth1Flow(testService(hrconnect.AuthOAuth2, hrconnect.ParamHeader, p.URL), "s", "", nil); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Errorf("OAuth 2.0 service: %v", err)
	}
	if _, err := NewOAuth1Flow(p.service(), "", "", nil); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Errorf("no consumer secret: %v", err)
	}
}

// A token endpoint that redirects is not followed: the signed header would
// go along.
func TestOAuth1FlowRefusesRedirects(t *testing.T) {
	t.Parallel()
	other := newEchoServer(t, nil)
	srv := newEchoServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		return true
	})
	svc := testService(hrconnect.AuthOAuth1, hrconnect.ParamHeader, srv.URL)
	svc.RequestTokenURL = srv.URL + "/oauth/request_token"
	flow, err := NewOAuth1Flow(svc, tConsumerSecret, "", testClient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Start(context.Background()); err == nil {
		t.Fatal("Start followed a redirect")
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the redirect target saw %d requests", n)
	}
}
