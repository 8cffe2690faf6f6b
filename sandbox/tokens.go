package sandbox

import (
	"net/http"
	"strings"
	"time"
)

// client is an app registered in the API Console of one DC.
type client struct {
	id         string
	secret     string            // the client secret in its home DC
	dcSecrets  map[string]string // per-DC secrets when multi-DC is enabled
	dc         string            // home DC
	clientType string            // self, web, javascript, mobile, device
	name       string
	homepage   string
	redirects  []string
	jsDomains  []string
	multiDC    bool
	owner      *user
	created    time.Time
}

// grantToken is an authorization code, from the redirect flow or the Self Client.
type grantToken struct {
	code          string
	client        *client
	dc            string
	user          *user
	org           *org
	scopes        []string
	redirectURI   string // empty for Self Client codes
	offline       bool   // a refresh token is due on exchange
	selfClient    bool
	challenge     string // PKCE code_challenge, if one was sent
	challengeMode string // S256 or plain
	issued        time.Time
	expires       time.Time
	used          bool
}

// refreshToken never expires; it is deleted when revoked or pushed out by newer ones.
type refreshToken struct {
	token   string
	client  *client
	dc      string
	user    *user
	org     *org
	scopes  []string
	issued  time.Time
	revoked bool
	// made holds the issue times of access tokens made from this refresh token
	// by the refresh grant, for the "10 in 10 minutes" throttle.
	made []time.Time
}

// accessToken lives for the configured lifetime (3600 s by default).
type accessToken struct {
	token   string
	client  *client
	dc      string
	user    *user
	org     *org
	scopes  []string
	refresh *refreshToken // nil for the access token of a code exchange
	issued  time.Time
	expires time.Time
	revoked bool
}

// bearer returns the live access token that the request carries in its
// "Authorization: Zoho-oauthtoken <token>" header for data centre dc. It
// returns nil when the header is missing or the token is unknown, expired,
// revoked or from another DC. s.mu must be held.
func (s *Server) bearerLocked(r *http.Request, dc string) *accessToken {
	h := r.Header.Get("Authorization")
	const prefix = "zoho-oauthtoken "
	if len(h) <= len(prefix) || strings.ToLower(h[:len(prefix)]) != prefix {
		return nil
	}
	t := s.access[strings.TrimSpace(h[len(prefix):])]
	if t == nil || t.revoked || t.dc != dc || !s.nowLocked().Before(t.expires) {
		return nil
	}
	if t.refresh != nil && t.refresh.revoked {
		return nil
	}
	return t
}

// mintLocked issues an access token directly, as if made by a Self Client code
// exchange for the DC's default client and organisation, bypassing every rule.
// It exists for the sandbox's own tests of the People and Recruit APIs.
func (s *Server) mintLocked(dc string, scopes ...string) *accessToken {
	d := s.dcs[dc]
	now := s.nowLocked()
	t := &accessToken{
		token: zohoToken(), dc: dc, user: d.defaultUser, org: d.defaultOrg,
		scopes: scopes, issued: now, expires: now.Add(seconds(s.limits.AccessTokenLifetimeSeconds)),
	}
	s.access[t.token] = t
	return t
}
