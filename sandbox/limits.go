package sandbox

import (
	"fmt"
	"strings"
	"time"
)

// Limits are the numbers of SANDBOX.md's token rules and the People API
// threshold. Every one can be changed with PUT /_sandbox/limits; Off turns every
// throttle and cap off (lifetimes still apply), for benchmarks.
type Limits struct {
	// Off disables every throttle and cap below (not the lifetimes).
	Off bool `json:"off"`

	// AccessTokenLifetimeSeconds is how long an access token lives (3600 s).
	AccessTokenLifetimeSeconds int `json:"access_token_lifetime_seconds"`
	// RedirectGrantLifetimeSeconds is how long a redirect-flow grant token lives (120 s).
	RedirectGrantLifetimeSeconds int `json:"redirect_grant_lifetime_seconds"`

	// AccessTokensPerWindow access tokens may be made by the refresh grant
	// from one refresh token in any AccessTokenWindowSeconds (10 in 600 s);
	// past it "Access Denied". ActiveAccessTokensPerRefr of them may be active
	// at once (15); the one past it invalidates the oldest.
	AccessTokensPerWindow     int `json:"access_tokens_per_window"`
	AccessTokenWindowSeconds  int `json:"access_token_window_seconds"`
	ActiveAccessTokensPerRefr int `json:"active_access_tokens_per_refresh_token"`

	// RefreshTokensPerUserClient active refresh tokens per user per client (20);
	// the 21st deletes the oldest and its access tokens.
	RefreshTokensPerUserClient int `json:"refresh_tokens_per_user_client"`
	// NewRefreshTokensPerMinute new refresh tokens per user per minute (5); past it "Access Denied".
	NewRefreshTokensPerMinute int `json:"new_refresh_tokens_per_minute"`

	// GrantTokensPerWindow grant tokens per client in any
	// GrantTokenWindowSeconds (10 in 600 s); past it "Access Denied".
	GrantTokensPerWindow    int `json:"grant_tokens_per_window"`
	GrantTokenWindowSeconds int `json:"grant_token_window_seconds"`

	// PeopleInsertsPerMinute insertRecord calls per organisation per minute (100);
	// past it every insert gets error 7209 for PeopleLockoutSeconds (300).
	PeopleInsertsPerMinute int `json:"people_inserts_per_minute"`
	PeopleLockoutSeconds   int `json:"people_lockout_seconds"`
}

// DefaultLimits returns SANDBOX.md's defaults.
func DefaultLimits() Limits {
	return Limits{
		AccessTokenLifetimeSeconds:   3600,
		RedirectGrantLifetimeSeconds: 120,
		AccessTokensPerWindow:        10,
		AccessTokenWindowSeconds:     600,
		ActiveAccessTokensPerRefr:    15,
		RefreshTokensPerUserClient:   20,
		NewRefreshTokensPerMinute:    5,
		GrantTokensPerWindow:         10,
		GrantTokenWindowSeconds:      600,
		PeopleInsertsPerMinute:       100,
		PeopleLockoutSeconds:         300,
	}
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// problems returns a message for every number of l that cannot work: each
// must be at least 1 (to switch the throttles and caps off, use Off instead).
func (l Limits) problems() []string {
	var out []string
	check := func(name string, v int) {
		if v < 1 {
			out = append(out, fmt.Sprintf("%s is %d; it must be at least 1 (to switch the limits off, send \"off\": true)", name, v))
		}
	}
	check("access_token_lifetime_seconds", l.AccessTokenLifetimeSeconds)
	check("redirect_grant_lifetime_seconds", l.RedirectGrantLifetimeSeconds)
	check("access_tokens_per_window", l.AccessTokensPerWindow)
	check("access_token_window_seconds", l.AccessTokenWindowSeconds)
	check("active_access_tokens_per_refresh_token", l.ActiveAccessTokensPerRefr)
	check("refresh_tokens_per_user_client", l.RefreshTokensPerUserClient)
	check("new_refresh_tokens_per_minute", l.NewRefreshTokensPerMinute)
	check("grant_tokens_per_window", l.GrantTokensPerWindow)
	check("grant_token_window_seconds", l.GrantTokenWindowSeconds)
	check("people_inserts_per_minute", l.PeopleInsertsPerMinute)
	check("people_lockout_seconds", l.PeopleLockoutSeconds)
	return out
}

// SetLimits replaces the sandbox's limits, for Go tests and benchmarks that
// hold the Server; programs use PUT /_sandbox/limits.
func (s *Server) SetLimits(l Limits) error {
	if p := l.problems(); p != nil {
		return fmt.Errorf("sandbox limits: %s", strings.Join(p, "; "))
	}
	s.mu.Lock()
	s.limits = l
	s.mu.Unlock()
	return nil
}

// Limits returns the sandbox's current limits.
func (s *Server) Limits() Limits {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits
}
