package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"hrconnect"
	"hrconnect/vault"
)

// webhookSecretScope is the scope of an endpoint's signing secret: the
// endpoint stands where a connection would ("webhook:<id>"; connection IDs
// start with "con_", so the two cannot meet).
func webhookSecretScope(tenantID, endpointID string) vault.Scope {
	return vault.Scope{Tenant: tenantID, Connection: "webhook:" + endpointID, Field: "signing_secret"}
}

const webhookEndpointColumns = `tenant_id, id, url, events, enabled, created_by, created_at, updated_at`

func scanWebhookEndpoint(row interface{ Scan(...any) error }) (*hrconnect.WebhookEndpoint, error) {
	e := &hrconnect.WebhookEndpoint{}
	err := row.Scan(&e.TenantID, &e.ID, &e.URL, jsonDest(&e.Events), &e.Enabled, &e.CreatedBy,
		timeDest(&e.CreatedAt), timeDest(&e.UpdatedAt))
	return e, err
}

func webhookEndpointNotFound(id string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "webhook endpoint %q not found in this tenant", id)
}

// CreateWebhookEndpoint validates and inserts e, assigning its ID ("whe_…")
// and times, with its signing secret sealed by the vault, bound to the
// tenant and the endpoint. An unknown tenant is ENOTFOUND.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, e *hrconnect.WebhookEndpoint, secret string) error {
	if e.TenantID == "" {
		return hrconnect.Invalid("tenant_id", "A webhook endpoint needs a tenant.")
	}
	if err := e.Validate(); err != nil {
		return err
	}
	if secret == "" {
		return hrconnect.Invalid("secret", "A webhook endpoint needs a signing secret.")
	}
	id := newID("whe")
	ct, err := db.seal([]byte(secret), webhookSecretScope(e.TenantID, id))
	if err != nil {
		return err
	}
	events, err := jsonArg(e.Events)
	if err != nil {
		return fmt.Errorf("create webhook endpoint: %w", err)
	}
	now := truncTime(db.now())
	_, err = db.rw.ExecContext(ctx, `INSERT INTO webhook_endpoints (`+webhookEndpointColumns+`, secret)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
		e.TenantID, id, e.URL, events, e.Enabled, e.CreatedBy, timeArg(now), ct)
	if db.dialect.isForeignKeyViolation(err) {
		return tenantNotFound(e.TenantID)
	} else if err != nil {
		return fmt.Errorf("create webhook endpoint: %w", err)
	}
	e.ID, e.CreatedAt, e.UpdatedAt = id, now, now
	return nil
}

// WebhookEndpoint returns one endpoint of the tenant, or ENOTFOUND.
func (db *DB) WebhookEndpoint(ctx context.Context, tenantID, id string) (*hrconnect.WebhookEndpoint, error) {
	e, err := scanWebhookEndpoint(db.ro.QueryRowContext(ctx, `SELECT `+webhookEndpointColumns+`
		FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webhookEndpointNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("read webhook endpoint: %w", err)
	}
	return e, nil
}

// WebhookEndpoints lists the tenant's endpoints, oldest first.
func (db *DB) WebhookEndpoints(ctx context.Context, tenantID string) ([]*hrconnect.WebhookEndpoint, error) {
	return db.webhookEndpoints(ctx, db.ro, tenantID)
}

// SubscribedWebhookEndpointsTx lists, inside tx, the tenant's enabled
// endpoints that subscribe to ev: for a Hooks function queueing an event.
func (db *DB) SubscribedWebhookEndpointsTx(ctx context.Context, tx *sql.Tx, tenantID string, ev hrconnect.WebhookEvent) ([]*hrconnect.WebhookEndpoint, error) {
	all, err := db.webhookEndpoints(ctx, tx, tenantID)
	if err != nil {
		return nil, err
	}
	var out []*hrconnect.WebhookEndpoint
	for _, e := range all {
		if e.Subscribes(ev) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (db *DB) webhookEndpoints(ctx context.Context, q querier, tenantID string) ([]*hrconnect.WebhookEndpoint, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints
		WHERE tenant_id = $1 ORDER BY created_at, id`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.WebhookEndpoint
	for rows.Next() {
		e, err := scanWebhookEndpoint(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhook endpoints: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return out, nil
}

// WebhookSecret returns an endpoint's signing secret, decrypted, for
// signing a request; ENOTFOUND when there is no such endpoint.
func (db *DB) WebhookSecret(ctx context.Context, tenantID, id string) (string, error) {
	var ct []byte
	err := db.ro.QueryRowContext(ctx, `SELECT secret FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", webhookEndpointNotFound(id)
	} else if err != nil {
		return "", fmt.Errorf("read webhook secret: %w", err)
	}
	pt, err := db.unseal(ct, webhookSecretScope(tenantID, id))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// DeleteWebhookEndpoint removes an endpoint, its secret and its deliveries;
// ENOTFOUND when there is none. Jobs still queued for it find nothing to
// send and stop.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error {
	res, err := db.rw.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, tenantID, id)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint: %w", err)
	}
	return oneRowOr(res, webhookEndpointNotFound(id))
}

func oneRowOr(res sql.Result, notFound error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	} else if n == 0 {
		return notFound
	}
	return nil
}

const webhookDeliveryColumns = `tenant_id, id, endpoint_id, event_id, event, payload, state, attempts,
	last_status, last_error, created_at, updated_at, delivered_at`

