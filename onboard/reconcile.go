package onboard

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// StrandedAfter is how long a transfer that is not done may go unchanged
// without a job before the reconcile job queues it again.
const StrandedAfter = 10 * time.Minute

// ReconcileArgs is the periodic job that queues again the transfers whose
// job was lost.
type ReconcileArgs struct{}

// Kind is the job's stable name in River's tables.
func (ReconcileArgs) Kind() string { return "transfers_reconcile" }

// ReconcileWorker runs ReconcileArgs jobs. Create it with
// Service.ReconcileWorker.
type ReconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	svc *Service
}

// Work queues a new job for every stranded transfer.
func (w *ReconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	n, err := w.svc.Reconcile(ctx, time.Now().Add(-StrandedAfter))
	if n > 0 {
		w.svc.log.Warn("queued stranded transfers again", "transfers", n)
	}
	return err
}

// ReconcileWorker returns the worker of the reconcile job.
func (s *Service) ReconcileWorker() *ReconcileWorker { return &ReconcileWorker{svc: s} }

// Reconcile queues a new job for each transfer that is not done, unchanged
// since before, and without an unfinished job, and returns how many it
// queued. Should a lost job turn up again after all, the two attempts
// cannot make two employees: the later insert meets Zoho's 7051 and links.
func (s *Service) Reconcile(ctx context.Context, before time.Time) (int, error) {
	if s.river == nil {
		return 0, fmt.Errorf("onboard: Reconcile before SetRiver")
	}
	list, err := s.store.StrandedTransfers(ctx, before, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range list {
		if err := s.store.InTx(ctx, func(tx *sql.Tx) error { return s.enqueue(ctx, tx, t) }); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PeriodicJobs returns onboarding's periodic jobs; River runs them on the
// elected leader only.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{ReconcileJob(StrandedAfter)}
}

// ReconcileJob returns the periodic reconcile job, queued every interval
// (and when a replica becomes the leader). PeriodicJobs queues it every
// StrandedAfter; a shorter interval finds lost jobs no sooner than
// StrandedAfter after their transfer's last change, only more often.
func ReconcileJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
