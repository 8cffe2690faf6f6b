package connect_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/testenv"
	"hrconnect/sqlstore"
	"hrconnect/zoho"
)

func TestTokenIsCachedThenRefreshedOncePerHour(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t)
		in := e.instance(open(t))
		tn, u := tenant(t, in.db)
		c, issued := e.connectPeople(t, in, tn, u, "eu", "Zoho People EU")
		ctx := context.Background()

		got, err := in.svc.Tokens().AccessToken(ctx, key(c))
		if err != nil {
			t.Fatal(err)
		}
		if got != issued.AccessToken {
			t.Fatalf("first AccessToken did not return the exchange's cached token")
		}
		before := e.tokenCalls()
		for range 20 {
			if _, err := in.svc.Tokens().AccessToken(ctx, key(c)); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.tokenCalls() - before; n != 0 {
			t.Fatalf("a valid cached token cost %d token calls, want 0", n)
		}

		e.sb.Advance(hour)
		fresh, err := in.svc.Tokens().AccessToken(ctx, key(c))
		if err != nil {
			t.Fatal(err)
		}
		e.secrets = append(e.secrets, fresh)
		if fresh == issued.AccessToken {
			t.Fatal("expired token was handed out again")
		}
		if n := e.tokenCalls() - before; n != 1 {
			t.Fatalf("refresh after expiry cost %d token calls, want 1", n)
		}
		if !e.peopleWorks(t, "eu", fresh) {
			t.Fatal("refreshed token refused by People")
		}
		c2, _ := in.db.Connection(ctx, tn.ID, c.ID)
		if c2.LastRefreshAt.IsZero() || c2.Status != hrconnect.StatusConnected {
			t.Fatalf("connection after refresh: status %s, last refresh %v", c2.Status, c2.LastRefreshAt)
		}
	})
}

// Three instances sharing one PostgreSQL, 50 goroutines each, all asking for
// the token of one expired connection at once: exactly one refresh reaches
// Zoho and everyone gets the same valid token.
func TestOneRefreshAcrossInstances(t *testing.T) {
	url := testenv.Postgres(t)
	dir := t.TempDir()
	e := newEnv(t)
	instances := make([]*instance, 3)
	for i := range instances {
		instances[i] = e.instance(openDB(t, dir, url))
	}
	tn, u := tenant(t, instances[0].db)
	c, issued := e.connectPeople(t, instances[0], tn, u, "us", "People")
	e.sb.Advance(hour + 1)
	before := e.refreshes()

	var wg sync.WaitGroup
	tokens := make(chan string, 150)
	errs := make(chan error, 150)
	start := make(chan struct{})
	for _, in := range instances {
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tok, err := in.svc.Tokens().AccessToken(context.Background(), key(c))
				if err != nil {
					errs <- err
					return
				}
				tokens <- tok
			}()
		}
	}
	close(start)
	wg.Wait()
	close(tokens)
	close(errs)
	for err := range errs {
		t.Errorf("AccessToken: %v", err)
	}
	seen := map[string]int{}
	for tok := range tokens {
		seen[tok]++
	}
	if len(seen) != 1 {
		t.Fatalf("callers got %d different tokens, want 1", len(seen))
	}
	for tok, n := range seen {
		e.secrets = append(e.secrets, tok)
		if n != 150 || tok == issued.AccessToken {
			t.Fatalf("got %d copies of one token (want 150), old token reused: %v", n, tok == issued.AccessToken)
		}
		if !e.peopleWorks(t, "us", tok) {
			t.Fatal("the shared token is refused by People")
		}
	}
	if n := e.refreshes() - before; n != 1 {
		t.Fatalf("%d refreshes reached the sandbox, want exactly 1", n)
	}
}

