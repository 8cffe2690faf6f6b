// Package benchseed fills a database with many connections and transfers
// through the stores, for the benchmarks and the memory figures of
// docs/BENCHMARKS.md. The connections are store rows with sealed
// credentials and a cached token, not connections Zoho knows: nothing in a
// seeded database calls Zoho (every connection was refreshed just now, so
// the idle check leaves them alone, and every transfer has succeeded).
package benchseed

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hrconnect"
	"hrconnect/sqlstore"
)

// Plan is how much to create.
type Plan struct {
	Connections int
	Transfers   int
	// Workers is how many goroutines write at once on PostgreSQL (SQLite
	// has one writer); 0 means 4.
	Workers int
}

// Seeded is what Seed created.
type Seeded struct {
	Tenant *hrconnect.Tenant
	Owner  *hrconnect.User
	// Connections are the IDs of the connections, in creation order.
	Connections []string
	// HRConnection is the connection the transfers went to.
	HRConnection string
	Took         time.Duration
}

// batch is how many transfers one transaction creates.
const batch = 500

// Seed creates a tenant with p.Connections connections, each with a cached
// token, and p.Transfers succeeded transfers of as many applicants.
func Seed(ctx context.Context, db *sqlstore.DB, p Plan) (*Seeded, error) {
	if p.Connections < 1 || p.Transfers < 0 {
		return nil, hrconnect.Invalid("connections", "Seeding needs at least one connection (the transfers go to the first) and no negative count.")
	}
	workers := p.Workers
	if workers <= 0 {
		workers = 4
	}
	if db.Driver() == sqlstore.DriverSQLite {
		workers = 1
	}
	start := time.Now()
	s := &Seeded{Tenant: &hrconnect.Tenant{Name: "Benchmark"}}
	if err := db.CreateTenant(ctx, s.Tenant); err != nil {
		return nil, err
	}
	s.Owner = &hrconnect.User{TenantID: s.Tenant.ID, Email: "owner@bench.example", Name: "Owner"}
	if err := db.CreateUser(ctx, s.Owner); err != nil {
		return nil, err
	}
	s.Connections = make([]string, p.Connections)
	err := parallel(workers, p.Connections, func(i int) error {
		now := time.Now()
		c := &hrconnect.Connection{TenantID: s.Tenant.ID, OwnerID: s.Owner.ID, Name: fmt.Sprintf("People %05d", i),
			LinkName: fmt.Sprintf("people_%05d", i), Service: hrconnect.ServiceZohoPeople, DataCentre: "eu",
			Scopes: []string{"ZOHOPEOPLE.forms.ALL"}, LastRefreshAt: now}
		if err := db.CreateConnection(ctx, c, &hrconnect.Credentials{ClientSecret: "bench-secret", RefreshToken: "1000.bench-refresh"}); err != nil {
			return err
		}
		s.Connections[i] = c.ID
		k := hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
		_, err := db.LockToken(ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
			return &hrconnect.Token{AccessToken: "1000.bench-access", Expiry: now.Add(time.Hour), Generation: 1}, nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("seed connections: %w", err)
	}
	s.HRConnection = s.Connections[0]
	if p.Transfers > 0 {
		if err := seedTransfers(ctx, db, s, p.Transfers, workers); err != nil {
			return nil, fmt.Errorf("seed transfers: %w", err)
		}
	}
	s.Took = time.Since(start)
	return s, nil
}

func seedTransfers(ctx context.Context, db *sqlstore.DB, s *Seeded, n, workers int) error {
	tid := s.Tenant.ID
	wf := &hrconnect.Workflow{TenantID: tid, Name: "Engineering", Stages: []*hrconnect.Stage{
		{Name: "Applied"}, {Name: "Hired", ConnectionID: s.HRConnection}}}
	if err := db.CreateWorkflow(ctx, wf); err != nil {
		return err
	}
	post := &hrconnect.JobPost{TenantID: tid, Title: "Engineer", WorkflowID: wf.ID}
	if err := db.CreateJobPost(ctx, post); err != nil {
		return err
	}
	applied, hired := wf.Stages[0].ID, wf.Stages[1].ID
	// A batch of hires a transaction: the applicants and their applications
	// are written as rows (the store writes each in a transaction of its
	// own, which at 100,000 would take minutes for the fsyncs alone), then
	// moved to Hired by the store, which creates each transfer; the
	// transfers are then marked succeeded, as if their jobs had run.
	now := time.Now().UTC().Format(timeFormat)
	batches := (n + batch - 1) / batch
	return parallel(workers, batches, func(b int) error {
		return db.InTx(ctx, func(tx *sql.Tx) error {
			ids := make([]string, 0, batch)
			for i := b * batch; i < min((b+1)*batch, n); i++ {
				applicant, app := fmt.Sprintf("A%06d", i), fmt.Sprintf("apn_bench%06d", i)
				if _, err := tx.ExecContext(ctx, `INSERT INTO applicants (tenant_id, applicant_id, first_name, surname, email, start_date, created_at, updated_at)
					VALUES ($1, $2, 'Bench', $3, $4, '2026-01-05', $5, $5)`, tid, applicant, fmt.Sprintf("Hire %d", i), fmt.Sprintf("hire.%d@bench.example", i), now); err != nil {
					return fmt.Errorf("insert applicant: %w", err)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO applications (tenant_id, id, applicant_id, job_post_id, stage_id, created_at, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $6)`, tid, app, applicant, post.ID, applied, now); err != nil {
					return fmt.Errorf("insert application: %w", err)
				}
				_, t, _, err := db.MoveApplicationTx(ctx, tx, tid, app, hired, s.Owner.ID)
				if err != nil {
					return err
				}
				ids = append(ids, t.ID)
			}
			args := []any{hrconnect.TransferSucceeded, tid}
			marks := make([]string, len(ids))
			for i, id := range ids {
				args = append(args, id)
				marks[i] = fmt.Sprintf("$%d", i+3)
			}
			_, err := tx.ExecContext(ctx, `UPDATE transfers SET state = $1 WHERE tenant_id = $2 AND id IN (`+strings.Join(marks, ", ")+`)`, args...)
			return err
		})
	})
}

// timeFormat is the store's text form of a time (sqlstore's timeFormat):
// it sorts as it compares on SQLite and parses as TIMESTAMPTZ on PostgreSQL.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// parallel runs fn(0) … fn(n-1) on workers goroutines and returns the first
// error; after an error no new call starts.
func parallel(workers, n int, fn func(i int) error) error {
	var (
		next    atomic.Int64
		once    sync.Once
		first   error
		wg      sync.WaitGroup
		stopped atomic.Bool
	)
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n && !stopped.Load(); i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; stopped.Store(true) })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
