// Package onboard creates hires as employees in Zoho People, exactly once:
// moving an application into a stage linked to an HR connection creates a
// transfer and its River job in one transaction, and TransferWorker maps,
// checks and sends the record, sorting every failure into "retry later",
// "wait for a reconnect", "wait out a lock-out" or "a person must act".
//
// docs/onboarding.md describes the flow and the reasons behind it.
package onboard

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/zoho"
)

// Store is what onboarding needs from the database: the domain's stores,
// and transactions that River's InsertTx can join. *sqlstore.DB implements it.
type Store interface {
	hrconnect.OnboardStore
	ImportStore
	Connection(ctx context.Context, tenantID, id string) (*hrconnect.Connection, error)
	// InTx runs fn in one write transaction.
	InTx(ctx context.Context, fn func(tx *sql.Tx) error) error
	// MoveApplicationTx moves an application inside tx and creates the
	// stage's transfer unless one exists; created says whether it did.
	MoveApplicationTx(ctx context.Context, tx *sql.Tx, tenantID, applicationID, stageID, actorID string) (app *hrconnect.Application, t *hrconnect.Transfer, created bool, err error)
	// RetryTransferTx puts a failed transfer back to pending inside tx.
	RetryTransferTx(ctx context.Context, tx *sql.Tx, tenantID, transferID string) (*hrconnect.Transfer, error)
	// StrandedTransfers lists, across tenants, transfers not done, unchanged
	// since before, and without an unfinished job.
	StrandedTransfers(ctx context.Context, before time.Time, limit int) ([]*hrconnect.Transfer, error)
}

// DefaultMaxAttempts is Config.MaxAttempts when left zero.
const DefaultMaxAttempts = 50

