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

	// grants holds the issue times of the client's recent grant tokens, for
	// the "10 grant tokens per client in 10 minutes" rule.
	grants window
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
	description   string // the Self Client's description, shown in the state
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
	made window
	// live holds the access tokens made by the refresh grant that may still be
	// active, oldest first, for the "15 active" cap. The access token of the
	// code exchange is not in it: SANDBOX.md counts only refresh-made tokens.
	live []*accessToken
	// all holds every access token tied to this refresh token (the code
	// exchange's one included), so that revoking it revokes them all.
	all []*accessToken
}

// accessToken lives for the configured lifetime (3600 s by default).
type accessToken struct {
	token  string
	client *client
	dc     string
	user   *user
	org    *org
	scopes []string
	// refresh is the refresh token this access token belongs to: the one that
	// made it, or the one issued with it by a code exchange. It is nil when the
	// exchange issued no refresh token (online access) and for minted tokens.
	refresh *refreshToken
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
	if t == nil || !s.liveLocked(t) || t.dc != dc {
		return nil
	}
	return t
}

// liveLocked reports whether an access token can still be used: not expired,
// not revoked, and its refresh token (if any) not revoked. s.mu must be held.
func (s *Server) liveLocked(t *accessToken) bool {
	if t.revoked || !s.nowLocked().Before(t.expires) {
		return false
	}
	return t.refresh == nil || !t.refresh.revoked
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

// window is a log of event times for a sliding-window limit ("at most N in any
// T"). Events older than the window are dropped as it is read, so it stays as
// short as the limit.
type window []time.Time

// count drops the events at or before now-span and returns how many remain.
func (w *window) count(now time.Time, span time.Duration) int {
	cut := now.Add(-span)
	i := 0
	for i < len(*w) && !(*w)[i].After(cut) {
		i++
	}
	if i > 0 {
		// Copy down rather than reslice so the backing array does not grow
		// without bound under a steady stream of events.
		n := copy(*w, (*w)[i:])
		*w = (*w)[:n]
	}
	return len(*w)
}

// add records an event at t.
func (w *window) add(t time.Time) { *w = append(*w, t) }
