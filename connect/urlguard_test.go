package connect

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect"
)

func TestURLGuardCheck(t *testing.T) {
	t.Parallel()
	g, err := NewURLGuard([]string{"https://api.example.com/v1/", "https://files.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want string // the normalised URL; "" means refused
	}{
		{"https://api.example.com/v1", "https://api.example.com/v1"},
		{"https://api.example.com/v1/", "https://api.example.com/v1/"},
		{"https://api.example.com/v1/users?x=1&y=%20", "https://api.example.com/v1/users?x=1&y=%20"},
		{"HTTPS://API.Example.COM:443/v1/users", "https://api.example.com/v1/users"},
		{"https://api.example.com/v1/./users", "https://api.example.com/v1/users"},
		{"https://api.example.com/v1/a/../users", "https://api.example.com/v1/users"},
		{"https://api.example.com/v1/%7Eme/%2d", "https://api.example.com/v1/~me/-"},
		{"https://api.example.com/v1/a%2fb", "https://api.example.com/v1/a%2Fb"},
		{"https://api.example.com/v1/users#top", "https://api.example.com/v1/users"},
		{"https://files.example.com", "https://files.example.com/"},
		{"https://files.example.com/any/where", "https://files.example.com/any/where"},

		{"https://api.example.com.evil.test/v1", ""},      // look-alike host
		{"https://evil.test/v1", ""},                      // other host
		{"https://api.example.com/v10", ""},               // prefix, but not at a segment boundary
		{"https://api.example.com/v1../x", ""},            // same trick
		{"https://api.example.com/V1", ""},                // paths are case-sensitive
		{"https://api.example.com/", ""},                  // above the base path
		{"https://api.example.com/v1/../admin", ""},       // climbs out
		{"https://api.example.com/v1/%2e%2e/admin", ""},   // climbs out, encoded
		{"https://api.example.com/v1/%2E%2E%2Fadmin", ""}, // hidden behind an encoded slash
		{"https://api.example.com/v1/..%5Cadmin", ""},     // or an encoded backslash
		{"http://api.example.com/v1", ""},                 // scheme differs
		{"https://api.example.com:8443/v1", ""},           // port differs
		{"https://user:pw@api.example.com/v1", ""},        // user info
		{"https://api.example.com@evil.test/v1", ""},      // user info that looks like the host
		{"https://api.example.com:443@evil.test/v1", ""},  // likewise, with a port
		{"ftp://api.example.com/v1", ""},
		{"/v1/users", ""},
		{"https:///v1", ""},
		{"https:api.example.com/v1", ""},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		got, err := g.Check(u)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("Check(%q) = %q, want refused", tt.url, got)
		case tt.want != "" && err != nil:
			t.Errorf("Check(%q) refused: %v", tt.url, err)
		case tt.want != "" && got.String() != tt.want:
			t.Errorf("Check(%q) = %q, want %q", tt.url, got, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("Check(%q) error repeats the password: %v", tt.url, err)
		}
	}
}

func TestNewURLGuardRefusesBadBases(t *testing.T) {
	t.Parallel()
	for _, bases := range [][]string{
		nil,
		{"https://api.example.com/v1?x=1"},
		{"https://api.example.com/v1#f"},
		{"https://u:p@api.example.com"},
		{"mailto:x@example.com"},
		{"api.example.com/v1"},
	} {
		if _, err := NewURLGuard(bases); err == nil {
			t.Errorf("NewURLGuard(%q) accepted", bases)
		}
	}
}

// Invoke refuses a URL outside the base URLs before anything is sent. The
// client dials the one test server whatever the host, so a request that got
// through would be counted there; the first case shows that one does.
func TestInvokeRefusesURLsOutsideBase(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	}))
	t.Cleanup(srv.Close)
	client := &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, srv.Listener.Addr().String())
			},
			// The test server's certificate is not for api.example.com; the
			// connection never leaves the loopback interface.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		},
	}
	svc := testService(hrconnect.AuthAPIKey, hrconnect.ParamHeader, "https://api.example.com/v1")

	resp, err := Invoke(context.Background(), client, svc, testInjection(), &InvokeRequest{URL: "https://api.example.com/v1/./users"})
	if err != nil || resp.StatusCode != 200 || hits.Load() != 1 {
		t.Fatalf("control request: %v %v, %d hits", resp, err, hits.Load())
	}

	for _, u := range []string{
		"https://evil.test/v1/users",
		"https://api.example.com.evil.test/v1/users",
		"https://api.example.com/v10/users",
		"https://api.example.com/v1/../admin",
		"https://api.example.com/v1/%2e%2e/admin",
		"https://api.example.com/v1/..%2fadmin",
		"https://user:pass@api.example.com/v1/users",
		"https://api.example.com@evil.test/v1/users",
		"http://api.example.com/v1/users",
		"https://api.example.com:444/v1/users",
	} {
		_, err := Invoke(context.Background(), client, svc, testInjection(), &InvokeRequest{URL: u})
		var e *hrconnect.Error
		if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || e.Field != "url" {
			t.Errorf("%s: Invoke() = %v, want EINVALID on url", u, err)
			continue
		}
		if !strings.Contains(e.Error(), "https://api.example.com/v1") && !strings.Contains(e.Error(), "user name or password") {
			t.Errorf("%s: message does not name the base URL: %v", u, e)
		}
		assertNoSecrets(t, "error", e.Error())
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the server saw %d requests, want only the control one", n)
	}
}

