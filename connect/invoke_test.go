package connect

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hrconnect"
)

// Credentials of the tests, with characters that take different forms in a
// header, a query, a form, an OAuth header and base64.
const (
	tUser           = "alice"
	tPassword       = "p@ss w:rd+/=é"
	tAPIKey         = "k3y/with+plus=&space x~"
	tConsumerKey    = "consumer-key-42"
	tConsumerSecret = "consumer secret&+/"
	tToken          = "access token/+"
	tTokenSecret    = "token secret%&"
	tAccessToken    = "ya29.access/token+="
)

func testInjection() Injection {
	return Injection{
		Username: tUser, Password: tPassword,
		APIKey:      tAPIKey,
		ConsumerKey: tConsumerKey, ConsumerSecret: tConsumerSecret, Token: tToken, TokenSecret: tTokenSecret,
		AccessToken: tAccessToken,
	}
}

// secretForms lists, computed apart from the Redactor, how the test
// secrets may appear in text.
func testSecretForms() []string {
	var out []string
	for _, s := range []string{tPassword, tAPIKey, tConsumerSecret, tToken, tTokenSecret, tAccessToken} {
		out = append(out, s, url.QueryEscape(s), url.PathEscape(s), rfcEncode(s))
	}
	return append(out, base64.StdEncoding.EncodeToString([]byte(tUser+":"+tPassword)))
}

// assertNoSecrets fails when text holds any form of a test secret.
func assertNoSecrets(t *testing.T, what, text string) {
	t.Helper()
	for _, f := range testSecretForms() {
		if strings.Contains(text, f) {
			t.Errorf("%s contains the secret %q:\n%s", what, f, text)
		}
	}
}

// seenRequest is a request as a test server received it.
type seenRequest struct {
	Method string
	Host   string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// OAuth1Err is the verdict of the independent OAuth 1.0a verifier on a
	// request that carries OAuth parameters.
	OAuth1Err error
}

// echoServer records every request and answers with what it received,
// credentials included, as an echo service would. Requests carrying OAuth
// 1.0a parameters are verified; a failure is answered 401.
type echoServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

func newEchoServer(t *testing.T, extra func(w http.ResponseWriter, r *http.Request) bool) *echoServer {
	t.Helper()
	s := &echoServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sr := seenRequest{Method: r.Method, Host: r.Host, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		if strings.Contains(r.Header.Get("Authorization"), "oauth_") || strings.Contains(r.URL.RawQuery, "oauth_") || bytes.Contains(body, []byte("oauth_")) {
			_, sr.OAuth1Err = verifyOAuth1(r, body, tConsumerKey, tConsumerSecret, func(tok string) (string, bool) {
				return tTokenSecret, tok == tToken
			})
		}
		s.mu.Lock()
		s.seen = append(s.seen, sr)
		s.mu.Unlock()
		if extra != nil && extra(w, r) {
			return
		}
		w.Header().Set("X-Echo-Authorization", r.Header.Get("Authorization"))
		if sr.OAuth1Err != nil {
			w.WriteHeader(http.StatusUnauthorized)
		}
		fmt.Fprintf(w, "authorization=%s\nx-api-key=%s\nquery=%s\nbody=%s\n", r.Header.Get("Authorization"), r.Header.Get("X-API-Key"), r.URL.RawQuery, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *echoServer) requests() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.seen...)
}

// testService is a complete custom service under base.
func testService(auth hrconnect.AuthType, param hrconnect.ParamType, base string) *hrconnect.Service {
	s := &hrconnect.Service{
		Key: "acme", TenantID: "t1", Name: "Acme",
		AuthType: auth, ParamType: param,
		BaseURLs:        []string{base},
		AuthorizeURL:    "https://login.acme.test/authorize",
		TokenURL:        "https://login.acme.test/token",
		RequestTokenURL: "https://login.acme.test/request_token",
		AccessTokenURL:  "https://login.acme.test/access_token",
		ClientID:        tConsumerKey,
	}
	if auth == hrconnect.AuthAPIKey {
		s.ParamName = "api_key"
		if param == hrconnect.ParamHeader {
			s.ParamName = "X-API-Key"
		}
	}
	return s
}

// testClient dials only the loopback interface, whatever a URL says, so a
// test cannot send anything further even when the code under test is wrong.
func testClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil || !(host == "127.0.0.1" || host == "::1") {
					return nil, fmt.Errorf("test: dial to %s refused: loopback only", addr)
				}
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		},
	}
}

