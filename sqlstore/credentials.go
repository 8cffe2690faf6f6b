package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"hrconnect"
)

// credentialFields are the fields of hrconnect.Credentials, each stored
// sealed in the credentials column of its name, bound to that name (the
// vault scope's field), or NULL when empty.
var credentialFields = []struct {
	column string
	field  func(*hrconnect.Credentials) *string
}{
	{"client_secret", func(c *hrconnect.Credentials) *string { return &c.ClientSecret }},
	{"refresh_token", func(c *hrconnect.Credentials) *string { return &c.RefreshToken }},
	{"api_key", func(c *hrconnect.Credentials) *string { return &c.APIKey }},
	{"username", func(c *hrconnect.Credentials) *string { return &c.Username }},
	{"password", func(c *hrconnect.Credentials) *string { return &c.Password }},
	{"oauth1_token", func(c *hrconnect.Credentials) *string { return &c.OAuth1Token }},
	{"oauth1_token_secret", func(c *hrconnect.Credentials) *string { return &c.OAuth1TokenSecret }},
}

// credentialColumns lists credentialFields' columns, in order.
var credentialColumns = func() string {
	cols := make([]string, len(credentialFields))
	for i, f := range credentialFields {
		cols[i] = f.column
	}
	return strings.Join(cols, ", ")
}()

// sealCredentials returns the column values of creds for k, in the order of
// credentialFields: each field sealed, or nil when empty.
func (db *DB) sealCredentials(k hrconnect.CredentialKey, creds *hrconnect.Credentials) ([]any, error) {
	vals := make([]any, len(credentialFields))
	for i, f := range credentialFields {
		pt := *f.field(creds)
		if pt == "" {
			continue
		}
		ct, err := db.seal([]byte(pt), credentialScope(k, f.column))
		if err != nil {
			return nil, err
		}
		vals[i] = ct
	}
	return vals, nil
}

// unsealCredentials returns the credentials of k from their sealed columns.
func (db *DB) unsealCredentials(k hrconnect.CredentialKey, sealed [][]byte) (*hrconnect.Credentials, error) {
	creds := &hrconnect.Credentials{}
	for i, f := range credentialFields {
		if sealed[i] == nil {
			continue
		}
		pt, err := db.unseal(sealed[i], credentialScope(k, f.column))
		if err != nil {
			return nil, err
		}
		*f.field(creds) = string(pt)
	}
	return creds, nil
}

func credentialsNotFound(k hrconnect.CredentialKey) error {
	if k.UserID != "" {
		return hrconnect.Errorf(hrconnect.ENOTFOUND, "user %q has not authorised connection %q", k.UserID, k.ConnectionID)
	}
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "connection %q has no credentials in this tenant", k.ConnectionID)
}

func validKey(k hrconnect.CredentialKey) error {
	if k.TenantID == "" || k.ConnectionID == "" {
		return hrconnect.Invalid("connection_id", "Credentials are named by a tenant and a connection; one of them is missing.")
	}
	return nil
}

// Credentials returns the decrypted credentials of k, or ENOTFOUND.
func (db *DB) Credentials(ctx context.Context, k hrconnect.CredentialKey) (*hrconnect.Credentials, error) {
	sealed := make([][]byte, len(credentialFields))
	dest := make([]any, len(sealed))
	for i := range sealed {
		dest[i] = &sealed[i]
	}
	err := db.ro.QueryRowContext(ctx, `SELECT `+credentialColumns+`
		FROM credentials WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3`,
		k.TenantID, k.ConnectionID, k.UserID).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credentialsNotFound(k)
	} else if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	return db.unsealCredentials(k, sealed)
}

// SetCredentials stores the credentials of k, encrypted, replacing any, and
// drops k's cached token, which belonged to the old credentials. It waits for
// a LockToken in progress on k. The connection must exist in the tenant; a
// per-user key (UserID set) needs a per-user connection and a user of the
// tenant.
func (db *DB) SetCredentials(ctx context.Context, k hrconnect.CredentialKey, creds *hrconnect.Credentials) error {
	if err := validKey(k); err != nil {
		return err
	}
	if creds == nil {
		return hrconnect.Invalid("credentials", "No credentials to store.")
	}
	sealed, err := db.sealCredentials(k, creds)
	if err != nil {
		return err
	}
	unlock, err := db.tokenLocks.lock(ctx, k)
	if err != nil {
		return err
	}
	defer unlock()

	now := truncTime(db.now())
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var perUser bool
		err := tx.QueryRowContext(ctx, `SELECT per_user FROM connections WHERE tenant_id = $1 AND id = $2`,
			k.TenantID, k.ConnectionID).Scan(&perUser)
		if errors.Is(err, sql.ErrNoRows) {
			return connectionNotFound(k.ConnectionID)
		} else if err != nil {
			return fmt.Errorf("read connection: %w", err)
		}
		if k.UserID != "" {
			if !perUser {
				return hrconnect.Invalid("user_id", "Connection %q uses its owner's credentials for everyone; only a connection set to use each user's own credentials holds per-user credentials.", k.ConnectionID)
			}
			if err := requireUser(ctx, tx, k.TenantID, k.UserID); err != nil {
				return err
			}
		}
		// On PostgreSQL this waits for another process's LockToken on k.
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3`,
			k.TenantID, k.ConnectionID, k.UserID); err != nil {
			return fmt.Errorf("drop cached token: %w", err)
		}
		return putCredentials(ctx, tx, k, sealed, now)
	})
}

// putCredentials inserts or replaces (every field of) the credentials of k,
// given as sealCredentials returns them.
func putCredentials(ctx context.Context, tx *sql.Tx, k hrconnect.CredentialKey, sealed []any, now time.Time) error {
	_, err := tx.ExecContext(ctx, putCredentialsQuery, append([]any{k.TenantID, k.ConnectionID, k.UserID, timeArg(now)}, sealed...)...)
	if err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	return nil
}

// putCredentialsQuery is an upsert of a credentials row: $1-$3 its key, $4
// the time, then one parameter per credentialFields column.
var putCredentialsQuery = func() string {
	var params, updates []string
	for i, f := range credentialFields {
		params = append(params, fmt.Sprintf("$%d", i+5))
		updates = append(updates, f.column+" = excluded."+f.column)
	}
	return `INSERT INTO credentials (tenant_id, connection_id, user_id, created_at, updated_at, ` + credentialColumns + `)
		VALUES ($1, $2, $3, $4, $4, ` + strings.Join(params, ", ") + `)
		ON CONFLICT (tenant_id, connection_id, user_id)
		DO UPDATE SET updated_at = excluded.updated_at, ` + strings.Join(updates, ", ")
}()
