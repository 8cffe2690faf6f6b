package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hrconnect"
)

// This file holds the REST API's keys, a part of hrconnect.AuthStore. Only
// the SHA-256 hash of a key is stored; the key itself exists once, in the
// reply that created it.

// apiKeyColumns are read by scanAPIKey, in its order.
const apiKeyColumns = `tenant_id, id, name, prefix, created_by, permissions, created_at, last_used_at`

func scanAPIKey(row interface{ Scan(...any) error }) (*hrconnect.APIKey, error) {
	k := &hrconnect.APIKey{}
	err := row.Scan(&k.TenantID, &k.ID, &k.Name, &k.Prefix, &k.CreatedBy, jsonDest(&k.Permissions),
		timeDest(&k.CreatedAt), timeDest(&k.LastUsedAt))
	if err != nil {
		return nil, err
	}
	return k, nil
}

// lastUsedResolution is how stale last_used_at may get before APIKeyByHash
// writes it again. Recording every request would turn every API call into a
// write, and on SQLite every write queues for the one writer; a minute is
// precise enough to tell a key in use from a forgotten one.
const lastUsedResolution = time.Minute

// CreateAPIKey stores a key of k.TenantID by the SHA-256 hash of the key,
// assigning k's ID ("key_…") and CreatedAt. k.Name is required; a hash
// already stored is ECONFLICT, an unknown tenant ENOTFOUND.
func (db *DB) CreateAPIKey(ctx context.Context, k *hrconnect.APIKey, hash []byte) error {
	switch {
	case k.TenantID == "":
		return hrconnect.Invalid("tenant_id", "An API key needs a tenant.")
	case k.Name == "":
		return hrconnect.Invalid("name", "Give the API key a name that says who uses it, such as \"ATS production\".")
	case len(hash) == 0:
		return hrconnect.Invalid("hash", "An API key needs the hash of its key.")
	}
	perms, err := jsonArg(k.Permissions)
	if err != nil {
		return fmt.Errorf("create API key: %w", err)
	}
	id := newID("key")
	now := truncTime(db.now())
	_, err = db.rw.ExecContext(ctx, `
		INSERT INTO api_keys (tenant_id, id, name, prefix, hash, created_by, permissions, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.TenantID, id, k.Name, k.Prefix, hash, k.CreatedBy, perms, timeArg(now))
	switch {
	case db.dialect.isForeignKeyViolation(err):
		return tenantNotFound(k.TenantID)
	case db.dialect.isUniqueViolation(err):
		return hrconnect.Errorf(hrconnect.ECONFLICT, "an API key with this hash already exists; generate a new key")
	case err != nil:
		return fmt.Errorf("create API key: %w", err)
	}
	k.ID, k.CreatedAt, k.LastUsedAt = id, now, time.Time{}
	return nil
}

var errNoAPIKey = hrconnect.Errorf(hrconnect.ENOTFOUND, "no such API key")

// APIKeyByHash returns the key with this hash, in whichever tenant, and
// records its use (to the minute: see lastUsedResolution); ENOTFOUND when
// none. The returned LastUsedAt is the use just recorded.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*hrconnect.APIKey, error) {
	if len(hash) == 0 {
		return nil, errNoAPIKey
	}
	k, err := scanAPIKey(db.ro.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoAPIKey
	} else if err != nil {
		return nil, fmt.Errorf("read API key: %w", err)
	}
	now := truncTime(db.now())
	if k.LastUsedAt.IsZero() || now.Sub(k.LastUsedAt) >= lastUsedResolution {
		if _, err := db.rw.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $1 WHERE tenant_id = $2 AND id = $3`,
			timeArg(now), k.TenantID, k.ID); err != nil {
			return nil, fmt.Errorf("record API key use: %w", err)
		}
		k.LastUsedAt = now
	}
	return k, nil
}

// APIKeys lists the tenant's keys, newest first (then by ID, so both
// dialects order them alike). Hashes are not returned.
func (db *DB) APIKeys(ctx context.Context, tenantID string) ([]*hrconnect.APIKey, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE tenant_id = $1
		ORDER BY created_at DESC, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list API keys: %w", err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return out, nil
}

// DeleteAPIKey removes a key of the tenant; it stops working at once.
// ENOTFOUND when the tenant has no such key.
func (db *DB) DeleteAPIKey(ctx context.Context, tenantID, id string) error {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM api_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("delete API key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return hrconnect.Errorf(hrconnect.ENOTFOUND, "API key %q not found in this tenant", id)
	}
	return nil
}