// TestInvokeMatrix calls an echo server for every auth type and param type
// and checks what arrived, exactly. Basic with query or form is meaningless
// (Basic is an Authorization header scheme, RFC 7617, and one ParamName
// cannot carry a user name and a password) and must be refused before
// anything is sent.
func TestInvokeMatrix(t *testing.T) {
	t.Parallel()
	auths := []hrconnect.AuthType{hrconnect.AuthBasic, hrconnect.AuthAPIKey, hrconnect.AuthOAuth1, hrconnect.AuthOAuth2}
	params := []hrconnect.ParamType{hrconnect.ParamHeader, hrconnect.ParamQuery, hrconnect.ParamForm}
	for _, auth := range auths {
		for _, param := range params {
			for _, method := range []string{"GET", "POST"} {
				if param == hrconnect.ParamForm && method == "GET" {
					continue // form data needs a body: see TestInvokeFormNeedsABody
				}
				t.Run(fmt.Sprintf("%s/%s/%s", auth, param, method), func(t *testing.T) {
					t.Parallel()
					srv := newEchoServer(t, nil)
					svc := testService(auth, param, srv.URL+"/v1")
					req := &InvokeRequest{
						Method: method,
						URL:    srv.URL + "/v1/employees?page=2",
						Query:  url.Values{"q": {"x y+z~"}},
					}
					if method == "POST" {
						req.Form = url.Values{"name": {"Ada Lovelace"}, "note": {"a+b=c&d ~%é"}}
					}
					resp, err := Invoke(context.Background(), testClient(), svc, testInjection(), req)

					if auth == hrconnect.AuthBasic && param != hrconnect.ParamHeader {
						var e *hrconnect.Error
						if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || e.Field != "param_type" || !strings.Contains(e.Message, "Authorization header") {
							t.Fatalf("Invoke() = %v, want EINVALID on param_type about the Authorization header", err)
						}
						if n := len(srv.requests()); n != 0 {
							t.Fatalf("server saw %d requests, want none", n)
						}
						return
					}
					if err != nil {
						t.Fatalf("Invoke() = %v", err)
					}
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
					}
					seen := srv.requests()
					if len(seen) != 1 {
						t.Fatalf("server saw %d requests, want 1", len(seen))
					}
					r := seen[0]
					checkCallerData(t, r, method)
					checkInjected(t, auth, param, r)

					// The echo holds the credentials; what Invoke returns must not.
					assertNoSecrets(t, "response body", string(resp.Body))
					assertNoSecrets(t, "response header", fmt.Sprint(resp.Header))
					assertNoSecrets(t, "request description", resp.Request)
					if !strings.Contains(string(resp.Body), Redacted) || !strings.Contains(resp.Request, Redacted) {
						t.Errorf("want %s in the body and the description:\n%s\n%s", Redacted, resp.Body, resp.Request)
					}
					if !strings.HasPrefix(resp.Request, method+" "+srv.URL+"/v1/employees?") {
						t.Errorf("description starts %q", resp.Request)
					}
				})
			}
		}
	}
}

