package connect

import (
	"crypto/rand"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"hrconnect"
)

// OAuth2Config returns the golang.org/x/oauth2 configuration of a custom
// OAuth 2.0 service: its client ID, the given client secret and redirect URL,
// its authorize and token URLs, and its scopes (in Scopes; replace them with
// a connection's own before calling AuthCodeURL).
//
// The client authenticates at the token endpoint with HTTP Basic
// (oauth2.AuthStyleInHeader), set explicitly rather than auto-detected: every
// OAuth 2.0 server must accept it (RFC 6749 §2.3.1), and auto-detection
// sends the client secret a second time, in the body, when the first try
// fails. hrconnect.Service has no field to choose the other style yet; Zoho,
// which wants the secret in the body, is served by the zoho package instead.
//
// The token URL is the one for codes; for refreshing use
// OAuth2RefreshConfig, as RefreshURL may differ.
func OAuth2Config(svc *hrconnect.Service, clientSecret, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     svc.ClientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Endpoint: oauth2.Endpoint{
			AuthURL:   svc.AuthorizeURL,
			TokenURL:  svc.TokenURL,
			AuthStyle: oauth2.AuthStyleInHeader,
		},
		Scopes: slices.Clone(svc.Scopes),
	}
}

// OAuth2RefreshConfig is OAuth2Config for refreshing tokens: its token URL is
// the service's RefreshURL, or TokenURL when that is empty.
func OAuth2RefreshConfig(svc *hrconnect.Service, clientSecret string) *oauth2.Config {
	cfg := OAuth2Config(svc, clientSecret, "")
	if svc.RefreshURL != "" {
		cfg.Endpoint.TokenURL = svc.RefreshURL
	}
	return cfg
}

// OAuth2Start is a started OAuth 2.0 authorization: the URL to send the
// person to, and what to keep in their session until the callback: State, to
// compare with the callback's "state" (a mismatch is a forged or stale
// callback), and Verifier, to pass to the code exchange with
// oauth2.VerifierOption. Both are secrets.
type OAuth2Start struct {
	URL      string
	State    string
	Verifier string
}

// AuthCodeURL starts an authorization code flow with PKCE (RFC 7636, S256):
// it draws a fresh state and code verifier and returns the authorization URL
// carrying them, cfg's scopes joined with the service's ScopeDelimiter (a
// space when empty), and opts (for example oauth2.AccessTypeOffline).
//
// x/oauth2 joins scopes with spaces, which services such as Zoho, which
// want commas, read as one unknown scope; the scope parameter is therefore
// always written here, from cfg.Scopes, overriding the library's.
func AuthCodeURL(svc *hrconnect.Service, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) *OAuth2Start {
	st := &OAuth2Start{
		State:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
	}
	all := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier)}
	if len(cfg.Scopes) > 0 {
		delim := svc.ScopeDelimiter
		if delim == "" {
			delim = " "
		}
		all = append(all, oauth2.SetAuthURLParam("scope", strings.Join(cfg.Scopes, delim)))
	}
	all = append(all, opts...)
	st.URL = cfg.AuthCodeURL(st.State, all...)
	return st
}
