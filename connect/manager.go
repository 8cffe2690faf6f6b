package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"hrconnect"
)

// Refresher obtains access tokens from a connection's service. The Zoho
// implementation talks to the connection's data centre; custom OAuth 2.0
// services use their token URL.
type Refresher interface {
	// Refresh exchanges the refresh token in creds for a new access token and
	// the time it stays valid. Errors are classified with AsRefreshError.
	Refresh(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) (accessToken string, lifetime time.Duration, err error)
	// Revoke revokes the refresh token in creds at the service.
	Revoke(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) error
}

// RefreshError is a refresh that failed, sorted for the token manager.
type RefreshError struct {
	// Reconnect: the service refused the credentials for good (a revoked or
	// replaced refresh token, a wrong client secret). A person must reconnect.
	Reconnect bool
	// RetryAfter, when positive, is how long the service asked us to wait
	// (Zoho's "Access Denied" throttle).
	RetryAfter time.Duration
	// Message and Resolution are for people.
	Message    string
	Resolution string
	Err        error
}

func (e *RefreshError) Error() string {
	if e.Resolution != "" {
		return e.Message + " " + e.Resolution
	}
	return e.Message
}

func (e *RefreshError) Unwrap() error { return e.Err }

// Budget keeps a connection inside the provider's token limits: at most Max
// refreshes in any Window. Zoho allows 10 access tokens per refresh token in 10
// minutes; the default leaves one spare for a person reconnecting by hand.
type Budget struct {
	Max    int
	Window time.Duration
}

// DefaultBudget is Zoho's limit less one.
var DefaultBudget = Budget{Max: 9, Window: 10 * time.Minute}

// Manager hands out access tokens for connections: the cached one while it is
// valid, else a fresh one from exactly one refresh per connection at a time,
// across every process sharing the database (the store's token lock), and in
// one process without even touching the database twice (single flight).
type Manager struct {
	store     hrconnect.ConnectionStore
	refresher Refresher
	now       func() time.Time
	log       *slog.Logger
	group     singleflight.Group
	onRefresh func(outcome string) // WithRefreshObserver

	// Margin is how long before expiry a token is replaced. Small, so that a
	// connection costs one refresh an hour (Zoho's tokens live 3600 s), and
	// large enough for a call started just before expiry to complete.
	Margin time.Duration
	Budget Budget
}

// ManagerOption configures a Manager.
type ManagerOption func(*Manager)

// WithClock sets the manager's clock (tests and benchmarks use the sandbox's).
func WithClock(now func() time.Time) ManagerOption { return func(m *Manager) { m.now = now } }

// WithLogger sets the manager's logger. Secrets are never logged.
func WithLogger(l *slog.Logger) ManagerOption { return func(m *Manager) { m.log = l } }

