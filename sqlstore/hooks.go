package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"hrconnect"
)

// Hooks are called inside the transaction of a state change, with that
// transaction, so that what they write (an outgoing webhook's deliveries and
// their River jobs) commits or rolls back with the change: a crash can lose
// neither. The state changes are made by other packages through store
// methods that take no transaction (onboard's worker through UpdateTransfer,
// connect's token manager and service through UpdateConnection), so the store
// is the one place that sees the change and its transaction together.
//
// A hook must use tx alone, never the DB's other methods: on SQLite the
// transaction holds the only writer connection. An error from a hook rolls
// the change back and is returned by the store method.
type Hooks struct {
	// TransferFinished is called when a transfer enters state succeeded or
	// failed from another state.
	TransferFinished func(ctx context.Context, tx *sql.Tx, t *hrconnect.Transfer) error
	// ConnectionStatusChanged is called when a connection's status changes;
	// from is the status it had.
	ConnectionStatusChanged func(ctx context.Context, tx *sql.Tx, c *hrconnect.Connection, from hrconnect.ConnectionStatus) error
}

// SetHooks installs h (replacing any earlier hooks); nil removes them. Safe
// to call while the DB is in use.
func (db *DB) SetHooks(h *Hooks) { db.hooks.Store(h) }

// transferFinishedHook returns the hook to call for t's update, or nil.
func (db *DB) transferFinishedHook(t *hrconnect.Transfer) func(context.Context, *sql.Tx, *hrconnect.Transfer) error {
	h := db.hooks.Load()
	if h == nil || h.TransferFinished == nil || !t.State.Done() {
		return nil
	}
	return h.TransferFinished
}

// runTransferHook reads the transfer's state before the update in tx (locking
// its row on PostgreSQL, so that two updates cannot both see the old state)
// and returns a function to call after the update, which calls the hook when
// the state changed.
func (db *DB) runTransferHook(ctx context.Context, tx *sql.Tx, t *hrconnect.Transfer) (after func() error, err error) {
	hook := db.transferFinishedHook(t)
	if hook == nil {
		return func() error { return nil }, nil
	}
	var from hrconnect.TransferState
	err = tx.QueryRowContext(ctx, `SELECT state FROM transfers WHERE tenant_id = $1 AND id = $2`+db.dialect.forUpdate,
		t.TenantID, t.ID).Scan(&from)
	if err != nil {
		return nil, fmt.Errorf("read transfer state: %w", transferMissing(err, t.ID))
	}
	return func() error {
		if from == t.State {
			return nil
		}
		return hook(ctx, tx, t)
	}, nil
}

func transferMissing(err error, id string) error {
	if err == sql.ErrNoRows {
		return transferNotFound(id)
	}
	return err
}
