package sqlstore

import (
	"context"
	"fmt"
)

// The queries behind /readyz and /metrics. They read through the read pool,
// so that on SQLite a long write transaction does not make a replica look
// unready, and they count across every tenant: operators see totals, never
// a tenant's figures.

// CheckDatabase runs a trivial query: the database is reachable and answers.
func (db *DB) CheckDatabase(ctx context.Context) error {
	var one int
	if err := db.ro.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("database did not answer: %w", err)
	}
	return nil
}

// CheckQueue reads River's job table: the queue's tables exist (migrations
// ran) and can be read.
func (db *DB) CheckQueue(ctx context.Context) error {
	var n int
	if err := db.ro.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM river_job LIMIT 1) AS j`).Scan(&n); err != nil {
		return fmt.Errorf("River's job table cannot be read: %w", err)
	}
	return nil
}

// TransferCounts returns how many transfers are in each state, over every
// tenant.
func (db *DB) TransferCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT state, count(*) FROM transfers GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count transfers: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count transfers: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

// QueueCount is how many of River's jobs of one kind are in one state.
type QueueCount struct {
	Kind  string
	State string
	Count int64
}

// QueueDepth counts River's jobs that are waiting or running (available,
// running, retryable, scheduled), by kind and state. Finished jobs
// (completed, cancelled, discarded) are not counted: they are history, not
// depth.
func (db *DB) QueueDepth(ctx context.Context) ([]QueueCount, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable', 'scheduled') GROUP BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count River jobs: %w", err)
	}
	defer rows.Close()
	var out []QueueCount
	for rows.Next() {
		var c QueueCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			return nil, fmt.Errorf("count River jobs: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