// A redirect leaving the base URLs is not followed: the other server sees
// nothing at all, so certainly no credential.
func TestInvokeRefusesRedirectOutsideBase(t *testing.T) {
	t.Parallel()
	other := newEchoServer(t, nil)
	srv := newEchoServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		switch r.URL.Path {
		case "/v1/away":
			http.Redirect(w, r, other.URL+"/v1/steal?"+r.URL.RawQuery, http.StatusFound)
		case "/v1/look-alike":
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "127.0.0.1.nip.test", 1)+"/v1/x", http.StatusTemporaryRedirect)
		case "/v1/up":
			http.Redirect(w, r, "/admin", http.StatusMovedPermanently)
		case "/v1/userinfo":
			http.Redirect(w, r, strings.Replace(other.URL, "http://", "http://x:y@", 1)+"/v1/x", http.StatusFound)
		default:
			return false
		}
		return true
	})
	for _, auth := range []hrconnect.AuthType{hrconnect.AuthAPIKey, hrconnect.AuthOAuth2, hrconnect.AuthBasic, hrconnect.AuthOAuth1} {
		for _, path := range []string{"/v1/away", "/v1/look-alike", "/v1/up", "/v1/userinfo"} {
			param := hrconnect.ParamQuery
			if auth == hrconnect.AuthBasic {
				param = hrconnect.ParamHeader
			}
			svc := testService(auth, param, srv.URL+"/v1")
			_, err := Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{URL: srv.URL + path})
			var e *hrconnect.Error
			if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || e.Field != "url" || !strings.Contains(e.Message, "redirected") {
				t.Errorf("%s %s: Invoke() = %v, want EINVALID about the redirect", auth, path, err)
				continue
			}
			assertNoSecrets(t, "error", e.Error())
			assertNoSecrets(t, "error cause", e.Err.Error())
		}
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other server saw %d requests, want none", n)
	}
	for _, r := range srv.requests() {
		if r.Path == "/admin" {
			t.Errorf("the redirect above the base path was followed")
		}
	}
}

// A redirect that stays under the base URLs is followed, without the
// credentials, in whichever place they were: header, query (even when the
// service echoes them into the new URL) or a body sent again (307).
func TestInvokeStripsCredentialsOnRedirect(t *testing.T) {
	t.Parallel()
	for _, auth := range []hrconnect.AuthType{hrconnect.AuthBasic, hrconnect.AuthAPIKey, hrconnect.AuthOAuth1, hrconnect.AuthOAuth2} {
		for _, param := range []hrconnect.ParamType{hrconnect.ParamHeader, hrconnect.ParamQuery, hrconnect.ParamForm} {
			if auth == hrconnect.AuthBasic && param != hrconnect.ParamHeader {
				continue
			}
			t.Run(string(auth)+"/"+string(param), func(t *testing.T) {
				t.Parallel()
				srv := newEchoServer(t, func(w http.ResponseWriter, r *http.Request) bool {
					if r.URL.Path != "/v1/hop" {
						return false
					}
					// Echo the query, credentials included, into the new URL.
					http.Redirect(w, r, "/v1/landed?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
					return true
				})
				svc := testService(auth, param, srv.URL+"/v1")
				resp, err := Invoke(context.Background(), testClient(), svc, testInjection(), &InvokeRequest{
					Method: "POST", URL: srv.URL + "/v1/hop", Query: url.Values{"page": {"2"}}, Form: url.Values{"name": {"Ada"}},
				})
				if err != nil {
					t.Fatal(err)
				}
				seen := srv.requests()
				if len(seen) != 2 || seen[1].Path != "/v1/landed" {
					t.Fatalf("requests: %+v", seen)
				}
				if resp.StatusCode != 200 || !strings.HasSuffix(resp.URL, "/v1/landed?page=2") {
					t.Errorf("reply %d from %s", resp.StatusCode, resp.URL)
				}
				first, landed := seen[0], seen[1]
				if credentialIn(first) == "" {
					t.Fatalf("the first request carried no credential: %+v", first)
				}
				if where := credentialIn(landed); where != "" {
					t.Errorf("the redirected request carried a credential in its %s: %+v", where, landed)
				}
				f, _ := url.ParseQuery(string(landed.Body))
				if landed.Method != "POST" || f.Get("name") != "Ada" || landed.Query.Get("page") != "2" {
					t.Errorf("the 307 lost the request's own data: %s %q %v", landed.Method, landed.Body, landed.Query)
				}
			})
		}
	}
}

// credentialIn says where a request carries a test credential, or "".
func credentialIn(r seenRequest) string {
	for k, vs := range r.Header {
		if k == "Authorization" || k == "X-Api-Key" {
			return "header " + k
		}
		for _, v := range vs {
			if containsAnySecret(v) {
				return "header " + k
			}
		}
	}
	for k, vs := range r.Query {
		if k == "api_key" || k == "access_token" || strings.HasPrefix(k, "oauth_") || containsAnySecret(strings.Join(vs, " ")) {
			return "query"
		}
	}
	if f, _ := url.ParseQuery(string(r.Body)); f != nil {
		for k := range f {
			if k == "api_key" || k == "access_token" || strings.HasPrefix(k, "oauth_") {
				return "body"
			}
		}
	}
	if containsAnySecret(string(r.Body)) {
		return "body"
	}
	return ""
}

func containsAnySecret(s string) bool {
	for _, f := range testSecretForms() {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}
