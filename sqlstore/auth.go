package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"hrconnect"
	"hrconnect/vault"
)

// This file holds the signing-in half of hrconnect.AuthStore: passwords,
// users, sessions and pending "Connect with Zoho" authorisations. The API
// keys and the audit log are in apikeys.go and audit.go.

var _ hrconnect.AuthStore = (*DB)(nil)

// TenantCount returns how many tenants exist; zero means the first-run setup
// has not been done.
func (db *DB) TenantCount(ctx context.Context) (int, error) {
	var n int
	if err := db.ro.QueryRowContext(ctx, `SELECT count(*) FROM tenants`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tenants: %w", err)
	}
	return n, nil
}

// UserByEmail returns the user with this email, compared without case across
// every tenant (emails are unique across tenants, so signing in needs no
// tenant), and their password hash ("" when none is set); ENOTFOUND when none.
func (db *DB) UserByEmail(ctx context.Context, email string) (*hrconnect.User, string, error) {
	u := &hrconnect.User{}
	var hash string
	err := db.ro.QueryRowContext(ctx, `
		SELECT tenant_id, id, email, name, permissions, created_at, password_hash
		FROM users WHERE lower(email) = lower($1)`, strings.TrimSpace(email)).
		Scan(&u.TenantID, &u.ID, &u.Email, &u.Name, jsonDest(&u.Permissions), timeDest(&u.CreatedAt), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		// The message names no email: it may reach a sign-in page.
		return nil, "", hrconnect.Errorf(hrconnect.ENOTFOUND, "no user with this email")
	} else if err != nil {
		return nil, "", fmt.Errorf("read user by email: %w", err)
	}
	return u, hash, nil
}

