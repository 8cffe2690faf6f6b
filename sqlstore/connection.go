package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"hrconnect"
)

// connectionColumns are read by scanConnection, in its order.
const connectionColumns = `tenant_id, id, owner_id, name, link_name, service, scopes, data_centre, client_id,
	per_user, status, last_error, last_resolution, last_error_at, last_refresh_at, created_at, updated_at`

// scanConnection reads one row of connectionColumns.
func scanConnection(row interface{ Scan(...any) error }) (*hrconnect.Connection, error) {
	c := &hrconnect.Connection{}
	var owner sql.NullString
	err := row.Scan(&c.TenantID, &c.ID, &owner, &c.Name, &c.LinkName, &c.Service, jsonDest(&c.Scopes), &c.DataCentre, &c.ClientID,
		&c.PerUser, &c.Status, &c.LastError, &c.LastResolution, timeDest(&c.LastErrorAt), timeDest(&c.LastRefreshAt),
		timeDest(&c.CreatedAt), timeDest(&c.UpdatedAt))
	if err != nil {
		return nil, err
	}
	c.OwnerID = owner.String
	return c, nil
}

func connectionNotFound(id string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "connection %q not found in this tenant", id)
}

func linkNameTaken(linkName string) error {
	return &hrconnect.Error{
		Code:    hrconnect.ECONFLICT,
		Field:   "link_name",
		Message: fmt.Sprintf("a connection with link name %q already exists in this tenant; choose another link name", linkName),
	}
}

