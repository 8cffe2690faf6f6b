package connect

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"hrconnect"
)

func oauth2TestService(delim string) *hrconnect.Service {
	return &hrconnect.Service{
		Key: "acme", TenantID: "t1", Name: "Acme", AuthType: hrconnect.AuthOAuth2,
		BaseURLs:     []string{"https://api.acme.test"},
		AuthorizeURL: "https://login.acme.test/oauth/authorize?prompt=consent",
		TokenURL:     "https://login.acme.test/oauth/token",
		RefreshURL:   "https://login.acme.test/oauth/refresh",
		Scopes:       []string{"contacts.read", "contacts.write"},
		ClientID:     "client-1", ScopeDelimiter: delim,
	}
}

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ delim, want string }{
		{",", "contacts.read,contacts.write"},
		{"+", "contacts.read+contacts.write"},
		{" ", "contacts.read contacts.write"},
		{"", "contacts.read contacts.write"},
	} {
		svc := oauth2TestService(tt.delim)
		cfg := OAuth2Config(svc, "secret", "https://hrconnect.test/oauth/callback")
		st := AuthCodeURL(svc, cfg, oauth2.AccessTypeOffline)
		u, err := url.Parse(st.URL)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Host != "login.acme.test" || u.Path != "/oauth/authorize" || q.Get("prompt") != "consent" {
			t.Errorf("delimiter %q: URL %s lost the authorize URL's own parts", tt.delim, st.URL)
		}
		if got := q["scope"]; len(got) != 1 || got[0] != tt.want {
			t.Errorf("delimiter %q: scope = %q, want [%q]", tt.delim, got, tt.want)
		}
		if len(st.State) < 20 || q.Get("state") != st.State {
			t.Errorf("state = %q in URL, %q returned", q.Get("state"), st.State)
		}
		sum := sha256.Sum256([]byte(st.Verifier))
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) {
			t.Errorf("PKCE: method %q, challenge %q for verifier %q", q.Get("code_challenge_method"), q.Get("code_challenge"), st.Verifier)
		}
		if q.Get("response_type") != "code" || q.Get("client_id") != "client-1" ||
			q.Get("redirect_uri") != "https://hrconnect.test/oauth/callback" || q.Get("access_type") != "offline" {
			t.Errorf("URL %s", st.URL)
		}
		if strings.Contains(st.URL, "secret") {
			t.Errorf("the client secret is in the authorize URL: %s", st.URL)
		}
	}

	svc := oauth2TestService(",")
	cfg := OAuth2Config(svc, "", "")
	a, b := AuthCodeURL(svc, cfg), AuthCodeURL(svc, cfg)
	if a.State == b.State || a.Verifier == b.Verifier {
		t.Error("two authorizations share a state or verifier")
	}
	cfg.Scopes = nil
	if u, _ := url.Parse(AuthCodeURL(svc, cfg).URL); u.Query().Has("scope") {
		t.Error("scope sent with no scopes")
	}
}

// The code exchange authenticates the client with HTTP Basic only (the
// explicit AuthStyle) and sends the PKCE verifier.
func TestOAuth2ConfigExchange(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		id, secret, ok := r.BasicAuth()
		switch {
		case r.URL.Path != "/oauth/token":
			t.Errorf("token request to %s", r.URL.Path)
		case !ok || id != "client-1" || secret != "s3cret":
			t.Errorf("client authentication %q %q %v", id, secret, ok)
		case r.PostForm.Has("client_secret"):
			t.Error("client secret also sent in the body")
		case r.PostForm.Get("code") != "the-code" || r.PostForm.Get("code_verifier") != "the-verifier" || r.PostForm.Get("grant_type") != "authorization_code":
			t.Errorf("form %v", r.PostForm)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "rt"})
	}))
	t.Cleanup(srv.Close)

	svc := oauth2TestService(",")
	svc.TokenURL = srv.URL + "/oauth/token"
	cfg := OAuth2Config(svc, "s3cret", "https://hrconnect.test/cb")
	if cfg.Endpoint.AuthStyle != oauth2.AuthStyleInHeader {
		t.Fatalf("AuthStyle = %v", cfg.Endpoint.AuthStyle)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, testClient())
	tok, err := cfg.Exchange(ctx, "the-code", oauth2.VerifierOption("the-verifier"))
	if err != nil || tok.AccessToken != "at" || tok.RefreshToken != "rt" || calls.Load() != 1 {
		t.Fatalf("Exchange = %+v, %v (%d calls)", tok, err, calls.Load())
	}

	if got := OAuth2RefreshConfig(svc, "s3cret").Endpoint.TokenURL; got != "https://login.acme.test/oauth/refresh" {
		t.Errorf("refresh token URL = %q", got)
	}
	svc.RefreshURL = ""
	if got := OAuth2RefreshConfig(svc, "s3cret").Endpoint.TokenURL; got != svc.TokenURL {
		t.Errorf("refresh token URL without RefreshURL = %q", got)
	}
}
