package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/sqlstore"
)

type pingArgs struct {
	TenantID string `json:"tenant_id"`
}

func (pingArgs) Kind() string { return "sqlstore_test_ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	worked chan string
}

func (w *pingWorker) Work(ctx context.Context, job *river.Job[pingArgs]) error {
	w.worked <- job.Args.TenantID
	return nil
}

// TestRiver: a River client starts on both databases; a job inserted with
// InsertTx in our transaction, beside our own write, is worked; a
// transaction rolled back leaves neither the write nor the job.
func TestRiver(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		db, _, _ := b.open(t)
		ctx := testContext(t)

		w := &pingWorker{worked: make(chan string, 10)}
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		client, err := db.NewRiverClient(&river.Config{
			Logger:  slog.New(slog.DiscardHandler),
			Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
			Workers: workers,
		})
		must(t, err)
		must(t, client.Start(ctx))
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := client.Stop(ctx); err != nil {
				t.Errorf("stop River: %v", err)
			}
		})

		// Committed: our row and the job, together.
		const committed = "ten_committed"
		err = db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)`,
				committed, "Committed", time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				return err
			}
			_, err := client.InsertTx(ctx, tx, pingArgs{TenantID: committed}, nil)
			return err
		})
		must(t, err)
		start := time.Now()
		select {
		case got := <-w.worked:
			t.Logf("worked %s after the commit", time.Since(start))
			if got != committed {
				t.Fatalf("worked job for %q", got)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the job inserted with InsertTx was not worked within 15s")
		}
		if _, err := db.Tenant(ctx, committed); err != nil {
			t.Errorf("the transaction's own write: %v", err)
		}

		// Rolled back: neither.
		const rolledBack = "ten_rolled_back"
		boom := errors.New("changed my mind")
		err = db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)`,
				rolledBack, "Rolled back", time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
				return err
			}
			if _, err := client.InsertTx(ctx, tx, pingArgs{TenantID: rolledBack}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want %v", err, boom)
		}
		_, err = db.Tenant(ctx, rolledBack)
		wantCode(t, err, hrconnect.ENOTFOUND)
		jobs, err := client.JobList(ctx, river.NewJobListParams().Kinds(pingArgs{}.Kind()))
		must(t, err)
		if len(jobs.Jobs) != 1 {
			t.Errorf("%d jobs in River's table, want only the committed one", len(jobs.Jobs))
		}
		select {
		case got := <-w.worked:
			t.Errorf("a job was worked after the rollback: %q", got)
		case <-time.After(3 * sqlstore.RiverFetchPollInterval):
		}
	})
}
