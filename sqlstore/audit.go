package sqlstore

import (
	"context"
	"fmt"

	"hrconnect"
)

// This file holds the audit log, a part of hrconnect.AuthStore: who did what
// to which thing, kept after the thing itself is gone.

// DefaultAuditLimit is how many entries Audit returns when limit is not
// positive.
const DefaultAuditLimit = 100

// AddAudit appends e to its tenant's audit log, assigning ID, and At when
// zero. An unknown tenant is ENOTFOUND.
func (db *DB) AddAudit(ctx context.Context, e *hrconnect.AuditEntry) error {
	switch {
	case e.TenantID == "":
		return hrconnect.Invalid("tenant_id", "An audit entry needs a tenant.")
	case e.Action == "":
		return hrconnect.Invalid("action", "An audit entry needs an action.")
	}
	at := truncTime(e.At)
	if at.IsZero() {
		at = truncTime(db.now())
	}
	var id int64
	err := db.rw.QueryRowContext(ctx, `
		INSERT INTO audit_log (tenant_id, actor_id, actor_name, action, target, detail, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		e.TenantID, e.ActorID, e.ActorName, e.Action, e.Target, e.Detail, timeArg(at)).Scan(&id)
	if db.dialect.isForeignKeyViolation(err) {
		return tenantNotFound(e.TenantID)
	} else if err != nil {
		return fmt.Errorf("add audit entry: %w", err)
	}
	e.ID, e.At = id, at
	return nil
}

// Audit returns the tenant's audit log, newest first (by ID, the order of
// insertion, which times written in the same microsecond cannot break), at
// most limit entries (DefaultAuditLimit when limit <= 0).
func (db *DB) Audit(ctx context.Context, tenantID string, limit int) ([]*hrconnect.AuditEntry, error) {
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	rows, err := db.ro.QueryContext(ctx, `
		SELECT id, tenant_id, actor_id, actor_name, action, target, detail, at
		FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2`, tenantID, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.AuditEntry
	for rows.Next() {
		e := &hrconnect.AuditEntry{}
		if err := rows.Scan(&e.ID, &e.TenantID, &e.ActorID, &e.ActorName, &e.Action, &e.Target, &e.Detail, timeDest(&e.At)); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}
