package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"hrconnect"
)

// CachedToken returns k's cached token without locking; nil when none.
func (db *DB) CachedToken(ctx context.Context, k hrconnect.CredentialKey) (*hrconnect.Token, error) {
	return db.readToken(ctx, db.ro, k, selectToken)
}

const selectToken = `SELECT access_token, expiry, refreshes, generation, refused
	FROM tokens WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3`

// readToken runs query (selectToken, or a locking variant) for k and returns
// the token, nil when there is no row or the row holds no token.
func (db *DB) readToken(ctx context.Context, q querier, k hrconnect.CredentialKey, query string) (*hrconnect.Token, error) {
	var ct []byte
	t := &hrconnect.Token{}
	err := q.QueryRowContext(ctx, query, k.TenantID, k.ConnectionID, k.UserID).
		Scan(&ct, timeDest(&t.Expiry), jsonDest(&t.Refreshes), &t.Generation, &t.Refused)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	if ct == nil {
		return nil, nil
	}
	access, err := db.unseal(ct, tokenScope(k))
	if err != nil {
		return nil, err
	}
	t.AccessToken = string(access)
	return t, nil
}

// tokenArgs returns the values of t's columns as stored for k: its access
// token sealed, its times truncated. The sealed access token is never NULL,
// even when empty: a NULL one means "no token".
func (db *DB) tokenArgs(k hrconnect.CredentialKey, t *hrconnect.Token) (stored *hrconnect.Token, access []byte, refreshes string, err error) {
	stored = &hrconnect.Token{
		AccessToken: t.AccessToken,
		Expiry:      truncTime(t.Expiry),
		Generation:  t.Generation,
		Refused:     t.Refused,
	}
	for _, r := range t.Refreshes {
		stored.Refreshes = append(stored.Refreshes, truncTime(r))
	}
	if access, err = db.seal([]byte(t.AccessToken), tokenScope(k)); err != nil {
		return nil, nil, "", err
	}
	if refreshes, err = jsonArg(stored.Refreshes); err != nil {
		return nil, nil, "", fmt.Errorf("encode refreshes: %w", err)
	}
	return stored, access, refreshes, nil
}

// ensureTokenRow inserts k's token row, holding no token, unless it exists,
// so that there is a row to lock. Without credentials for k (the row's
// foreign key), it is ENOTFOUND.
func (db *DB) ensureTokenRow(ctx context.Context, tx *sql.Tx, k hrconnect.CredentialKey) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO tokens (tenant_id, connection_id, user_id, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant_id, connection_id, user_id) DO NOTHING`,
		k.TenantID, k.ConnectionID, k.UserID, timeArg(db.now()))
	if db.dialect.isForeignKeyViolation(err) {
		return credentialsNotFound(k)
	} else if err != nil {
		return fmt.Errorf("insert token row: %w", err)
	}
	return nil
}

// LockToken runs fn while holding k's token lock, across every process
// sharing the database, with the token as stored when the lock was taken
// (nil when none). A token fn returns is stored before the lock is released
// and returned; when fn returns nil, nothing changes and the current token is
// returned; when fn fails, nothing is stored and its error is returned.
//
// Goroutines of this process wait for each other in memory; the lock across
// processes is a row lock on PostgreSQL (SELECT … FOR UPDATE in a
// transaction left open while fn runs) and a lease on the token row on
// SQLite (see lockTokenLease). Either way only k is locked, so fn may take
// its time (a call to Zoho) without holding up anything else. fn must not
// call the DB's methods for k. k's credentials must exist (ENOTFOUND).
func (db *DB) LockToken(ctx context.Context, k hrconnect.CredentialKey, fn func(current *hrconnect.Token) (*hrconnect.Token, error)) (*hrconnect.Token, error) {
	if err := validKey(k); err != nil {
		return nil, err
	}
	unlock, err := db.tokenLocks.lock(ctx, k)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return db.dialect.lockToken(db, ctx, k, fn)
}

// lockTokenRow is LockToken's PostgreSQL part: the token row, locked FOR
// UPDATE by a transaction that stores fn's token and commits.
func (db *DB) lockTokenRow(ctx context.Context, k hrconnect.CredentialKey, fn func(*hrconnect.Token) (*hrconnect.Token, error)) (*hrconnect.Token, error) {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback()

	if err := db.ensureTokenRow(ctx, tx, k); err != nil {
		return nil, err
	}
	cur, err := db.readToken(ctx, tx, k, selectToken+` FOR UPDATE`)
	if err != nil {
		return nil, err
	}
	next, err := fn(cur)
	if err != nil {
		return nil, err
	}
	if next == nil {
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("commit: %w", err)
		}
		return cur, nil
	}
	stored, access, refreshes, err := db.tokenArgs(k, next)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE tokens SET access_token = $4, expiry = $5, refreshes = $6, generation = $7, refused = $8, updated_at = $9
		WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3`,
		k.TenantID, k.ConnectionID, k.UserID, access, timeArg(stored.Expiry), refreshes, stored.Generation, stored.Refused,
		timeArg(db.now())); err != nil {
		return nil, fmt.Errorf("store token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store token: %w", err)
	}
	return stored, nil
}

// The SQLite lease: how long it lasts without renewal (the time a crashed
// process keeps others waiting), and how often the holder renews it while
// fn runs. Tests shorten them through DB.leaseTTL and DB.leaseRenew.
const (
	defaultLeaseTTL   = 30 * time.Second
	defaultLeaseRenew = 10 * time.Second
)

