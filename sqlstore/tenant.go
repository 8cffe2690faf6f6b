package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"hrconnect"
)

// CreateTenant inserts t, assigning CreatedAt, and an ID ("ten_…") unless t
// has one already (the ATS's own ID for the company, say). An ID already
// taken is ECONFLICT.
func (db *DB) CreateTenant(ctx context.Context, t *hrconnect.Tenant) error {
	if t.Name == "" {
		return hrconnect.Invalid("name", "A tenant needs a name.")
	}
	id := t.ID
	if id == "" {
		id = newID("ten")
	}
	now := truncTime(db.now())
	_, err := db.rw.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)`,
		id, t.Name, timeArg(now))
	if db.dialect.isUniqueViolation(err) {
		return hrconnect.Errorf(hrconnect.ECONFLICT, "a tenant with ID %q already exists; choose another ID", id)
	} else if err != nil {
		return fmt.Errorf("create tenant: %w", err)
	}
	t.ID, t.CreatedAt = id, now
	return nil
}

// Tenant returns the tenant with the given ID, or ENOTFOUND.
func (db *DB) Tenant(ctx context.Context, id string) (*hrconnect.Tenant, error) {
	t := &hrconnect.Tenant{}
	err := db.ro.QueryRowContext(ctx, `SELECT id, name, created_at FROM tenants WHERE id = $1`, id).
		Scan(&t.ID, &t.Name, timeDest(&t.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tenantNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("read tenant: %w", err)
	}
	return t, nil
}

// Tenants lists every tenant, oldest first.
func (db *DB) Tenants(ctx context.Context) ([]*hrconnect.Tenant, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, name, created_at FROM tenants ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Tenant
	for rows.Next() {
		t := &hrconnect.Tenant{}
		if err := rows.Scan(&t.ID, &t.Name, timeDest(&t.CreatedAt)); err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func tenantNotFound(id string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "tenant %q not found", id)
}

// requireTenant fails with ENOTFOUND unless the tenant exists.
func requireTenant(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM tenants WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("read tenant: %w", err)
	}
	if n == 0 {
		return tenantNotFound(id)
	}
	return nil
}

// CreateUser inserts u into its tenant, assigning CreatedAt, and an ID
// ("usr_…") unless u has one already. An ID already taken in the tenant, or
// an email address already used (the schema may make addresses unique), is
// ECONFLICT; an unknown tenant is ENOTFOUND.
func (db *DB) CreateUser(ctx context.Context, u *hrconnect.User) error {
	if u.TenantID == "" {
		return hrconnect.Invalid("tenant_id", "A user needs a tenant.")
	}
	id := u.ID
	if id == "" {
		id = newID("usr")
	}
	perms, err := jsonArg(u.Permissions)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	now := truncTime(db.now())
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if err := requireTenant(ctx, tx, u.TenantID); err != nil {
			return err
		}
		if err := requireUser(ctx, tx, u.TenantID, id); err == nil {
			return hrconnect.Errorf(hrconnect.ECONFLICT, "a user with ID %q already exists in this tenant; choose another ID", id)
		} else if hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO users (tenant_id, id, email, name, permissions, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			u.TenantID, id, u.Email, u.Name, perms, timeArg(now))
		if db.dialect.isUniqueViolation(err) {
			// The ID is free (checked above), so the email address is taken.
			return &hrconnect.Error{
				Code:    hrconnect.ECONFLICT,
				Field:   "email",
				Message: fmt.Sprintf("the email address %q is already used by another user; use another address", u.Email),
			}
		} else if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	u.ID, u.CreatedAt = id, now
	return nil
}

// User returns a user of the tenant, or ENOTFOUND.
func (db *DB) User(ctx context.Context, tenantID, id string) (*hrconnect.User, error) {
	u := &hrconnect.User{}
	err := db.ro.QueryRowContext(ctx, `
		SELECT tenant_id, id, email, name, permissions, created_at
		FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id).
		Scan(&u.TenantID, &u.ID, &u.Email, &u.Name, jsonDest(&u.Permissions), timeDest(&u.CreatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

func userNotFound(id string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "user %q not found in this tenant", id)
}

// requireUser fails with ENOTFOUND unless the user exists in the tenant.
func requireUser(ctx context.Context, q querier, tenantID, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&n); err != nil {
		return fmt.Errorf("read user: %w", err)
	}
	if n == 0 {
		return userNotFound(id)
	}
	return nil
}
