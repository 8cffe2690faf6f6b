package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/sqlstore"
	"hrconnect/vault"
)

// Webhook endpoints, their sealed secrets, deliveries and attempts, on both
// dialects: round trips, tenant isolation, the secret's binding to its
// endpoint, re-encryption, and deletion taking the log with it.
func TestWebhookStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		f := newFixture(t, b)
		db, ctx := f.db, f.ctx
		ep := &hrconnect.WebhookEndpoint{TenantID: f.tenant.ID, URL: " https://ats.example.com/hooks ", Enabled: true, CreatedBy: f.owner.ID,
			Events: []hrconnect.WebhookEvent{hrconnect.WebhookTransferFailed, hrconnect.WebhookTransferFailed, hrconnect.WebhookConnectionRecovered}}
		must(t, db.CreateWebhookEndpoint(ctx, ep, "whsec_one"))
		got, err := db.WebhookEndpoint(ctx, f.tenant.ID, ep.ID)
		must(t, err)
		if got.URL != "https://ats.example.com/hooks" || len(got.Events) != 2 || !got.Enabled || got.CreatedBy != f.owner.ID || !got.CreatedAt.Equal(ep.CreatedAt) {
			t.Fatalf("endpoint: %+v", got)
		}
		if s, err := db.WebhookSecret(ctx, f.tenant.ID, ep.ID); err != nil || s != "whsec_one" {
			t.Fatalf("secret: %q, %v", s, err)
		}
		if _, err := db.WebhookEndpoint(ctx, f.other.ID, ep.ID); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			t.Fatalf("another tenant reads the endpoint: %v", err)
		}
		if err := db.CreateWebhookEndpoint(ctx, &hrconnect.WebhookEndpoint{TenantID: f.tenant.ID, URL: "http://ats.example.com", Events: hrconnect.WebhookEvents}, "s"); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
			t.Fatalf("http URL stored: %v", err)
		}
		off := &hrconnect.WebhookEndpoint{TenantID: f.tenant.ID, URL: "https://b.example.com", Events: hrconnect.WebhookEvents}
		must(t, db.CreateWebhookEndpoint(ctx, off, "whsec_two"))

		// A ciphertext copied onto another endpoint does not decrypt there.
		must(t, db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET secret = (SELECT secret FROM webhook_endpoints WHERE id = $1) WHERE id = $2`, ep.ID, off.ID)
			return err
		}))
		if _, err := db.WebhookSecret(ctx, f.tenant.ID, off.ID); err == nil || !errors.Is(err, vault.ErrWrongScope) {
			t.Fatalf("a secret moved to another endpoint: %v, want a decryption error", err)
		}
		must(t, db.DeleteWebhookEndpoint(ctx, f.tenant.ID, off.ID))

		var subs []*hrconnect.WebhookEndpoint
		must(t, db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			subs, err = db.SubscribedWebhookEndpointsTx(ctx, tx, f.tenant.ID, hrconnect.WebhookTransferFailed)
			return err
		}))
		if len(subs) != 1 || subs[0].ID != ep.ID {
			t.Fatalf("subscribed to transfer.failed: %+v", subs)
		}
		must(t, db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			subs, err = db.SubscribedWebhookEndpointsTx(ctx, tx, f.tenant.ID, hrconnect.WebhookTransferSucceeded)
			return err
		}))
		if len(subs) != 0 {
			t.Fatalf("subscribed to transfer.succeeded: %+v", subs)
		}

		d := &hrconnect.WebhookDelivery{TenantID: f.tenant.ID, EndpointID: ep.ID, EventID: "evt_1", Event: hrconnect.WebhookTransferFailed, Payload: []byte(`{"id":"evt_1", "b":1}`)}
		must(t, db.InTx(ctx, func(tx *sql.Tx) error { return db.CreateWebhookDeliveryTx(ctx, tx, d) }))
		err = db.InTx(ctx, func(tx *sql.Tx) error {
			return db.CreateWebhookDeliveryTx(ctx, tx, &hrconnect.WebhookDelivery{TenantID: f.tenant.ID, EndpointID: "whe_gone", EventID: "evt_1", Event: hrconnect.WebhookTransferFailed, Payload: []byte(`{}`)})
		})
		if hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			t.Fatalf("delivery to an unknown endpoint: %v", err)
		}
		a1 := &hrconnect.WebhookAttempt{StatusCode: 500, Error: "HTTP 500", Duration: 12 * time.Millisecond}
		d.Attempts, d.LastStatus, d.LastError = 1, 500, "HTTP 500"
		must(t, db.RecordWebhookAttempt(ctx, d, a1))
		d.State, d.Attempts, d.LastStatus, d.LastError, d.DeliveredAt = hrconnect.WebhookDelivered, 2, 204, "", time.Now()
		must(t, db.RecordWebhookAttempt(ctx, d, &hrconnect.WebhookAttempt{StatusCode: 204}))

		ds, err := db.WebhookDeliveries(ctx, hrconnect.WebhookDeliveryFilter{TenantID: f.tenant.ID, EndpointID: ep.ID})
		must(t, err)
		if len(ds) != 1 || string(ds[0].Payload) != `{"id":"evt_1", "b":1}` || ds[0].State != hrconnect.WebhookDelivered ||
			ds[0].Attempts != 2 || ds[0].LastStatus != 204 || ds[0].DeliveredAt.IsZero() || ds[0].EventID != "evt_1" {
			t.Fatalf("deliveries: %+v", ds)
		}
		if ds, _ := db.WebhookDeliveries(ctx, hrconnect.WebhookDeliveryFilter{TenantID: f.other.ID}); len(ds) != 0 {
			t.Fatalf("another tenant lists %d deliveries", len(ds))
		}
		log, err := db.WebhookAttempts(ctx, f.tenant.ID, d.ID)
		must(t, err)
		if len(log) != 2 || log[0].StatusCode != 500 || log[0].Error != "HTTP 500" || log[0].Duration != 12*time.Millisecond || log[1].StatusCode != 204 {
			t.Fatalf("attempts: %+v", log)
		}

		// Key rotation re-seals the secret, which still decrypts.
		_, err = f.vault.Rotate()
		must(t, err)
		n, err := db.ReencryptAll(ctx)
		must(t, err)
		if n < 1 {
			t.Fatalf("re-encrypted %d secrets, want the endpoint's at least", n)
		}
		if s, err := db.WebhookSecret(ctx, f.tenant.ID, ep.ID); err != nil || s != "whsec_one" {
			t.Fatalf("secret after rotation: %q, %v", s, err)
		}

		must(t, db.DeleteWebhookEndpoint(ctx, f.tenant.ID, ep.ID))
		if _, err := db.WebhookDelivery(ctx, f.tenant.ID, d.ID); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
			t.Fatalf("delivery after deleting its endpoint: %v", err)
		}
		if log, _ := db.WebhookAttempts(ctx, f.tenant.ID, d.ID); len(log) != 0 {
			t.Fatalf("%d attempts left after deleting the endpoint", len(log))
		}
	})
}

// The hooks run inside the transaction of the change: once per change of a
// transfer into a final state and of a connection's status, never for an
// update that changes neither; and a hook's error rolls the change back.
func TestHooksRunInTheChangesTransaction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		of := newOnboardFixture(t, b)
		f, db, ctx := of.fixture, of.fixture.db, of.fixture.ctx
		var finished []hrconnect.TransferState
		var changes []string
		fail := false
		db.SetHooks(&sqlstore.Hooks{
			TransferFinished: func(ctx context.Context, tx *sql.Tx, t *hrconnect.Transfer) error {
				finished = append(finished, t.State)
				return hookErr(fail)
			},
			ConnectionStatusChanged: func(ctx context.Context, tx *sql.Tx, c *hrconnect.Connection, from hrconnect.ConnectionStatus) error {
				// The hook sees the change: it reads inside the same tx.
				var now hrconnect.ConnectionStatus
				if err := tx.QueryRowContext(ctx, `SELECT status FROM connections WHERE id = $1`, c.ID).Scan(&now); err != nil {
					return err
				}
				changes = append(changes, string(from)+">"+string(now))
				return hookErr(fail)
			},
		})
		t.Cleanup(func() { db.SetHooks(nil) })

		tr, _ := of.move(t, of.workflow.Stages[2])
		tr.State = hrconnect.TransferRunning
		must(t, db.UpdateTransfer(ctx, tr, nil))
		tr.State = hrconnect.TransferSucceeded
		must(t, db.UpdateTransfer(ctx, tr, nil))
		must(t, db.UpdateTransfer(ctx, tr, nil)) // no change of state: no hook
		if len(finished) != 1 || finished[0] != hrconnect.TransferSucceeded {
			t.Fatalf("TransferFinished calls: %v", finished)
		}

		c := of.conn
		c.Status = hrconnect.StatusNeedsReconnect
		must(t, db.UpdateConnection(ctx, c))
		c.LastError = "still"
		must(t, db.UpdateConnection(ctx, c))
		fail = true
		c.Status = hrconnect.StatusConnected
		if err := db.UpdateConnection(ctx, c); err == nil || err.Error() != "hook refused" {
			t.Fatalf("UpdateConnection with a failing hook: %v", err)
		}
		got, err := db.Connection(ctx, f.tenant.ID, c.ID)
		must(t, err)
		if got.Status != hrconnect.StatusNeedsReconnect {
			t.Fatalf("status after a failing hook: %s, want the change rolled back", got.Status)
		}
		if len(changes) != 2 || changes[0] != "connected>needs_reconnect" || changes[1] != "needs_reconnect>connected" {
			t.Fatalf("ConnectionStatusChanged calls: %v", changes)
		}
	})
}

func hookErr(fail bool) error {
	if fail {
		return errors.New("hook refused")
	}
	return nil
}