// SetPassword stores the password hash of a user of the tenant; ENOTFOUND
// when there is no such user.
func (db *DB) SetPassword(ctx context.Context, tenantID, userID, hash string) error {
	res, err := db.rw.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE tenant_id = $2 AND id = $3`,
		hash, tenantID, userID)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return userNotFound(userID)
	}
	return nil
}

// Users lists the tenant's users by email (without case, then ID, so both
// dialects order them alike).
func (db *DB) Users(ctx context.Context, tenantID string) ([]*hrconnect.User, error) {
	rows, err := db.ro.QueryContext(ctx, `
		SELECT tenant_id, id, email, name, permissions, created_at
		FROM users WHERE tenant_id = $1 ORDER BY lower(email), id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.User
	for rows.Next() {
		u := &hrconnect.User{}
		if err := rows.Scan(&u.TenantID, &u.ID, &u.Email, &u.Name, jsonDest(&u.Permissions), timeDest(&u.CreatedAt)); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// UpdateUser saves a user's name and permissions; the email, tenant and
// password are not changed. ENOTFOUND when the user is not in the tenant.
func (db *DB) UpdateUser(ctx context.Context, u *hrconnect.User) error {
	perms, err := jsonArg(u.Permissions)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	res, err := db.rw.ExecContext(ctx, `UPDATE users SET name = $1, permissions = $2 WHERE tenant_id = $3 AND id = $4`,
		u.Name, perms, u.TenantID, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return userNotFound(u.ID)
	}
	return nil
}

// CreateSession stores a session. s.ID must be the hash of the cookie's token
// (the token itself is never stored); CreatedAt defaults to now.
func (db *DB) CreateSession(ctx context.Context, s *hrconnect.Session) error {
	if s.ID == "" || s.TenantID == "" || s.UserID == "" || s.ExpiresAt.IsZero() {
		return hrconnect.Errorf(hrconnect.EINVALID, "a session needs an ID, a tenant, a user and an expiry")
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	s.CreatedAt, s.ExpiresAt = truncTime(s.CreatedAt), truncTime(s.ExpiresAt)
	// Expired sessions are swept here, where a write happens anyway, rather
	// than by a job of their own.
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, timeArg(db.now())); err != nil {
		return fmt.Errorf("sweep sessions: %w", err)
	}
	_, err := db.rw.ExecContext(ctx, `
		INSERT INTO sessions (id, tenant_id, user_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`,
		s.ID, s.TenantID, s.UserID, timeArg(s.CreatedAt), timeArg(s.ExpiresAt))
	switch {
	case db.dialect.isForeignKeyViolation(err):
		return userNotFound(s.UserID)
	case db.dialect.isUniqueViolation(err):
		return hrconnect.Errorf(hrconnect.ECONFLICT, "session already exists")
	case err != nil:
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// Session returns the live session with this ID; ENOTFOUND when it is
// unknown or has expired.
func (db *DB) Session(ctx context.Context, id string) (*hrconnect.Session, error) {
	s := &hrconnect.Session{}
	err := db.ro.QueryRowContext(ctx, `
		SELECT id, tenant_id, user_id, created_at, expires_at FROM sessions WHERE id = $1`, id).
		Scan(&s.ID, &s.TenantID, &s.UserID, timeDest(&s.CreatedAt), timeDest(&s.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoSession
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if !db.now().Before(s.ExpiresAt) {
		return nil, errNoSession
	}
	return s, nil
}

var errNoSession = hrconnect.Errorf(hrconnect.ENOTFOUND, "no such session, or it has expired")

// DeleteSession removes a session (signing out). Removing one that does not
// exist is not an error: the outcome is the same.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.rw.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// pendingSecrets is what a pending authorisation keeps sealed, as one JSON
// value in its secret column.
type pendingSecrets struct {
	ClientSecret string `json:"client_secret"`
	CodeVerifier string `json:"code_verifier"`
}

// pendingScope binds a pending authorisation's sealed secrets to its tenant
// and state hash ("pending:" cannot meet a connection ID, which starts "con_",
// nor a service's "service:").
func pendingScope(tenantID, state string) vault.Scope {
	return vault.Scope{Tenant: tenantID, Connection: "pending:" + state, Field: "secret"}
}

// Pending authorisations' secrets are re-sealed by ReencryptAll like every
// other column of ciphertexts. An init function adds them because
// sealedColumns is built in secrets.go.
func init() {
	sealedColumns = append(sealedColumns, sealedColumn{"pending_authorizations", "secret", []string{"tenant_id", "state"},
		func(k []string) vault.Scope { return pendingScope(k[0], k[1]) }})
}

// CreatePendingAuthorization stores p, sealing its client secret and PKCE
// verifier. p.State must be the hash of the state parameter, never the
// parameter itself. Expired pending authorisations are swept on the way.
func (db *DB) CreatePendingAuthorization(ctx context.Context, p *hrconnect.PendingAuthorization) error {
	if p.State == "" || p.TenantID == "" || p.SessionID == "" || p.ExpiresAt.IsZero() {
		return hrconnect.Errorf(hrconnect.EINVALID, "a pending authorisation needs a state, a tenant, a session and an expiry")
	}
	plain, err := json.Marshal(pendingSecrets{ClientSecret: p.ClientSecret, CodeVerifier: p.CodeVerifier})
	if err != nil {
		return fmt.Errorf("create pending authorisation: %w", err)
	}
	sealed, err := db.seal(plain, pendingScope(p.TenantID, p.State))
	clear(plain)
	if err != nil {
		return err
	}
	scopes, err := jsonArg(p.Scopes)
	if err != nil {
		return fmt.Errorf("create pending authorisation: %w", err)
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = db.now()
	}
	p.CreatedAt, p.ExpiresAt = truncTime(p.CreatedAt), truncTime(p.ExpiresAt)
	return db.InTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_authorizations WHERE expires_at < $1`, timeArg(db.now())); err != nil {
			return fmt.Errorf("sweep pending authorisations: %w", err)
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO pending_authorizations (state, session_id, tenant_id, user_id, service, name,
				data_centre, client_id, secret, scopes, connection_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			p.State, p.SessionID, p.TenantID, p.UserID, p.Service, p.Name, p.DataCentre, p.ClientID,
			sealed, scopes, p.ConnectionID, timeArg(p.CreatedAt), timeArg(p.ExpiresAt))
		switch {
		case db.dialect.isForeignKeyViolation(err):
			return tenantNotFound(p.TenantID)
		case db.dialect.isUniqueViolation(err):
			return hrconnect.Errorf(hrconnect.ECONFLICT, "a pending authorisation with this state already exists")
		case err != nil:
			return fmt.Errorf("create pending authorisation: %w", err)
		}
		return nil
	})
}

// TakePendingAuthorization returns and deletes, in one statement, the pending
// authorisation with this state hash, so that two callbacks racing with the
// same state cannot both get it. ENOTFOUND when it is unknown, already taken
// or expired (an expired one is deleted all the same).
func (db *DB) TakePendingAuthorization(ctx context.Context, state string) (*hrconnect.PendingAuthorization, error) {
	p := &hrconnect.PendingAuthorization{}
	var sealed []byte
	err := db.rw.QueryRowContext(ctx, `
		DELETE FROM pending_authorizations WHERE state = $1
		RETURNING state, session_id, tenant_id, user_id, service, name, data_centre, client_id,
			secret, scopes, connection_id, created_at, expires_at`, state).
		Scan(&p.State, &p.SessionID, &p.TenantID, &p.UserID, &p.Service, &p.Name, &p.DataCentre, &p.ClientID,
			&sealed, jsonDest(&p.Scopes), &p.ConnectionID, timeDest(&p.CreatedAt), timeDest(&p.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoPending
	} else if err != nil {
		return nil, fmt.Errorf("take pending authorisation: %w", err)
	}
	if !db.now().Before(p.ExpiresAt) {
		return nil, errNoPending
	}
	plain, err := db.unseal(sealed, pendingScope(p.TenantID, p.State))
	if err != nil {
		return nil, err
	}
	var secrets pendingSecrets
	err = json.Unmarshal(plain, &secrets)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("take pending authorisation: %w", err)
	}
	p.ClientSecret, p.CodeVerifier = secrets.ClientSecret, secrets.CodeVerifier
	return p, nil
}

var errNoPending = hrconnect.Errorf(hrconnect.ENOTFOUND, "no such authorisation in progress: it was already used, has expired, or was never started here")