// A refresh token revoked at Zoho: the connection needs reconnecting, says
// how, stops asking Zoho, and recovers when new credentials are saved.
func TestRevokedRefreshTokenNeedsReconnect(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t)
		in := e.instance(open(t))
		tn, u := tenant(t, in.db)
		c, issued := e.connectPeople(t, in, tn, u, "in", "People India")
		ctx := context.Background()

		e.control("POST", "/_sandbox/faults", map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": issued.RefreshToken, "count": 1}, nil)
		e.sb.Advance(hour)
		before := e.tokenCalls()

		_, err := in.svc.Tokens().AccessToken(ctx, key(c))
		if hrconnect.ErrorCode(err) != hrconnect.ECONFLICT || !errors.Is(err, connect.ErrNeedsReconnect) {
			t.Fatalf("AccessToken with a revoked refresh token: %v (code %s), want needs-reconnect", err, hrconnect.ErrorCode(err))
		}
		if !strings.Contains(hrconnect.ErrorMessage(err), "reconnect") {
			t.Fatalf("error gives no resolution: %q", hrconnect.ErrorMessage(err))
		}
		got, _ := in.db.Connection(ctx, tn.ID, c.ID)
		if got.Status != hrconnect.StatusNeedsReconnect || got.LastError == "" || got.LastResolution == "" || got.LastErrorAt.IsZero() {
			t.Fatalf("connection: status %q, error %q, resolution %q", got.Status, got.LastError, got.LastResolution)
		}
		// No refresh storm: a hundred more asks cost nothing at Zoho.
		for range 100 {
			if _, err := in.svc.Tokens().AccessToken(ctx, key(c)); !errors.Is(err, connect.ErrNeedsReconnect) {
				t.Fatalf("AccessToken: %v", err)
			}
		}
		if n := e.tokenCalls() - before; n != 1 {
			t.Fatalf("%d token calls for a revoked connection, want 1", n)
		}
		events, _ := in.db.Events(ctx, tn.ID, c.ID, 10)
		if !hasEvent(events, hrconnect.EventNeedsReconnect) {
			t.Fatalf("no needs_reconnect event in %v", events)
		}

		// Recovery: a new code from the same Self Client.
		code := e.newCode(c.ClientID, zoho.ScopePeopleForms)
		c3, newTokens, err := in.svc.Reauthorize(ctx, tn.ID, c.ID, u.ID, "", code, "", "", "")
		if err != nil {
			t.Fatalf("Reauthorize: %v", err)
		}
		e.secrets = append(e.secrets, newTokens.AccessToken, newTokens.RefreshToken)
		if c3.Status != hrconnect.StatusConnected || c3.LastError != "" {
			t.Fatalf("after reconnect: status %q, error %q", c3.Status, c3.LastError)
		}
		tok, err := in.svc.Tokens().AccessToken(ctx, key(c))
		if err != nil || !e.peopleWorks(t, "in", tok) {
			t.Fatalf("after reconnect: token %v, works %v", err, err == nil)
		}
		e.sb.Advance(hour)
		if tok, err = in.svc.Tokens().AccessToken(ctx, key(c)); err != nil || !e.peopleWorks(t, "in", tok) {
			t.Fatalf("refresh after reconnect: %v", err)
		}
		events, _ = in.db.Events(ctx, tn.ID, c.ID, 20)
		if !hasEvent(events, hrconnect.EventRecovered) {
			t.Fatal("no recovered event")
		}
	})
}

// A token People refused (HTTP 401) is refreshed once, however many callers
// report it, and a caller reporting an old token gets the new one for free.
func TestRejectedTokenRefreshesOnce(t *testing.T) {
	e := newEnv(t)
	in := e.instance(openDB(t, t.TempDir(), ""))
	tn, u := tenant(t, in.db)
	c, issued := e.connectPeople(t, in, tn, u, "au", "People AU")
	ctx := context.Background()
	before := e.refreshes()

	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := in.svc.Tokens().Rejected(ctx, key(c), issued.AccessToken)
			if err != nil {
				t.Error(err)
			}
			got[i] = tok
		}()
	}
	wg.Wait()
	for _, tok := range got {
		if tok != got[0] || tok == issued.AccessToken {
			t.Fatal("callers reporting the same rejected token got different or old tokens")
		}
	}
	e.secrets = append(e.secrets, got[0])
	if n := e.refreshes() - before; n != 1 {
		t.Fatalf("%d refreshes for one rejected token, want 1", n)
	}
	// Reporting the already-replaced token again costs nothing.
	tok, err := in.svc.Tokens().Rejected(ctx, key(c), issued.AccessToken)
	if err != nil || tok != got[0] {
		t.Fatalf("second report of an old token: %v", err)
	}
	if n := e.refreshes() - before; n != 1 {
		t.Fatalf("%d refreshes, want still 1", n)
	}
}