// NewManager returns a token manager over store, refreshing with r.
func NewManager(store hrconnect.ConnectionStore, r Refresher, opts ...ManagerOption) *Manager {
	m := &Manager{
		store:     store,
		refresher: r,
		now:       time.Now,
		log:       slog.New(slog.DiscardHandler),
		Margin:    60 * time.Second,
		Budget:    DefaultBudget,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// AccessToken returns a valid access token for k, refreshing it when needed.
//
// Errors are *hrconnect.Error: EUNAVAILABLE when the service cannot be
// reached or asks us to wait (retry later), ECONFLICT with a resolution when
// the connection needs reconnecting (a person must act).
func (m *Manager) AccessToken(ctx context.Context, k hrconnect.CredentialKey) (string, error) {
	tok, err := m.store.CachedToken(ctx, k)
	if err != nil {
		return "", err
	}
	if tok.Valid(m.now(), m.Margin) {
		return tok.AccessToken, nil
	}
	if tok != nil && tok.Refused != "" {
		return "", m.reconnectError(tok.Refused)
	}
	return m.refresh(ctx, k, "")
}

// Rejected tells the manager that the service refused accessToken (HTTP 401,
// INVALID_OAUTHTOKEN): it returns a newer token, refreshing unless another
// caller already has. Callers retry their request once with the result.
func (m *Manager) Rejected(ctx context.Context, k hrconnect.CredentialKey, accessToken string) (string, error) {
	return m.refresh(ctx, k, accessToken)
}

// refresh runs one refresh for k under the store's lock. When rejected is
// set, a cached token equal to it is treated as expired; any other valid
// token means someone refreshed since, and is returned as it is.
func (m *Manager) refresh(ctx context.Context, k hrconnect.CredentialKey, rejected string) (string, error) {
	// Callers in this process that want the same key share one refresh.
	key := k.TenantID + "\x00" + k.ConnectionID + "\x00" + k.UserID + "\x00" + rejected
	v, err, _ := m.group.Do(key, func() (any, error) {
		return m.refreshLocked(context.WithoutCancel(ctx), k, rejected)
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (m *Manager) refreshLocked(ctx context.Context, k hrconnect.CredentialKey, rejected string) (string, error) {
	// Read what the refresh needs before taking the lock: on SQLite the lock
	// is the database's single writer, and these reads must not wait on it.
	conn, err := m.store.Connection(ctx, k.TenantID, k.ConnectionID)
	if err != nil {
		return "", err
	}
	creds, err := m.store.Credentials(ctx, k)
	if err != nil {
		if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
			return "", m.reconnectError("There are no credentials for this connection yet.")
		}
		return "", err
	}

	var refreshErr *RefreshError
	var refreshed bool
	tok, err := m.store.LockToken(ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
		now := m.now()
		if cur.Valid(now, m.Margin) && cur.AccessToken != rejected {
			return nil, nil // someone refreshed while we waited for the lock
		}
		if cur != nil && cur.Refused != "" {
			return nil, nil // refused for good; reported below
		}
		next := &hrconnect.Token{}
		if cur != nil {
			// Keep the old token: it may still serve until it expires if
			// this refresh fails.
			*next = *cur
			next.Refreshes = m.recent(cur.Refreshes, now)
		}
		if len(next.Refreshes) >= m.Budget.Max {
			// Over budget: never ask Zoho for the 11th token in 10 minutes.
			wait := next.Refreshes[0].Add(m.Budget.Window).Sub(now)
			return nil, &RefreshError{RetryAfter: wait,
				Message:    fmt.Sprintf("This connection has used its %d token refreshes for the last %s.", m.Budget.Max, m.Budget.Window),
				Resolution: fmt.Sprintf("hrconnect will try again in %s.", wait.Round(time.Second))}
		}
		access, lifetime, err := m.refresher.Refresh(ctx, conn, creds)
		next.Refreshes = append(next.Refreshes, now)
		defer func() { m.observeRefresh(refreshErr) }()
		if err != nil {
			if !errors.As(err, &refreshErr) {
				refreshErr = &RefreshError{Message: "Could not reach the service to refresh the access token.", Resolution: "hrconnect will try again shortly.", Err: err}
			}
			if refreshErr.Reconnect {
				next.Refused = refreshErr.Error()
				return next, nil // remember the refusal, so nobody tries again
			}
			return next, nil // remember the attempt; it counts against the budget
		}
		refreshed = true
		next.AccessToken = access
		next.Expiry = now.Add(lifetime)
		next.Generation++
		return next, nil
	})
	if err != nil {
		if errors.As(err, &refreshErr) {
			return "", m.unavailable(refreshErr)
		}
		return "", err
	}
	if refreshed {
		m.afterRefresh(ctx, conn)
		return tok.AccessToken, nil
	}
	if tok != nil && tok.Refused != "" {
		if refreshErr != nil && refreshErr.Reconnect {
			m.markNeedsReconnect(ctx, conn, refreshErr)
		}
		return "", m.reconnectError(tok.Refused)
	}
	if tok.Valid(m.now(), 0) && tok.AccessToken != rejected {
		return tok.AccessToken, nil // fresh from another caller, or still good despite a failed refresh
	}
	if refreshErr != nil {
		return "", m.unavailable(refreshErr)
	}
	return "", hrconnect.Errorf(hrconnect.EINTERNAL, "no access token after refresh")
}

// recent returns the refresh times still inside the budget window.
func (m *Manager) recent(times []time.Time, now time.Time) []time.Time {
	cut := now.Add(-m.Budget.Window)
	out := make([]time.Time, 0, len(times)+1)
	for _, t := range times {
		if t.After(cut) {
			out = append(out, t)
		}
	}
	return out
}

// afterRefresh records the refresh on the connection, and its recovery when
// it had been failing.
func (m *Manager) afterRefresh(ctx context.Context, c *hrconnect.Connection) {
	recovered := c.Status == hrconnect.StatusNeedsReconnect || c.LastError != ""
	c.LastRefreshAt = m.now()
	if recovered {
		c.Status = hrconnect.StatusConnected
		c.LastError, c.LastResolution, c.LastErrorAt = "", "", time.Time{}
	}
	if err := m.store.UpdateConnection(ctx, c); err != nil {
		m.log.Warn("record refresh", "connection", c.ID, "err", err)
	}
	if recovered {
		m.event(ctx, c, hrconnect.EventRecovered, "The connection works again.")
	}
}

// markNeedsReconnect parks the connection until a person reconnects it.
func (m *Manager) markNeedsReconnect(ctx context.Context, c *hrconnect.Connection, e *RefreshError) {
	if c.Status == hrconnect.StatusNeedsReconnect {
		return
	}
	c.Status = hrconnect.StatusNeedsReconnect
	c.LastError, c.LastResolution, c.LastErrorAt = e.Message, e.Resolution, m.now()
	if err := m.store.UpdateConnection(ctx, c); err != nil {
		m.log.Warn("mark needs reconnect", "connection", c.ID, "err", err)
	}
	m.log.Warn("connection needs reconnecting", "tenant", c.TenantID, "connection", c.ID, "reason", e.Message)
	m.event(ctx, c, hrconnect.EventNeedsReconnect, e.Error())
}

func (m *Manager) event(ctx context.Context, c *hrconnect.Connection, kind hrconnect.EventKind, msg string) {
	err := m.store.AddEvent(ctx, &hrconnect.ConnectionEvent{TenantID: c.TenantID, ConnectionID: c.ID, Kind: kind, Message: msg, At: m.now()})
	if err != nil {
		m.log.Warn("record connection event", "connection", c.ID, "kind", kind, "err", err)
	}
}

// ErrNeedsReconnect is in the chain of every error that means a person must
// reconnect the connection.
var ErrNeedsReconnect = errors.New("connection needs reconnecting")

func (m *Manager) reconnectError(reason string) error {
	return &hrconnect.Error{Code: hrconnect.ECONFLICT,
		Message:    "The connection needs reconnecting: " + reason,
		Resolution: "Open the connection and reconnect it with new credentials (a new authorisation code or refresh token).",
		Err:        ErrNeedsReconnect}
}

// RetryAfter returns how long err asks the caller to wait, or 0.
func RetryAfter(err error) time.Duration {
	var re *RefreshError
	if errors.As(err, &re) {
		return re.RetryAfter
	}
	return 0
}

func (m *Manager) unavailable(e *RefreshError) error {
	return &hrconnect.Error{Code: hrconnect.EUNAVAILABLE, Message: e.Message, Resolution: e.Resolution, Err: e}
}
