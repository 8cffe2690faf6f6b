package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"hrconnect"
)

// SessionCookie is the name of the cookie holding the session token.
const SessionCookie = "hrconnect_session"

// actor is the signed-in person of a request.
type actor struct {
	Session *hrconnect.Session
	User    *hrconnect.User
	Tenant  *hrconnect.Tenant
}

// newToken returns 32 random bytes, base64url-encoded: a session token or an
// OAuth state.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken returns the hex SHA-256 of a token: what is stored in its place.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// startSession signs u in: a new session and its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *hrconnect.User) error {
	token := newToken()
	now := s.now()
	sess := &hrconnect.Session{ID: hashToken(token), TenantID: u.TenantID, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: token, Path: "/",
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
		Expires: sess.ExpiresAt,
	})
	return nil
}

// endSession signs out: the session is deleted and the cookie cleared.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), hashToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return nil
}

// currentActor returns the signed-in person, or an EUNAUTHORIZED error.
func (s *Server) currentActor(r *http.Request) (*actor, error) {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, errSignIn
	}
	ctx := r.Context()
	sess, err := s.store.Session(ctx, hashToken(c.Value))
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return nil, errSignIn
	} else if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, sess.TenantID, sess.UserID)
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return nil, errSignIn
	} else if err != nil {
		return nil, err
	}
	t, err := s.store.Tenant(ctx, sess.TenantID)
	if err != nil {
		return nil, err
	}
	return &actor{Session: sess, User: u, Tenant: t}, nil
}

var errSignIn = &hrconnect.Error{Code: hrconnect.EUNAUTHORIZED, Message: "Please sign in.", Resolution: "Your session has ended or you have not signed in yet."}

// handler is a page handler for a signed-in person.
type handler func(w http.ResponseWriter, r *http.Request, a *actor) error

// signedIn serves h to signed-in people; others are sent to sign in.
func (s *Server) signedIn(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.currentActor(r)
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if err := h(w, r, a); err != nil {
			s.fail(w, r, a, err)
		}
	}
}

// manager serves h to signed-in people with Integrations Management; others
// get 403. Every handler that creates, changes or deletes a connection,
// service or user goes through it.
func (s *Server) manager(h handler) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, a *actor) error {
		if !a.User.Can(hrconnect.PermIntegrations) {
			return errForbidden
		}
		return h(w, r, a)
	})
}

// signinLimiter limits sign-in attempts per email and per client address, so
// that passwords cannot be guessed quickly: 5 attempts at once, then one every
// 12 seconds (5 a minute) for an email, and 20 a minute for an address (an
// office behind one NAT signs in from one address).
type signinLimiter struct {
	mu      sync.Mutex
	byKey   map[string]*limiterEntry
	now     func() time.Time
	swept   time.Time
	perUser rate.Limit
	perIP   rate.Limit
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newSigninLimiter(now func() time.Time) *signinLimiter {
	return &signinLimiter{byKey: map[string]*limiterEntry{}, now: now, perUser: rate.Every(12 * time.Second), perIP: rate.Every(3 * time.Second)}
}

// allow reports whether an attempt for email from addr may go ahead; each
// call spends one attempt of both.
func (l *signinLimiter) allow(email, addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > 10*time.Minute {
		// Forget limiters idle long enough to be full again.
		for k, e := range l.byKey {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(l.byKey, k)
			}
		}
		l.swept = now
	}
	okUser := l.entry("email:"+strings.ToLower(strings.TrimSpace(email)), l.perUser, 5, now).AllowN(now, 1)
	okIP := l.entry("ip:"+addr, l.perIP, 20, now).AllowN(now, 1)
	return okUser && okIP
}

func (l *signinLimiter) entry(key string, r rate.Limit, burst int, now time.Time) *rate.Limiter {
	e, ok := l.byKey[key]
	if !ok {
		e = &limiterEntry{lim: rate.NewLimiter(r, burst)}
		l.byKey[key] = e
	}
	e.seen = now
	return e.lim
}

// clientIP is the request's peer address. X-Forwarded-For is not trusted:
// anyone can send it, and a limiter keyed on it would limit nobody.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