// checkCallerData checks that the caller's own query and form arrived intact.
func checkCallerData(t *testing.T, r seenRequest, method string) {
	t.Helper()
	if r.Method != method || r.Path != "/v1/employees" {
		t.Errorf("request %s %s, want %s /v1/employees", r.Method, r.Path, method)
	}
	if r.Query.Get("page") != "2" || r.Query.Get("q") != "x y+z~" {
		t.Errorf("query = %v, want page=2 and q", r.Query)
	}
	if method == "POST" {
		f, err := url.ParseQuery(string(r.Body))
		if err != nil || f.Get("name") != "Ada Lovelace" || f.Get("note") != "a+b=c&d ~%é" {
			t.Errorf("form = %q (%v), want name and note", r.Body, err)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

// checkInjected checks the credential arrived where, and only where, the
// param type says.
func checkInjected(t *testing.T, auth hrconnect.AuthType, param hrconnect.ParamType, r seenRequest) {
	t.Helper()
	form, _ := url.ParseQuery(string(r.Body))
	authz := r.Header.Get("Authorization")
	hasOAuth := func(v url.Values) bool {
		for k := range v {
			if strings.HasPrefix(k, "oauth_") {
				return true
			}
		}
		return false
	}
	switch auth {
	case hrconnect.AuthBasic:
		hr := &http.Request{Header: r.Header}
		u, p, ok := hr.BasicAuth()
		if !ok || u != tUser || p != tPassword {
			t.Errorf("Basic credentials = %q, %q, %v", u, p, ok)
		}
	case hrconnect.AuthAPIKey:
		var got []string
		switch param {
		case hrconnect.ParamHeader:
			got = r.Header.Values("X-API-Key")
		case hrconnect.ParamQuery:
			got = r.Query["api_key"]
		case hrconnect.ParamForm:
			got = form["api_key"]
		}
		if len(got) != 1 || got[0] != tAPIKey {
			t.Errorf("API key in %s = %q, want exactly [%q]", param, got, tAPIKey)
		}
		if n := len(r.Header.Values("X-API-Key")) + len(r.Query["api_key"]) + len(form["api_key"]); n != 1 {
			t.Errorf("API key sent %d times, want once", n)
		}
	case hrconnect.AuthOAuth2:
		switch param {
		case hrconnect.ParamHeader:
			if authz != "Bearer "+tAccessToken {
				t.Errorf("Authorization = %q", authz)
			}
		case hrconnect.ParamQuery:
			if got := r.Query["access_token"]; len(got) != 1 || got[0] != tAccessToken {
				t.Errorf("access_token in query = %q", got)
			}
		case hrconnect.ParamForm:
			if got := form["access_token"]; len(got) != 1 || got[0] != tAccessToken {
				t.Errorf("access_token in form = %q", got)
			}
		}
		if param != hrconnect.ParamHeader && authz != "" {
			t.Errorf("Authorization = %q, want none", authz)
		}
	case hrconnect.AuthOAuth1:
		if r.OAuth1Err != nil {
			t.Fatalf("the independent verifier refused the signature: %v", r.OAuth1Err)
		}
		inHeader := strings.HasPrefix(authz, "OAuth ")
		inQuery, inForm := hasOAuth(r.Query), hasOAuth(form)
		if inHeader != (param == hrconnect.ParamHeader) || inQuery != (param == hrconnect.ParamQuery) || inForm != (param == hrconnect.ParamForm) {
			t.Errorf("OAuth parameters in header %v, query %v, form %v; want only %s", inHeader, inQuery, inForm, param)
		}
	}
	if auth != hrconnect.AuthBasic && strings.HasPrefix(authz, "Basic ") {
		t.Errorf("unexpected Basic header")
	}
}

// An OAuth 1.0a request changed after signing must fail the independent
// verifier: the test is able to see a bad signature.
func TestInvokeOAuth1TamperedRequestFails(t *testing.T) {
	t.Parallel()
	tampers := map[string]func(r *http.Request){
		"query": func(r *http.Request) { r.URL.RawQuery += "&extra=1" },
		"path":  func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" },
		"form": func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			b = append(b, "&name=Mallory"...)
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		},
		"method": func(r *http.Request) { r.Method = http.MethodPut },
	}
	for _, param := range []hrconnect.ParamType{hrconnect.ParamHeader, hrconnect.ParamQuery, hrconnect.ParamForm} {
		for name, tamper := range tampers {
			t.Run(string(param)+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := newEchoServer(t, nil)
				client := testClient()
				base := client.Transport
				client.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
					r = r.Clone(r.Context())
					tamper(r)
					return base.RoundTrip(r)
				})
				svc := testService(hrconnect.AuthOAuth1, param, srv.URL+"/v1")
				resp, err := Invoke(context.Background(), client, svc, testInjection(), &InvokeRequest{
					Method: "POST", URL: srv.URL + "/v1/x?a=1", Form: url.Values{"name": {"Ada"}},
				})
				if err != nil {
					t.Fatal(err)
				}
				seen := srv.requests()
				if len(seen) != 1 || seen[0].OAuth1Err == nil || resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("tampered request accepted: status %d, verifier %v", resp.StatusCode, seen)
				}
			})
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A request body that is already a form (Body + ContentType) gets the
// credentials merged in; any other body is refused with a message saying why.
func TestInvokeFormNeedsAFormBody(t *testing.T) {
	t.Parallel()
	srv := newEchoServer(t, nil)
	svc := testService(hrconnect.AuthAPIKey, hrconnect.ParamForm, srv.URL)

	resp, err := Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{
		Method: "POST", URL: srv.URL + "/x", Body: []byte("a=1&b=two+words"), ContentType: "application/x-www-form-urlencoded; charset=utf-8",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	f, _ := url.ParseQuery(string(srv.requests()[0].Body))
	if f.Get("a") != "1" || f.Get("b") != "two words" || f.Get("api_key") != tAPIKey {
		t.Errorf("form = %v", f)
	}

	_, err = Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{
		Method: "POST", URL: srv.URL + "/x", Body: []byte(`{"a":1}`), ContentType: "application/json",
	})
	var e *hrconnect.Error
	if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || e.Field != "body" || !strings.Contains(e.Message, "application/x-www-form-urlencoded") || !strings.Contains(e.Message, "application/json") {
		t.Fatalf("JSON body with form param type: %v", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1 (the JSON one must not be sent)", n)
	}
}

func TestInvokeFormNeedsABody(t *testing.T) {
	t.Parallel()
	srv := newEchoServer(t, nil)
	svc := testService(hrconnect.AuthOAuth2, hrconnect.ParamForm, srv.URL)
	_, err := Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{URL: srv.URL + "/x"})
	var e *hrconnect.Error
	if !errors.As(err, &e) || e.Field != "method" || !strings.Contains(e.Message, "use POST, PUT or PATCH") {
		t.Fatalf("GET with form param type: %v", err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

// A request must not set what carries the credentials itself.
func TestInvokeRefusesCallerCredentialSlots(t *testing.T) {
	t.Parallel()
	srv := newEchoServer(t, nil)
	tests := []struct {
		name  string
		svc   *hrconnect.Service
		req   InvokeRequest
		field string
	}{
		{"authorization header", testService(hrconnect.AuthOAuth2, hrconnect.ParamHeader, srv.URL), InvokeRequest{Header: http.Header{"Authorization": {"Bearer mine"}}}, "header"},
		{"api key header any case", testService(hrconnect.AuthAPIKey, hrconnect.ParamHeader, srv.URL), InvokeRequest{Header: http.Header{"X-Api-Key": {"mine"}}}, "header"},
		{"api key query", testService(hrconnect.AuthAPIKey, hrconnect.ParamQuery, srv.URL), InvokeRequest{Query: url.Values{"api_key": {"mine"}}}, "query"},
		{"access token form", testService(hrconnect.AuthOAuth2, hrconnect.ParamForm, srv.URL), InvokeRequest{Method: "POST", Form: url.Values{"access_token": {"mine"}}}, "body"},
		{"oauth param", testService(hrconnect.AuthOAuth1, hrconnect.ParamHeader, srv.URL), InvokeRequest{Query: url.Values{"oauth_token": {"mine"}}}, "query"},
		{"oauth1 repeated param", testService(hrconnect.AuthOAuth1, hrconnect.ParamHeader, srv.URL), InvokeRequest{Query: url.Values{"a": {"1", "2"}}}, "query"},
		{"oauth1 param in query and form", testService(hrconnect.AuthOAuth1, hrconnect.ParamForm, srv.URL), InvokeRequest{Method: "POST", Query: url.Values{"a": {"1"}}, Form: url.Values{"a": {"2"}}}, "query"},
		{"body and form", testService(hrconnect.AuthAPIKey, hrconnect.ParamHeader, srv.URL), InvokeRequest{Method: "POST", Body: []byte("x"), Form: url.Values{"a": {"1"}}}, "body"},
		{"bad method", testService(hrconnect.AuthAPIKey, hrconnect.ParamHeader, srv.URL), InvokeRequest{Method: "TRACE"}, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.URL = srv.URL + "/x"
			_, err := Invoke(context.Background(), testClient(), tt.svc, testInjection(), &req)
			var e *hrconnect.Error
			if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || e.Field != tt.field {
				t.Fatalf("Invoke() = %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestInvokeMissingCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		auth hrconnect.AuthType
		in   Injection
		want string
	}{
		{hrconnect.AuthBasic, Injection{Password: "x"}, "user name"},
		{hrconnect.AuthBasic, Injection{Username: "a:b"}, "':'"},
		{hrconnect.AuthAPIKey, Injection{}, "API key"},
		{hrconnect.AuthAPIKey, Injection{APIKey: "a\r\nX-Evil: 1"}, "line break"},
		{hrconnect.AuthOAuth1, Injection{ConsumerKey: "k", ConsumerSecret: "s"}, "OAuth 1.0a access token"},
		{hrconnect.AuthOAuth1, Injection{Token: "t", TokenSecret: "s"}, "consumer key and secret"},
		{hrconnect.AuthOAuth2, Injection{}, "OAuth 2.0 access token"},
	}
	for _, tt := range tests {
		svc := testService(tt.auth, hrconnect.ParamHeader, "https://api.acme.test")
		_, err := Invoke(context.Background(), testClient(), svc, tt.in, &InvokeRequest{URL: "https://api.acme.test/x"})
		var e *hrconnect.Error
		if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || !strings.Contains(e.Message, tt.want) {
			t.Errorf("%s %+v: Invoke() = %v, want EINVALID mentioning %q", tt.auth, tt.in, err, tt.want)
		}
	}
}

// A service that cannot be reached gives EUNAVAILABLE, and the message of
// net/http (which quotes the whole URL, query credentials included) reaches
// no one unredacted.
func TestInvokeNetworkErrorIsRedacted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more

	for _, auth := range []hrconnect.AuthType{hrconnect.AuthAPIKey, hrconnect.AuthOAuth2, hrconnect.AuthOAuth1} {
		svc := testService(auth, hrconnect.ParamQuery, base)
		_, err := Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{URL: base + "/x?y=1"})
		var e *hrconnect.Error
		if !errors.As(err, &e) || e.Code != hrconnect.EUNAVAILABLE {
			t.Fatalf("%s: Invoke() = %v, want EUNAVAILABLE", auth, err)
		}
		assertNoSecrets(t, "error", err.Error())
		assertNoSecrets(t, "error cause", fmt.Sprint(e.Err))
		for c := errors.Unwrap(e.Err); c != nil; c = errors.Unwrap(c) {
			assertNoSecrets(t, "wrapped error", c.Error())
		}
	}
}

// A cancelled context still reads as one through the redacted error.
func TestInvokeCancelledContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := newEchoServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	svc := testService(hrconnect.AuthAPIKey, hrconnect.ParamQuery, srv.URL)
	_, err := Invoke(ctx, testClient(), svc, testInjection(), &InvokeRequest{URL: srv.URL + "/slow"})
	if !errors.Is(err, context.DeadlineExceeded) || hrconnect.ErrorCode(err) != hrconnect.EUNAVAILABLE {
		t.Fatalf("Invoke() = %v, want EUNAVAILABLE that is context.DeadlineExceeded", err)
	}
	assertNoSecrets(t, "error", err.Error())
}

func TestInvokeTruncatesLongReplies(t *testing.T) {
	t.Parallel()
	srv := newEchoServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		// The key sits across the limit: it must not come back in part.
		fmt.Fprint(w, strings.Repeat("a", 95)+tAPIKey+strings.Repeat("b", 100))
		return true
	})
	svc := testService(hrconnect.AuthAPIKey, hrconnect.ParamHeader, srv.URL)
	resp, err := Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{URL: srv.URL + "/", MaxResponseBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Truncated || len(resp.Body) != 100 {
		t.Fatalf("truncated %v, %d bytes", resp.Truncated, len(resp.Body))
	}
	if strings.Contains(string(resp.Body), tAPIKey[:5]) {
		t.Errorf("body holds part of the key: %q", resp.Body)
	}
}

// The built-in Zoho services carry no base URLs: Invoke refuses them until
// a data centre's are set on a copy, and then sends Zoho's header.
func TestInvokeDefaultServiceNeedsBaseURLs(t *testing.T) {
	t.Parallel()
	srv := newEchoServer(t, nil)
	svc, _ := hrconnect.LookupDefaultService(hrconnect.ServiceZohoPeople)
	_, err := Invoke(context.Background(), testClient(), svc, Injection{AccessToken: tAccessToken}, &InvokeRequest{URL: srv.URL + "/people/api/forms"})
	if hrconnect.ErrorCode(err) != hrconnect.EINVALID || !strings.Contains(err.Error(), "no base URLs") {
		t.Fatalf("Invoke() = %v, want EINVALID about base URLs", err)
	}
	svc.BaseURLs = []string{srv.URL + "/people"}
	resp, err := Invoke(context.Background(), testClient(), svc, Injection{AccessToken: tAccessToken}, &InvokeRequest{URL: srv.URL + "/people/api/forms"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Invoke() = %v, %v", resp, err)
	}
	if got := srv.requests()[0].Header.Get("Authorization"); got != "Zoho-oauthtoken "+tAccessToken {
		t.Errorf("Authorization = %q", got)
	}
}
