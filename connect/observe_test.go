package connect_test

import (
	"context"
	"sync"
	"testing"

	"hrconnect/connect"
)

// The refresh observer hears of each refresh asked of Zoho with its
// outcome: ok, then refused once the refresh token is revoked, and nothing
// for the calls that need no refresh or that the refusal already answers.
func TestRefreshObserver(t *testing.T) {
	e := newEnv(t)
	db := openDB(t, t.TempDir(), "")
	var mu sync.Mutex
	got := map[string]int{}
	z := &connect.Zoho{Client: e.zc}
	m := connect.NewManager(db, z, connect.WithClock(e.sb.Now), connect.WithRefreshObserver(func(outcome string) {
		mu.Lock()
		got[outcome]++
		mu.Unlock()
	}))
	in := &instance{db: db, svc: connect.NewService(db, m, z)}
	tn, u := tenant(t, db)
	c, issued := e.connectPeople(t, in, tn, u, "eu", "People EU")
	ctx := context.Background()
	count := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range got {
			out[k] = v
		}
		return out
	}

	if _, err := m.AccessToken(ctx, key(c)); err != nil { // the exchange's token is cached
		t.Fatal(err)
	}
	if n := count(); len(n) != 0 {
		t.Errorf("a cached token was counted as a refresh: %v", n)
	}
	e.sb.Advance(hour)
	if _, err := m.AccessToken(ctx, key(c)); err != nil {
		t.Fatal(err)
	}
	e.control("POST", "/_sandbox/faults", map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": issued.RefreshToken, "count": 1}, nil)
	e.sb.Advance(hour)
	for range 2 {
		if _, err := m.AccessToken(ctx, key(c)); err == nil {
			t.Fatal("a revoked refresh token still works")
		}
	}
	if n := count(); n[connect.RefreshOK] != 1 || n[connect.RefreshRefused] != 1 || len(n) != 2 {
		t.Errorf("observed %v, want one ok and one refused", n)
	}
}
