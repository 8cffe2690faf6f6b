package sqlstore

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/vault"
)

// leaseFixture opens two *DB on one SQLite file (two processes, in effect)
// with short leases, and a connection with credentials.
func leaseFixture(t *testing.T, ttl, renew time.Duration) (a, b *DB, k hrconnect.CredentialKey) {
	t.Helper()
	dir := t.TempDir()
	v, err := vault.Open(vault.Options{Dir: filepath.Join(dir, "keys"), ReloadInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	open := func() *DB {
		db, err := Open(context.Background(), Config{DataDir: dir, Vault: v})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		db.leaseTTL, db.leaseRenew = ttl, renew
		return db
	}
	a, b = open(), open()
	ctx := context.Background()
	ten := &hrconnect.Tenant{Name: "T"}
	if err := a.CreateTenant(ctx, ten); err != nil {
		t.Fatal(err)
	}
	c := &hrconnect.Connection{TenantID: ten.ID, Name: "C", LinkName: "c", Service: hrconnect.ServiceZohoPeople}
	if err := a.CreateConnection(ctx, c, &hrconnect.Credentials{RefreshToken: "rt"}); err != nil {
		t.Fatal(err)
	}
	return a, b, hrconnect.CredentialKey{TenantID: ten.ID, ConnectionID: c.ID}
}

// TestLeaseOfCrashedHolder: a lease whose holder died (never ended nor
// renewed) stops excluding others once it expires.
func TestLeaseOfCrashedHolder(t *testing.T) {
	t.Parallel()
	a, b, k := leaseFixture(t, 300*time.Millisecond, 100*time.Millisecond)
	ctx := context.Background()
	if ok, err := a.tryLease(ctx, k, "lease_crashed"); err != nil || !ok {
		t.Fatalf("tryLease = %v, %v", ok, err)
	}
	start := time.Now()
	_, err := b.LockToken(ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		return &hrconnect.Token{AccessToken: "after the crash", Generation: 1}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("LockToken took the lease of a live holder after %v", waited)
	}
	tok, err := a.CachedToken(ctx, k)
	if err != nil || tok == nil || tok.AccessToken != "after the crash" {
		t.Fatalf("token = %+v, %v", tok, err)
	}
}

// TestLeaseRenewed: an fn that runs several lease lifetimes keeps its lease,
// so another process's fn does not start until it ends, and its token is
// stored.
func TestLeaseRenewed(t *testing.T) {
	t.Parallel()
	a, b, k := leaseFixture(t, 200*time.Millisecond, 50*time.Millisecond)
	ctx := context.Background()
	var inFlight, overlaps atomic.Int32
	inside := make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := a.LockToken(ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
			inFlight.Add(1)
			defer inFlight.Add(-1)
			close(inside)
			time.Sleep(800 * time.Millisecond) // four lifetimes
			return &hrconnect.Token{AccessToken: "slow", Generation: 1}, nil
		})
		done <- err
	}()
	<-inside
	tok, err := b.LockToken(ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
		if inFlight.Load() != 0 {
			overlaps.Add(1)
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the slow holder lost its lease: %v", err)
	}
	if overlaps.Load() != 0 {
		t.Error("another process's fn ran while the lease was held")
	}
	if tok == nil || tok.AccessToken != "slow" {
		t.Errorf("the waiter saw %+v, want the slow holder's token", tok)
	}
}

// TestLeaseLostToNewCredentials: credentials replaced by another process
// while fn runs discard fn's token, which belonged to the old ones.
func TestLeaseLostToNewCredentials(t *testing.T) {
	t.Parallel()
	a, b, k := leaseFixture(t, time.Second, 300*time.Millisecond)
	ctx := context.Background()
	_, err := a.LockToken(ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		if err := b.SetCredentials(ctx, k, &hrconnect.Credentials{RefreshToken: "new"}); err != nil {
			t.Error(err)
		}
		return &hrconnect.Token{AccessToken: "from the old credentials", Generation: 1}, nil
	})
	if hrconnect.ErrorCode(err) != hrconnect.ECONFLICT {
		t.Fatalf("LockToken = %v, want ECONFLICT", err)
	}
	if tok, err := a.CachedToken(ctx, k); err != nil || tok != nil {
		t.Errorf("token = %+v, %v; want none", tok, err)
	}
}
