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

const transferColumns = `tenant_id, id, application_id, applicant_id, connection_id, actor_id, state, attempts,
	record, reply, zoho_record_id, last_error, resolution, insert_unsure, created_at, updated_at, finished_at`

func scanTransfer(row interface{ Scan(...any) error }) (*hrconnect.Transfer, error) {
	t := &hrconnect.Transfer{}
	err := row.Scan(&t.TenantID, &t.ID, &t.ApplicationID, &t.ApplicantID, &t.ConnectionID, &t.ActorID, &t.State, &t.Attempts,
		jsonDest(&t.Record), &t.Reply, &t.ZohoRecordID, &t.LastError, &t.Resolution, &t.InsertUnsure,
		timeDest(&t.CreatedAt), timeDest(&t.UpdatedAt), timeDest(&t.FinishedAt))
	return t, err
}

func transferNotFound(id string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "transfer %q not found in this tenant", id)
}

// MoveApplicationTx moves an application to stageID inside tx and, when the
// stage is linked to an HR connection, creates the transfer of the
// application to it unless one exists: the UNIQUE (tenant_id,
// application_id, connection_id) of transfers makes a second one impossible,
// even for two moves racing. It returns the application, the stage's
// transfer (nil when the stage has no HR action) and whether this move
// created it, in which case the caller queues its job in the same tx so
// that neither is lost.
func (db *DB) MoveApplicationTx(ctx context.Context, tx *sql.Tx, tenantID, applicationID, stageID, actorID string) (*hrconnect.Application, *hrconnect.Transfer, bool, error) {
	// One query reads the application and checks that the stage belongs to
	// its post's workflow; the error path asks again to say which is wrong.
	var connID string
	row := tx.QueryRowContext(ctx, `SELECT `+prefixColumns("a.", applicationColumns)+`, s.connection_id
		FROM applications a
		JOIN job_posts p ON p.tenant_id = a.tenant_id AND p.id = a.job_post_id
		JOIN stages s ON s.tenant_id = p.tenant_id AND s.workflow_id = p.workflow_id AND s.id = $3
		WHERE a.tenant_id = $1 AND a.id = $2`, tenantID, applicationID, stageID)
	app := &hrconnect.Application{}
	err := row.Scan(&app.TenantID, &app.ID, &app.ApplicantID, &app.JobPostID, &app.StageID,
		timeDest(&app.CreatedAt), timeDest(&app.UpdatedAt), &connID)
	if errors.Is(err, sql.ErrNoRows) {
		a, err := application(ctx, tx, tenantID, applicationID)
		if err != nil {
			return nil, nil, false, err
		}
		return nil, nil, false, stageOfPost(ctx, tx, tenantID, a.JobPostID, stageID)
	} else if err != nil {
		return nil, nil, false, fmt.Errorf("read application: %w", err)
	}
	now := truncTime(db.now())
	if _, err := tx.ExecContext(ctx, `UPDATE applications SET stage_id = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
		tenantID, applicationID, stageID, timeArg(now)); err != nil {
		return nil, nil, false, fmt.Errorf("move application: %w", err)
	}
	app.StageID, app.UpdatedAt = stageID, now
	if connID == "" {
		return app, nil, false, nil
	}

	t := &hrconnect.Transfer{
		ID: newID("trf"), TenantID: tenantID, ApplicationID: applicationID, ApplicantID: app.ApplicantID,
		ConnectionID: connID, ActorID: actorID, State: hrconnect.TransferPending, CreatedAt: now, UpdatedAt: now,
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO transfers (tenant_id, id, application_id, applicant_id, connection_id, actor_id, state, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (tenant_id, application_id, connection_id) DO NOTHING`,
		t.TenantID, t.ID, t.ApplicationID, t.ApplicantID, t.ConnectionID, t.ActorID, t.State, timeArg(now))
	if err != nil {
		return nil, nil, false, fmt.Errorf("create transfer: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, nil, false, fmt.Errorf("create transfer: %w", err)
	} else if n == 1 {
		return app, t, true, nil
	}
	t, err = scanTransfer(tx.QueryRowContext(ctx, `SELECT `+transferColumns+` FROM transfers
		WHERE tenant_id = $1 AND application_id = $2 AND connection_id = $3`, tenantID, applicationID, connID))
	if err != nil {
		return nil, nil, false, fmt.Errorf("read transfer: %w", err)
	}
	return app, t, false, nil
}

// RetryTransferTx puts a failed transfer back to pending inside tx, clearing
// its error, so that the caller can queue its job in the same tx. A transfer
// that has not failed is ECONFLICT: it is running, waiting or done already.
func (db *DB) RetryTransferTx(ctx context.Context, tx *sql.Tx, tenantID, transferID string) (*hrconnect.Transfer, error) {
	now := truncTime(db.now())
	res, err := tx.ExecContext(ctx, `
		UPDATE transfers SET state = $3, last_error = '', resolution = '', finished_at = NULL, updated_at = $4
		WHERE tenant_id = $1 AND id = $2 AND state = $5`,
		tenantID, transferID, hrconnect.TransferPending, timeArg(now), hrconnect.TransferFailed)
	if err != nil {
		return nil, fmt.Errorf("retry transfer: %w", err)
	}
	t, err := scanTransfer(tx.QueryRowContext(ctx, `SELECT `+transferColumns+` FROM transfers WHERE tenant_id = $1 AND id = $2`, tenantID, transferID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, transferNotFound(transferID)
	} else if err != nil {
		return nil, fmt.Errorf("read transfer: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, &hrconnect.Error{Code: hrconnect.ECONFLICT,
			Message:    fmt.Sprintf("The transfer is %s, not failed: there is nothing to retry.", strings.ReplaceAll(string(t.State), "_", " ")),
			Resolution: "Only a failed transfer can be retried; a waiting one resumes by itself."}
	}
	return t, nil
}

// Transfer returns a transfer, or ENOTFOUND.
func (db *DB) Transfer(ctx context.Context, tenantID, id string) (*hrconnect.Transfer, error) {
	t, err := scanTransfer(db.ro.QueryRowContext(ctx, `SELECT `+transferColumns+` FROM transfers WHERE tenant_id = $1 AND id = $2`, tenantID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, transferNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("read transfer: %w", err)
	}
	return t, nil
}

// DefaultTransferLimit is how many transfers Transfers returns when the
// filter sets no limit.
const DefaultTransferLimit = 1000

// Transfers lists the transfers f selects, newest first.
func (db *DB) Transfers(ctx context.Context, f hrconnect.TransferFilter) ([]*hrconnect.Transfer, error) {
	if f.TenantID == "" {
		return nil, hrconnect.Invalid("tenant_id", "Listing transfers needs a tenant.")
	}
	where := []string{"tenant_id = $1"}
	args := []any{f.TenantID}
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ApplicationID != "" {
		add("application_id = $%d", f.ApplicationID)
	}
	if f.ConnectionID != "" {
		add("connection_id = $%d", f.ConnectionID)
	}
	if f.State != "" {
		add("state = $%d", f.State)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultTransferLimit
	}
	args = append(args, limit)
	rows, err := db.ro.QueryContext(ctx, `SELECT `+transferColumns+` FROM transfers WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("list transfers: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list transfers: %w", err)
	}
	return out, nil
}

// UpdateTransfer saves t's state, attempts, record, reply, record ID, error,
// resolution, unsure flag and finish time, and sets its UpdatedAt; when entry
// is not nil it is appended to the transfer's log in the same transaction.
// When the transfer enters succeeded or failed, Hooks.TransferFinished runs
// in that transaction too.
func (db *DB) UpdateTransfer(ctx context.Context, t *hrconnect.Transfer, entry *hrconnect.TransferAttempt) error {
	record, err := jsonArg(t.Record)
	if err != nil {
		return fmt.Errorf("update transfer: %w", err)
	}
	now := truncTime(db.now())
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		afterUpdate, err := db.runTransferHook(ctx, tx, t)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE transfers SET state = $3, attempts = $4, record = $5, reply = $6, zoho_record_id = $7,
				last_error = $8, resolution = $9, insert_unsure = $10, finished_at = $11, updated_at = $12
			WHERE tenant_id = $1 AND id = $2`,
			t.TenantID, t.ID, t.State, t.Attempts, record, t.Reply, t.ZohoRecordID,
			t.LastError, t.Resolution, t.InsertUnsure, timeArg(t.FinishedAt), timeArg(now))
		if err != nil {
			return fmt.Errorf("update transfer: %w", err)
		}
		if err := oneRow(res, "transfer", t.ID); err != nil {
			return err
		}
		if entry != nil {
			entry.TenantID, entry.TransferID = t.TenantID, t.ID
			if err := db.addTransferAttempt(ctx, tx, entry); err != nil {
				return err
			}
		}
		return afterUpdate()
	})
	if err != nil {
		return err
	}
	t.UpdatedAt, t.FinishedAt = now, truncTime(t.FinishedAt)
	return nil
}

// AddTransferAttempt appends a to its transfer's log, assigning its ID, and
// At when zero.
func (db *DB) AddTransferAttempt(ctx context.Context, a *hrconnect.TransferAttempt) error {
	return db.addTransferAttempt(ctx, db.rw, a)
}

func (db *DB) addTransferAttempt(ctx context.Context, q querier, a *hrconnect.TransferAttempt) error {
	at := truncTime(a.At)
	if at.IsZero() {
		at = truncTime(db.now())
	}
	var id int64
	err := q.QueryRowContext(ctx, `
		INSERT INTO transfer_attempts (tenant_id, transfer_id, at, outcome, message)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, a.TenantID, a.TransferID, timeArg(at), a.Outcome, a.Message).Scan(&id)
	if db.dialect.isForeignKeyViolation(err) {
		return transferNotFound(a.TransferID)
	} else if err != nil {
		return fmt.Errorf("add transfer attempt: %w", err)
	}
	a.ID, a.At = id, at
	return nil
}

// TransferAttempts returns a transfer's log, oldest first.
func (db *DB) TransferAttempts(ctx context.Context, tenantID, transferID string) ([]*hrconnect.TransferAttempt, error) {
	rows, err := db.ro.QueryContext(ctx, `
		SELECT id, tenant_id, transfer_id, at, outcome, message FROM transfer_attempts
		WHERE tenant_id = $1 AND transfer_id = $2 ORDER BY id`, tenantID, transferID)
	if err != nil {
		return nil, fmt.Errorf("list transfer attempts: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.TransferAttempt
	for rows.Next() {
		a := &hrconnect.TransferAttempt{}
		if err := rows.Scan(&a.ID, &a.TenantID, &a.TransferID, timeDest(&a.At), &a.Outcome, &a.Message); err != nil {
			return nil, fmt.Errorf("list transfer attempts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list transfer attempts: %w", err)
	}
	return out, nil
}

// ConnectionBlockedUntil returns when the connection's lock-out at the HR
// system ends; zero when none was recorded.
func (db *DB) ConnectionBlockedUntil(ctx context.Context, tenantID, connectionID string) (time.Time, error) {
	var until time.Time
	err := db.ro.QueryRowContext(ctx, `SELECT blocked_until FROM connection_blocks WHERE tenant_id = $1 AND connection_id = $2`,
		tenantID, connectionID).Scan(timeDest(&until))
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	} else if err != nil {
		return time.Time{}, fmt.Errorf("read connection block: %w", err)
	}
	return until, nil
}

// BlockConnection records that the HR system refuses the connection's calls
// until the given time. A later block never shortens one already recorded.
func (db *DB) BlockConnection(ctx context.Context, tenantID, connectionID string, until time.Time, reason string) error {
	now := truncTime(db.now())
	_, err := db.rw.ExecContext(ctx, `
		INSERT INTO connection_blocks (tenant_id, connection_id, blocked_until, reason, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, connection_id) DO UPDATE SET blocked_until = excluded.blocked_until,
			reason = excluded.reason, updated_at = excluded.updated_at
		WHERE connection_blocks.blocked_until < excluded.blocked_until`,
		tenantID, connectionID, timeArg(until), reason, timeArg(now))
	if err != nil {
		return fmt.Errorf("block connection: %w", err)
	}
	return nil
}

// StrandedTransfers returns, across tenants, at most limit transfers that
// are not done, have not changed since before, and have no unfinished River
// job: their job was discarded (River gave up, say after a process died in
// it attempt after attempt) or deleted. Nothing would ever run them again;
// the onboarding service's reconcile job queues them anew. It serves
// hrconnect's own upkeep, never a person.
func (db *DB) StrandedTransfers(ctx context.Context, before time.Time, limit int) ([]*hrconnect.Transfer, error) {
	// River keeps a job's args as JSON: JSONB on PostgreSQL, SQLite's
	// binary JSON in a BLOB.
	transferID := `j.args->>'transfer_id'`
	if db.dialect.name == DriverSQLite {
		transferID = `json_extract(j.args, '$.transfer_id')`
	}
	rows, err := db.ro.QueryContext(ctx, `SELECT `+prefixColumns("t.", transferColumns)+` FROM transfers t
		WHERE t.state NOT IN ($1, $2) AND t.updated_at < $3
		AND NOT EXISTS (SELECT 1 FROM river_job j WHERE j.kind = 'transfer'
			AND j.state NOT IN ('completed', 'cancelled', 'discarded') AND `+transferID+` = t.id)
		ORDER BY t.updated_at LIMIT $4`,
		hrconnect.TransferSucceeded, hrconnect.TransferFailed, timeArg(before), limit)
	if err != nil {
		return nil, fmt.Errorf("list stranded transfers: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, fmt.Errorf("list stranded transfers: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list stranded transfers: %w", err)
	}
	return out, nil
}
