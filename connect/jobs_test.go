package connect_test

import (
	"context"
	"testing"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/connect"
)

// The daily check finds a refresh token revoked at Zoho before a hire needs
// the connection, and leaves connections used within the day alone.
func TestCheckIdleFindsRevokedConnections(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	in := e.instance(openDB(t, t.TempDir(), ""))
	tn, u := tenant(t, in.db)
	idle, idleTokens := e.connectPeople(t, in, tn, u, "eu", "Idle")
	busy, _ := e.connectPeople(t, in, tn, u, "eu", "Busy")
	e.control("POST", "/_sandbox/faults", map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": idleTokens.RefreshToken, "count": 1}, nil)

	e.sb.Advance(connect.IdleAfter + hour)
	if _, err := in.svc.Tokens().AccessToken(ctx, key(busy)); err != nil { // used today
		t.Fatal(err)
	}
	before := e.tokenCalls()
	w := &connect.CheckIdleWorker{Service: in.svc, Tenants: in.db}
	if err := w.Work(ctx, &river.Job[connect.CheckIdleArgs]{}); err != nil {
		t.Fatal(err)
	}
	if n := e.tokenCalls() - before; n != 1 {
		t.Fatalf("the check made %d token calls, want 1 (only the idle connection)", n)
	}
	got, _ := in.db.Connection(ctx, tn.ID, idle.ID)
	if got.Status != hrconnect.StatusNeedsReconnect {
		t.Fatalf("idle connection with a revoked token: status %q, want needs_reconnect", got.Status)
	}
	if got, _ := in.db.Connection(ctx, tn.ID, busy.ID); got.Status != hrconnect.StatusConnected {
		t.Fatalf("busy connection: status %q", got.Status)
	}
}
