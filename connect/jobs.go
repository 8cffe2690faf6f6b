package connect

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
)

// IdleAfter is how long a connection may go without a token refresh before
// the periodic check refreshes it, to find a revoked refresh token before a
// hire needs the connection.
const IdleAfter = 24 * time.Hour

// CheckIdleArgs is the periodic job that checks idle connections.
type CheckIdleArgs struct{}

// Kind is the job's stable name in River's tables.
func (CheckIdleArgs) Kind() string { return "connections_check_idle" }

// CheckIdleWorker runs CheckIdleArgs jobs.
type CheckIdleWorker struct {
	river.WorkerDefaults[CheckIdleArgs]
	Service *Service
	Tenants hrconnect.TenantStore
}

// Work checks every tenant's connections that have been idle for IdleAfter.
func (w *CheckIdleWorker) Work(ctx context.Context, _ *river.Job[CheckIdleArgs]) error {
	tenants, err := w.Tenants.Tenants(ctx)
	if err != nil {
		return err
	}
	var checked, broken int
	for _, t := range tenants {
		c, b, err := w.Service.CheckIdle(ctx, t.ID, IdleAfter)
		if err != nil {
			return fmt.Errorf("check idle connections of tenant %s: %w", t.ID, err)
		}
		checked, broken = checked+c, broken+b
	}
	w.Service.log.Info("checked idle connections", "tenants", len(tenants), "checked", checked, "needs_reconnect", broken)
	return nil
}

// PeriodicJobs returns the connections' periodic jobs. River runs them on the
// elected leader only, so several replicas check each connection once.
func PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CheckIdleArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}
}