func scanWebhookDelivery(row interface{ Scan(...any) error }) (*hrconnect.WebhookDelivery, error) {
	d := &hrconnect.WebhookDelivery{}
	var payload string
	err := row.Scan(&d.TenantID, &d.ID, &d.EndpointID, &d.EventID, &d.Event, &payload, &d.State, &d.Attempts,
		&d.LastStatus, &d.LastError, timeDest(&d.CreatedAt), timeDest(&d.UpdatedAt), timeDest(&d.DeliveredAt))
	d.Payload = []byte(payload)
	return d, err
}

func webhookDeliveryNotFound(id string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "webhook delivery %q not found in this tenant", id)
}

// CreateWebhookDeliveryTx inserts d inside tx, pending, assigning its ID
// ("whd_…") and times, so that the caller can queue its job in the same tx.
func (db *DB) CreateWebhookDeliveryTx(ctx context.Context, tx *sql.Tx, d *hrconnect.WebhookDelivery) error {
	d.ID = newID("whd")
	d.State = hrconnect.WebhookPending
	now := truncTime(db.now())
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, event_id, event, payload, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		d.TenantID, d.ID, d.EndpointID, d.EventID, d.Event, string(d.Payload), d.State, timeArg(now))
	if db.dialect.isForeignKeyViolation(err) {
		return webhookEndpointNotFound(d.EndpointID)
	} else if err != nil {
		return fmt.Errorf("create webhook delivery: %w", err)
	}
	d.CreatedAt, d.UpdatedAt = now, now
	return nil
}

// WebhookDelivery returns one delivery of the tenant, or ENOTFOUND.
func (db *DB) WebhookDelivery(ctx context.Context, tenantID, id string) (*hrconnect.WebhookDelivery, error) {
	d, err := scanWebhookDelivery(db.ro.QueryRowContext(ctx, `SELECT `+webhookDeliveryColumns+`
		FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webhookDeliveryNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("read webhook delivery: %w", err)
	}
	return d, nil
}

// DefaultWebhookDeliveryLimit is how many deliveries WebhookDeliveries
// returns when the filter sets no limit.
const DefaultWebhookDeliveryLimit = 100

// WebhookDeliveries lists the deliveries f selects, newest first.
func (db *DB) WebhookDeliveries(ctx context.Context, f hrconnect.WebhookDeliveryFilter) ([]*hrconnect.WebhookDelivery, error) {
	if f.TenantID == "" {
		return nil, hrconnect.Invalid("tenant_id", "Listing webhook deliveries needs a tenant.")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultWebhookDeliveryLimit
	}
	q := `SELECT ` + webhookDeliveryColumns + ` FROM webhook_deliveries WHERE tenant_id = $1`
	args := []any{f.TenantID}
	if f.EndpointID != "" {
		q += ` AND endpoint_id = $2`
		args = append(args, f.EndpointID)
	}
	args = append(args, limit)
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args))
	rows, err := db.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.WebhookDelivery
	for rows.Next() {
		d, err := scanWebhookDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhook deliveries: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return out, nil
}

// RecordWebhookAttempt saves d's state, attempts, last status and error and
// delivery time, and appends a to its log, in one transaction. d.UpdatedAt
// and a's ID are set; a.At defaults to now.
func (db *DB) RecordWebhookAttempt(ctx context.Context, d *hrconnect.WebhookDelivery, a *hrconnect.WebhookAttempt) error {
	now := truncTime(db.now())
	at := truncTime(a.At)
	if at.IsZero() {
		at = now
	}
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $3, attempts = $4, last_status = $5,
			last_error = $6, delivered_at = $7, updated_at = $8 WHERE tenant_id = $1 AND id = $2`,
			d.TenantID, d.ID, d.State, d.Attempts, d.LastStatus, d.LastError, timeArg(d.DeliveredAt), timeArg(now))
		if err != nil {
			return fmt.Errorf("update webhook delivery: %w", err)
		}
		if err := oneRowOr(res, webhookDeliveryNotFound(d.ID)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO webhook_attempts (tenant_id, delivery_id, at, status_code, error, duration_ms)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			d.TenantID, d.ID, timeArg(at), a.StatusCode, a.Error, a.Duration.Milliseconds()).Scan(&a.ID)
	})
	if err != nil {
		return err
	}
	a.TenantID, a.DeliveryID, a.At = d.TenantID, d.ID, at
	d.UpdatedAt, d.DeliveredAt = now, truncTime(d.DeliveredAt)
	return nil
}

// WebhookAttempts returns a delivery's log, oldest first.
func (db *DB) WebhookAttempts(ctx context.Context, tenantID, deliveryID string) ([]*hrconnect.WebhookAttempt, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT id, tenant_id, delivery_id, at, status_code, error, duration_ms
		FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = $2 ORDER BY id`, tenantID, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.WebhookAttempt
	for rows.Next() {
		a := &hrconnect.WebhookAttempt{}
		var ms int64
		if err := rows.Scan(&a.ID, &a.TenantID, &a.DeliveryID, timeDest(&a.At), &a.StatusCode, &a.Error, &ms); err != nil {
			return nil, fmt.Errorf("list webhook attempts: %w", err)
		}
		a.Duration = time.Duration(ms) * time.Millisecond
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhook attempts: %w", err)
	}
	return out, nil
}