// The budget keeps a connection under Zoho's 10 tokens in 10 minutes even when
// something keeps rejecting its tokens: hrconnect waits instead of being denied.
func TestBudgetNeverHitsAccessDenied(t *testing.T) {
	e := newEnv(t)
	in := e.instance(openDB(t, t.TempDir(), ""))
	tn, u := tenant(t, in.db)
	c, issued := e.connectPeople(t, in, tn, u, "jp", "People JP")
	ctx := context.Background()
	m := in.svc.Tokens()

	tok := issued.AccessToken
	var refused error
	for i := range 15 {
		next, err := m.Rejected(ctx, key(c), tok)
		if err != nil {
			refused = err
			if i != connect.DefaultBudget.Max {
				t.Fatalf("budget stopped refreshes after %d, want %d", i, connect.DefaultBudget.Max)
			}
			break
		}
		e.secrets = append(e.secrets, next)
		tok = next
	}
	if refused == nil || hrconnect.ErrorCode(refused) != hrconnect.EUNAVAILABLE || connect.RetryAfter(refused) <= 0 {
		t.Fatalf("over budget: %v (retry after %v), want EUNAVAILABLE with a wait", refused, connect.RetryAfter(refused))
	}
	if calls := e.state().Calls["accounts.token.access_denied"]; calls != 0 {
		t.Fatalf("%d Access Denied replies", calls)
	}
	// After the window, refreshing works again.
	e.sb.Advance(connect.DefaultBudget.Window)
	if _, err := m.Rejected(ctx, key(c), tok); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// Deleting a connection revokes its refresh token at Zoho first, then erases
// its secrets.
func TestDeleteRevokesThenErases(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t)
		in := e.instance(open(t))
		tn, u := tenant(t, in.db)
		c, issued := e.connectPeople(t, in, tn, u, "eu", "People")
		ctx := context.Background()

		if err := in.svc.Delete(ctx, tn.ID, c.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		revoked := false
		for _, r := range e.state().Tokens.Refresh {
			if r.Token == issued.RefreshToken {
				revoked = r.Revoked
			}
		}
		if !revoked {
			t.Fatal("the refresh token is still live at Zoho after Delete")
		}
		if e.peopleWorks(t, "eu", issued.AccessToken) {
			t.Fatal("the access token still works after Delete")
		}
		if _, err := in.db.Credentials(ctx, key(c)); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			t.Fatalf("credentials after Delete: %v", err)
		}
		if _, err := in.db.Connection(ctx, tn.ID, c.ID); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			t.Fatalf("connection after Delete: %v", err)
		}
	})
}

// "Enable this Integration" checks the refresh token before saving anything,
// and says what Zoho refused.
func TestConnectWithRefreshTokenChecksFirst(t *testing.T) {
	e := newEnv(t)
	in := e.instance(openDB(t, t.TempDir(), ""))
	tn, u := tenant(t, in.db)
	ctx := context.Background()
	_, issued := e.connectPeople(t, in, tn, u, "uk", "First")
	id, secret, _ := e.selfClient("uk", zoho.ScopePeopleForms)

	cases := []struct {
		name, dc, secret, refresh, want string
	}{
		{"wrong refresh token", "uk", secret, "1000.nope.nope", "refresh"},
		{"wrong data centre", "eu", secret, issued.RefreshToken, "data centre"},
		{"wrong secret", "uk", "0000000000", issued.RefreshToken, "secret"},
	}
	for _, tc := range cases {
		_, err := in.svc.ConnectWithRefreshToken(ctx, connect.ZohoConnection{TenantID: tn.ID, ActorID: u.ID, Name: tc.name, DC: tc.dc, ClientID: id, Secret: tc.secret}, tc.refresh)
		if hrconnect.ErrorCode(err) != hrconnect.EINVALID || !strings.Contains(strings.ToLower(hrconnect.ErrorMessage(err)), tc.want) {
			t.Errorf("%s: %v, want EINVALID mentioning %q", tc.name, err, tc.want)
		}
	}
	conns, _ := in.db.Connections(ctx, hrconnect.ConnectionFilter{TenantID: tn.ID})
	if len(conns) != 1 {
		t.Fatalf("%d connections saved, want only the first", len(conns))
	}
}

func hasEvent(events []*hrconnect.ConnectionEvent, kind hrconnect.EventKind) bool {
	for _, ev := range events {
		if ev.Kind == kind {
			return true
		}
	}
	return false
}