// lockTokenLease is LockToken's SQLite part. SQLite's only lock is on the
// whole database: holding a write transaction while fn calls Zoho would
// stall every writer, River included. Instead a short transaction marks the
// token row as leased (lock_holder, lock_until), fn runs with no transaction
// open while the lease is renewed in the background, and a second short
// transaction stores fn's token and ends the lease, only if the lease is
// still ours. Other processes wait, polling, for the lease to be ended or to
// expire (a crashed holder).
func (db *DB) lockTokenLease(ctx context.Context, k hrconnect.CredentialKey, fn func(*hrconnect.Token) (*hrconnect.Token, error)) (*hrconnect.Token, error) {
	holder := newID("lease")
	if err := db.acquireLease(ctx, k, holder); err != nil {
		return nil, err
	}
	held := true
	defer func() {
		if held {
			db.endLease(context.WithoutCancel(ctx), k, holder)
		}
	}()

	stopRenewing := db.renewLease(k, holder)
	cur, err := db.readToken(ctx, db.ro, k, selectToken)
	if err != nil {
		stopRenewing()
		return nil, err
	}
	next, err := fn(cur)
	stopRenewing()
	if err != nil {
		return nil, err
	}
	if next == nil {
		return cur, nil // the deferred endLease releases it
	}

	stored, access, refreshes, err := db.tokenArgs(k, next)
	if err != nil {
		return nil, err
	}
	res, err := db.rw.ExecContext(ctx, `
		UPDATE tokens SET access_token = $4, expiry = $5, refreshes = $6, generation = $7, refused = $8, updated_at = $9,
			lock_holder = NULL, lock_until = NULL
		WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3 AND lock_holder = $10`,
		k.TenantID, k.ConnectionID, k.UserID, access, timeArg(stored.Expiry), refreshes, stored.Generation, stored.Refused,
		timeArg(db.now()), holder)
	if err != nil {
		return nil, fmt.Errorf("store token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The credentials were replaced or the connection deleted while fn
		// ran (dropping the row), or the lease expired: the token is not ours
		// to store.
		held = false
		return nil, hrconnect.Errorf(hrconnect.ECONFLICT,
			"the token of connection %q changed hands while it was being refreshed (new credentials, or a deleted connection); the new token was discarded", k.ConnectionID)
	}
	held = false
	return stored, nil
}

// acquireLease takes k's lease for holder, waiting while another process
// holds it.
func (db *DB) acquireLease(ctx context.Context, k hrconnect.CredentialKey, holder string) error {
	wait := 5 * time.Millisecond
	for {
		ok, err := db.tryLease(ctx, k, holder)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the token lock: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// tryLease takes k's lease for holder if it is free or expired.
func (db *DB) tryLease(ctx context.Context, k hrconnect.CredentialKey, holder string) (ok bool, err error) {
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if err := db.ensureTokenRow(ctx, tx, k); err != nil {
			return err
		}
		now := db.now()
		res, err := tx.ExecContext(ctx, `
			UPDATE tokens SET lock_holder = $4, lock_until = $5
			WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3
				AND (lock_holder IS NULL OR lock_until < $6)`,
			k.TenantID, k.ConnectionID, k.UserID, holder, timeArg(now.Add(db.leaseTTL)), timeArg(now))
		if err != nil {
			return fmt.Errorf("take the token lock: %w", err)
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// renewLease extends holder's lease on k every leaseRenew until the returned
// function is called.
func (db *DB) renewLease(k hrconnect.CredentialKey, holder string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(db.leaseRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), db.leaseRenew)
				_, _ = db.rw.ExecContext(ctx, `
					UPDATE tokens SET lock_until = $5
					WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3 AND lock_holder = $4`,
					k.TenantID, k.ConnectionID, k.UserID, holder, timeArg(db.now().Add(db.leaseTTL)))
				cancel()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// endLease ends holder's lease on k, storing nothing.
func (db *DB) endLease(ctx context.Context, k hrconnect.CredentialKey, holder string) {
	_, _ = db.rw.ExecContext(ctx, `
		UPDATE tokens SET lock_holder = NULL, lock_until = NULL
		WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3 AND lock_holder = $4`,
		k.TenantID, k.ConnectionID, k.UserID, holder)
}

// keyLocks is a set of mutexes, one per credential key, created on demand
// and dropped when unused. Waiting for one respects the context.
type keyLocks struct {
	mu sync.Mutex
	m  map[hrconnect.CredentialKey]*keyLock
}

type keyLock struct {
	held chan struct{} // holds a value while locked
	refs int           // holders and waiters
}

// lock locks k, returning the function that unlocks it.
func (l *keyLocks) lock(ctx context.Context, k hrconnect.CredentialKey) (unlock func(), err error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[hrconnect.CredentialKey]*keyLock)
	}
	e := l.m[k]
	if e == nil {
		e = &keyLock{held: make(chan struct{}, 1)}
		l.m[k] = e
	}
	e.refs++
	l.mu.Unlock()

	select {
	case e.held <- struct{}{}:
		return func() {
			<-e.held
			l.release(k, e)
		}, nil
	case <-ctx.Done():
		l.release(k, e)
		return nil, fmt.Errorf("wait for the token lock: %w", ctx.Err())
	}
}

func (l *keyLocks) release(k hrconnect.CredentialKey, e *keyLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.refs--; e.refs == 0 {
		delete(l.m, k)
	}
}