// CreateConnection inserts c, assigning its ID ("con_…"), times and, when
// empty, its status (connected), and, when creds is not nil, its owner
// credentials, in one transaction. A link name already used in the tenant is
// ECONFLICT; an unknown tenant or owner is ENOTFOUND.
func (db *DB) CreateConnection(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) error {
	switch {
	case c.TenantID == "":
		return hrconnect.Invalid("tenant_id", "A connection needs a tenant.")
	case c.LinkName == "":
		return hrconnect.Invalid("link_name", "A connection needs a link name.")
	case c.Service == "":
		return hrconnect.Invalid("service", "A connection needs a service.")
	}
	id := newID("con")
	now := truncTime(db.now())
	status := c.Status
	if status == "" {
		status = hrconnect.StatusConnected
	}
	scopes, err := jsonArg(c.Scopes)
	if err != nil {
		return fmt.Errorf("create connection: %w", err)
	}
	var sealed []any
	if creds != nil {
		if sealed, err = db.sealCredentials(hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: id}, creds); err != nil {
			return err
		}
	}

	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if err := requireTenant(ctx, tx, c.TenantID); err != nil {
			return err
		}
		if c.OwnerID != "" {
			if err := requireUser(ctx, tx, c.TenantID, c.OwnerID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO connections (`+connectionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			c.TenantID, id, nullString(c.OwnerID), c.Name, c.LinkName, c.Service, scopes, c.DataCentre, c.ClientID,
			c.PerUser, status, c.LastError, c.LastResolution, timeArg(c.LastErrorAt), timeArg(c.LastRefreshAt),
			timeArg(now), timeArg(now))
		if db.dialect.isUniqueViolation(err) {
			return linkNameTaken(c.LinkName)
		} else if err != nil {
			return fmt.Errorf("create connection: %w", err)
		}
		if sealed != nil {
			if err := putCredentials(ctx, tx, hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: id}, sealed, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.ID, c.Status, c.CreatedAt, c.UpdatedAt = id, status, now, now
	c.LastErrorAt, c.LastRefreshAt = truncTime(c.LastErrorAt), truncTime(c.LastRefreshAt)
	return nil
}

// Connection returns one connection of the tenant, or ENOTFOUND.
func (db *DB) Connection(ctx context.Context, tenantID, id string) (*hrconnect.Connection, error) {
	c, err := scanConnection(db.ro.QueryRowContext(ctx,
		`SELECT `+connectionColumns+` FROM connections WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, connectionNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("read connection: %w", err)
	}
	return c, nil
}

// ConnectionByLinkName returns one connection of the tenant by link name, or
// ENOTFOUND.
func (db *DB) ConnectionByLinkName(ctx context.Context, tenantID, linkName string) (*hrconnect.Connection, error) {
	c, err := scanConnection(db.ro.QueryRowContext(ctx,
		`SELECT `+connectionColumns+` FROM connections WHERE tenant_id = $1 AND link_name = $2`, tenantID, linkName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hrconnect.Errorf(hrconnect.ENOTFOUND, "no connection with link name %q in this tenant", linkName)
	} else if err != nil {
		return nil, fmt.Errorf("read connection: %w", err)
	}
	return c, nil
}

// Connections lists the connections that f selects, by name (see byName).
// f.TenantID is required: no query crosses tenants.
func (db *DB) Connections(ctx context.Context, f hrconnect.ConnectionFilter) ([]*hrconnect.Connection, error) {
	if f.TenantID == "" {
		return nil, hrconnect.Invalid("tenant_id", "Listing connections needs a tenant: connections are never listed across tenants.")
	}
	where := []string{"c.tenant_id = $1"}
	args := []any{f.TenantID}
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Service != "" {
		add("c.service = $%d", f.Service)
	}
	if f.Status != "" {
		add("c.status = $%d", f.Status)
	}
	if f.OwnerID != "" {
		add("c.owner_id = $%d", f.OwnerID)
	}
	if f.AuthorizedBy != "" {
		add(`EXISTS (SELECT 1 FROM credentials cr
			WHERE cr.tenant_id = c.tenant_id AND cr.connection_id = c.id AND cr.user_id = $%d)`, f.AuthorizedBy)
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+prefixColumns("c.", connectionColumns)+`
		FROM connections c WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("list connections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list connections: %w", err)
	}
	slices.SortFunc(out, func(a, b *hrconnect.Connection) int { return byName(a.Name, a.ID, b.Name, b.ID) })
	return out, nil
}

// byName orders lists for people: by name ignoring case, then by name, then
// by ID. It is done in Go rather than with ORDER BY because PostgreSQL sorts
// text by the database's collation and SQLite by bytes, and both dialects
// must list alike.
func byName(nameA, idA, nameB, idB string) int {
	return cmp.Or(
		strings.Compare(strings.ToLower(nameA), strings.ToLower(nameB)),
		strings.Compare(nameA, nameB),
		strings.Compare(idA, idB),
	)
}

// prefixColumns qualifies each column of a comma-separated list.
func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// UpdateConnection saves c's name, scopes, client ID, status and last
// error/refresh fields, and sets its UpdatedAt. The tenant, link name,
// service, owner, data centre and per-user setting never change. When the
// status changes, Hooks.ConnectionStatusChanged runs in the same
// transaction.
func (db *DB) UpdateConnection(ctx context.Context, c *hrconnect.Connection) error {
	scopes, err := jsonArg(c.Scopes)
	if err != nil {
		return fmt.Errorf("update connection: %w", err)
	}
	now := truncTime(db.now())
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		var hook func(context.Context, *sql.Tx, *hrconnect.Connection, hrconnect.ConnectionStatus) error
		var from hrconnect.ConnectionStatus
		if h := db.hooks.Load(); h != nil && h.ConnectionStatusChanged != nil {
			hook = h.ConnectionStatusChanged
			err := tx.QueryRowContext(ctx, `SELECT status FROM connections WHERE tenant_id = $1 AND id = $2`+db.dialect.forUpdate,
				c.TenantID, c.ID).Scan(&from)
			if errors.Is(err, sql.ErrNoRows) {
				return connectionNotFound(c.ID)
			} else if err != nil {
				return fmt.Errorf("update connection: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE connections SET name = $3, scopes = $4, client_id = $5, status = $6,
				last_error = $7, last_resolution = $8, last_error_at = $9, last_refresh_at = $10, updated_at = $11
			WHERE tenant_id = $1 AND id = $2`,
			c.TenantID, c.ID, c.Name, scopes, c.ClientID, c.Status,
			c.LastError, c.LastResolution, timeArg(c.LastErrorAt), timeArg(c.LastRefreshAt), timeArg(now))
		if err != nil {
			return fmt.Errorf("update connection: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("update connection: %w", err)
		} else if n == 0 {
			return connectionNotFound(c.ID)
		}
		if hook != nil && from != c.Status {
			return hook(ctx, tx, c, from)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.UpdatedAt = now
	c.LastErrorAt, c.LastRefreshAt = truncTime(c.LastErrorAt), truncTime(c.LastRefreshAt)
	return nil
}

// DeleteConnection removes the connection; its credentials and tokens go with
// it (ON DELETE CASCADE), its events stay. On PostgreSQL it waits for a
// LockToken in progress on one of its tokens to finish.
func (db *DB) DeleteConnection(ctx context.Context, tenantID, id string) error {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM connections WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("delete connection: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete connection: %w", err)
	} else if n == 0 {
		return connectionNotFound(id)
	}
	return nil
}

// AddEvent appends e to its connection's history, assigning ID, and At when
// zero. The connection need not exist any more (its deletion is an event),
// but the tenant must.
func (db *DB) AddEvent(ctx context.Context, e *hrconnect.ConnectionEvent) error {
	switch {
	case e.TenantID == "":
		return hrconnect.Invalid("tenant_id", "An event needs a tenant.")
	case e.ConnectionID == "":
		return hrconnect.Invalid("connection_id", "An event needs a connection.")
	case e.Kind == "":
		return hrconnect.Invalid("kind", "An event needs a kind.")
	}
	at := truncTime(e.At)
	if at.IsZero() {
		at = truncTime(db.now())
	}
	var id int64
	err := db.rw.QueryRowContext(ctx, `
		INSERT INTO connection_events (tenant_id, connection_id, actor_id, kind, message, at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		e.TenantID, e.ConnectionID, e.ActorID, e.Kind, e.Message, timeArg(at)).Scan(&id)
	if db.dialect.isForeignKeyViolation(err) {
		return tenantNotFound(e.TenantID)
	} else if err != nil {
		return fmt.Errorf("add event: %w", err)
	}
	e.ID, e.At = id, at
	return nil
}

// DefaultEventLimit is how many events Events returns when limit is not
// positive.
const DefaultEventLimit = 100

// Events returns a connection's history, newest first, at most limit events
// (DefaultEventLimit when limit <= 0).
func (db *DB) Events(ctx context.Context, tenantID, connectionID string, limit int) ([]*hrconnect.ConnectionEvent, error) {
	if limit <= 0 {
		limit = DefaultEventLimit
	}
	rows, err := db.ro.QueryContext(ctx, `
		SELECT id, tenant_id, connection_id, actor_id, kind, message, at
		FROM connection_events WHERE tenant_id = $1 AND connection_id = $2
		ORDER BY id DESC LIMIT $3`, tenantID, connectionID, limit)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.ConnectionEvent
	for rows.Next() {
		e := &hrconnect.ConnectionEvent{}
		if err := rows.Scan(&e.ID, &e.TenantID, &e.ConnectionID, &e.ActorID, &e.Kind, &e.Message, timeDest(&e.At)); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}
