package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"hrconnect"
)

// credentialsJSON is what credentials.secret seals: every field of
// hrconnect.Credentials, under names of its own so that renaming a Go field
// cannot make stored credentials unreadable.
type credentialsJSON struct {
	ClientSecret      string `json:"client_secret,omitempty"`
	RefreshToken      string `json:"refresh_token,omitempty"`
	APIKey            string `json:"api_key,omitempty"`
	Username          string `json:"username,omitempty"`
	Password          string `json:"password,omitempty"`
	OAuth1Token       string `json:"oauth1_token,omitempty"`
	OAuth1TokenSecret string `json:"oauth1_token_secret,omitempty"`
}

// sealCredentials returns creds, as JSON, sealed to k.
func (db *DB) sealCredentials(k hrconnect.CredentialKey, creds *hrconnect.Credentials) ([]byte, error) {
	b, err := json.Marshal(credentialsJSON(*creds))
	if err != nil {
		return nil, fmt.Errorf("encode credentials: %w", err)
	}
	defer clear(b)
	return db.seal(b, credentialsScope(k))
}

func (db *DB) unsealCredentials(k hrconnect.CredentialKey, ct []byte) (*hrconnect.Credentials, error) {
	b, err := db.unseal(ct, credentialsScope(k))
	if err != nil {
		return nil, err
	}
	defer clear(b)
	var cj credentialsJSON
	if err := json.Unmarshal(b, &cj); err != nil {
		return nil, fmt.Errorf("decode credentials: %w", err)
	}
	creds := hrconnect.Credentials(cj)
	return &creds, nil
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
	var ct []byte
	err := db.ro.QueryRowContext(ctx, `
		SELECT secret FROM credentials WHERE tenant_id = $1 AND connection_id = $2 AND user_id = $3`,
		k.TenantID, k.ConnectionID, k.UserID).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credentialsNotFound(k)
	} else if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	return db.unsealCredentials(k, ct)
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

// putCredentials inserts or replaces the sealed credentials of k.
func putCredentials(ctx context.Context, tx *sql.Tx, k hrconnect.CredentialKey, sealed []byte, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO credentials (tenant_id, connection_id, user_id, secret, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (tenant_id, connection_id, user_id)
		DO UPDATE SET secret = excluded.secret, updated_at = excluded.updated_at`,
		k.TenantID, k.ConnectionID, k.UserID, sealed, timeArg(now))
	if err != nil {
		return fmt.Errorf("store credentials: %w", err)
	}
	return nil
}