// Config tunes the service. Zero fields take the defaults shown.
type Config struct {
	// InsertsPerMinute paces each connection's inserts (95: a little under
	// Zoho People's 100 a minute per organisation). Negative turns pacing off.
	InsertsPerMinute float64
	// Burst is how many inserts may go at once before pacing starts (1).
	// Above the threshold's slack it would let a minute hold more than 100.
	Burst int
	// MaxPaceWait is the longest a worker waits for its connection's next
	// insert slot (5 s); a job further back in line snoozes instead of
	// holding a worker that other connections' transfers could use.
	MaxPaceWait time.Duration
	// ReconnectWait is how long a transfer first waits for its connection to
	// be reconnected before looking again (1 min); each look doubles it, up
	// to ReconnectWaitMax (15 min).
	ReconnectWait    time.Duration
	ReconnectWaitMax time.Duration
	// MaxSnooze caps every wait (15 min), so that a waiting transfer looks
	// again at least this often: the clock that lock-outs are measured by
	// may run ahead of River's (tests drive it).
	MaxSnooze time.Duration
	// RetryBackoff is the wait after a passing failure such as HTTP 5xx
	// (2 s), doubling with each attempt up to RetryBackoffMax (15 min).
	RetryBackoff    time.Duration
	RetryBackoffMax time.Duration
	// JobTimeout bounds one attempt of a transfer, the wait for an insert
	// slot included (MaxPaceWait plus a minute for the calls). River's
	// rescue threshold (RescueStuckJobsAfter) must be at least this: River
	// rescues a job whose process died only once both have passed.
	JobTimeout time.Duration
	// MaxAttempts is how many failed attempts a transfer gets before it is
	// marked failed (50; with the backoff above, about half a day). Waiting
	// for a reconnect or a lock-out spends none.
	MaxAttempts int
	// Queue is the River queue of transfer jobs (River's default queue).
	Queue string
	// Now is the clock of lock-outs and pacing (time.Now); tests use the
	// sandbox's.
	Now func() time.Time
	// Logger receives the service's log lines; never secrets or personal data.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.InsertsPerMinute == 0 {
		c.InsertsPerMinute = 95
	}
	if c.Burst <= 0 {
		c.Burst = 1
	}
	def(&c.MaxPaceWait, 5*time.Second)
	def(&c.JobTimeout, c.MaxPaceWait+time.Minute)
	def(&c.ReconnectWait, time.Minute)
	def(&c.ReconnectWaitMax, 15*time.Minute)
	def(&c.MaxSnooze, 15*time.Minute)
	def(&c.RetryBackoff, 2*time.Second)
	def(&c.RetryBackoffMax, 15*time.Minute)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Queue == "" {
		c.Queue = river.QueueDefault
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Service moves applications, queues and retries transfers, and holds what
// TransferWorker needs.
type Service struct {
	store  Store
	tokens *connect.Manager
	zoho   *zoho.Client
	river  *river.Client[*sql.Tx]
	cfg    Config
	pace   *pacer
	log    *slog.Logger
}

// NewService returns the onboarding service. Register its workers with
// river.AddWorker(workers, svc.Worker()) and svc.ReconcileWorker(), create
// the River client with those workers and PeriodicJobs, and hand the client
// over with SetRiver before moving applications.
func NewService(store Store, tokens *connect.Manager, zc *zoho.Client, cfg Config) *Service {
	cfg.setDefaults()
	return &Service{store: store, tokens: tokens, zoho: zc, cfg: cfg,
		pace: newPacer(cfg.InsertsPerMinute, cfg.Burst, cfg.Now), log: cfg.Logger}
}

// SetRiver sets the River client that transfer jobs are inserted with. The
// client's workers include the service's Worker, which needs the service
// first; hence this second step. Call it once, before any other method.
func (s *Service) SetRiver(c *river.Client[*sql.Tx]) { s.river = c }

// Worker returns the worker of transfer jobs.
func (s *Service) Worker() *TransferWorker { return &TransferWorker{svc: s} }

// MoveApplication moves an application to a stage. When the stage is linked
// to an HR connection, the transfer and its job are inserted in the same
// transaction as the move, so a crash can lose neither. Moving into a linked
// stage again never creates a second transfer; it restarts the existing one
// if it failed (after a person fixed the applicant), and leaves it alone
// otherwise. It returns the stage's transfer, nil when the stage has none.
func (s *Service) MoveApplication(ctx context.Context, tenantID, applicationID, stageID string) (*hrconnect.Transfer, error) {
	return s.MoveApplicationBy(ctx, tenantID, applicationID, stageID, "")
}

// MoveApplicationBy is MoveApplication done by user actorID, who is
// recorded with the transfer; a per-user connection ("use credentials of
// login user") then sends it with that user's credentials.
func (s *Service) MoveApplicationBy(ctx context.Context, tenantID, applicationID, stageID, actorID string) (*hrconnect.Transfer, error) {
	if s.river == nil {
		return nil, errors.New("onboard: MoveApplication before SetRiver")
	}
	var out *hrconnect.Transfer
	err := s.store.InTx(ctx, func(tx *sql.Tx) error {
		_, t, created, err := s.store.MoveApplicationTx(ctx, tx, tenantID, applicationID, stageID, actorID)
		if err != nil || t == nil {
			return err
		}
		if !created && t.State == hrconnect.TransferFailed {
			if t, err = s.store.RetryTransferTx(ctx, tx, tenantID, t.ID); err != nil {
				return err
			}
			created = true
		}
		if created {
			if err := s.enqueue(ctx, tx, t); err != nil {
				return err
			}
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("move application %s: %w", applicationID, err)
	}
	return out, nil
}

// Retry restarts a failed transfer, after a person fixed what its error
// said: it resets its state and queues a new job, in one transaction.
func (s *Service) Retry(ctx context.Context, tenantID, transferID string) (*hrconnect.Transfer, error) {
	if s.river == nil {
		return nil, errors.New("onboard: Retry before SetRiver")
	}
	var out *hrconnect.Transfer
	err := s.store.InTx(ctx, func(tx *sql.Tx) error {
		t, err := s.store.RetryTransferTx(ctx, tx, tenantID, transferID)
		if err != nil {
			return err
		}
		out = t
		return s.enqueue(ctx, tx, t)
	})
	if err != nil {
		return nil, fmt.Errorf("retry transfer %s: %w", transferID, err)
	}
	return out, nil
}

func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, t *hrconnect.Transfer) error {
	_, err := s.river.InsertTx(ctx, tx, TransferArgs{TenantID: t.TenantID, TransferID: t.ID},
		&river.InsertOpts{Queue: s.cfg.Queue, MaxAttempts: s.cfg.MaxAttempts})
	if err != nil {
		return fmt.Errorf("queue transfer job: %w", err)
	}
	return nil
}

// SelectHRConnection chooses the HR connection of a job post, refusing a
// connection that is not linked to a stage of the post's workflow.
func (s *Service) SelectHRConnection(ctx context.Context, tenantID, postID, connectionID string) error {
	p, err := s.store.JobPost(ctx, tenantID, postID)
	if err != nil {
		return err
	}
	w, err := s.store.Workflow(ctx, tenantID, p.WorkflowID)
	if err != nil {
		return err
	}
	c, err := s.store.Connection(ctx, tenantID, connectionID)
	if err != nil {
		return err
	}
	if err := hrconnect.CanSelectHRConnection(w, c); err != nil {
		return err
	}
	return s.store.SetJobPostHRConnection(ctx, tenantID, postID, connectionID)
}

// SetFieldMapping checks and saves a connection's field mapping. Transfers
// already failed for a mapping problem need a retry once it is fixed.
func (s *Service) SetFieldMapping(ctx context.Context, m *hrconnect.FieldMapping) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if _, err := s.store.Connection(ctx, m.TenantID, m.ConnectionID); err != nil {
		return err
	}
	return s.store.SetFieldMapping(ctx, m)
}

// Preview is the exact record a transfer sends: the form, the fields in
// order, and the flags. It holds no password: with IsDirectAdd hrconnect
// sends a random one it never keeps.
type Preview struct {
	Form        string
	Fields      []zoho.Field
	IsDirectAdd bool
	IsNonUser   bool
}

// Preview returns the record that transferring the applicant to the
// connection would send now, or the error that would fail the transfer.
func (s *Service) Preview(ctx context.Context, tenantID, applicantID, connectionID string) (*Preview, error) {
	a, err := s.store.Applicant(ctx, tenantID, applicantID)
	if err != nil {
		return nil, err
	}
	m, err := s.store.FieldMapping(ctx, tenantID, connectionID)
	if err != nil {
		return nil, err
	}
	fields, err := Map(a, m)
	if err != nil {
		return nil, err
	}
	return &Preview{Form: m.Form, Fields: fields, IsDirectAdd: m.IsDirectAdd, IsNonUser: m.IsNonUser}, nil
}
