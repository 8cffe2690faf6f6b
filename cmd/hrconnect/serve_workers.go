package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"hrconnect/onboard"
)

// workerConfig is serve's settings of the background workers and of the
// transfers to Zoho People.
type workerConfig struct {
	// workers is how many jobs run at once in this process.
	workers int
	// insertsPerMinute paces each connection's inserts; 0 turns pacing off.
	insertsPerMinute float64
	// rescueAfter is how long a job may stay running before River takes it
	// for abandoned (its process died) and runs it again.
	rescueAfter time.Duration
	// replicaID names this process among the replicas sharing a database:
	// River's client ID (in its job rows' attempted_by and its leader
	// election) and the "replica" of every log line.
	replicaID string
	// reconcileEvery is how often the elected leader queues the reconcile
	// job (transfers whose job was lost are queued again).
	reconcileEvery time.Duration
}

// workerEnvs are the environment variables of workerConfig's flags.
var workerEnvs = map[string]string{
	"workers":            "HRCONNECT_WORKERS",
	"inserts-per-minute": "HRCONNECT_INSERTS_PER_MINUTE",
	"rescue-after":       "HRCONNECT_RESCUE_AFTER",
	"replica-id":         "HRCONNECT_REPLICA_ID",
	"reconcile-every":    "HRCONNECT_RECONCILE_EVERY",
}

// defaultReplicaID is hostname-pid: unique among the processes running at
// once, and telling an operator which machine and process did a job.
func defaultReplicaID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "hrconnect"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// longestJob is the longest a job of serve's may run by default: a
// transfer's timeout (onboard's MaxPaceWait of 5 s plus a minute for the
// calls).
const longestJob = 65 * time.Second

func (c *workerConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&c.workers, "workers", 10, "`number` of background jobs (transfers to Zoho People among them) run at once by this process")
	fs.Float64Var(&c.insertsPerMinute, "inserts-per-minute", 95, "`rate` of Zoho People inserts per connection, a little under Zoho's 100 a minute per organisation;\n"+
		"      with several replicas, divide by their number; 0 turns pacing off (only for a sandbox with its limits off)")
	fs.DurationVar(&c.rescueAfter, "rescue-after", 5*time.Minute, "`duration` a job may stay running before it is taken for abandoned by a process that died\n"+
		"      (killed, crashed, power lost) and run again; below "+longestJob.String()+" (a transfer's time)\n"+
		"      it also cuts the time a transfer may take")
	fs.StringVar(&c.replicaID, "replica-id", defaultReplicaID(), "`name` of this replica among those sharing the database, unique among the running ones:\n"+
		"      the background workers' ID in the job rows and in leader election, and \"replica\" in every log line")
	fs.DurationVar(&c.reconcileEvery, "reconcile-every", onboard.StrandedAfter, "`duration` between two runs of the job that queues again the transfers whose job was lost\n"+
		"      (run by one replica, the elected leader)")
}

// check refuses settings that cannot work, saying which flag to change.
func (c *workerConfig) check() error {
	if c.workers < 1 || c.workers > 1000 {
		return fmt.Errorf("--workers %d: give between 1 and 1000 jobs at once", c.workers)
	}
	if c.insertsPerMinute < 0 {
		return fmt.Errorf("--inserts-per-minute %g: give a positive rate (Zoho People's threshold is 100 a minute per organisation), or 0 to turn pacing off", c.insertsPerMinute)
	}
	if c.rescueAfter < time.Second {
		return fmt.Errorf("--rescue-after %s: give at least 1s, and normally more than the longest job (%s), e.g. 5m", c.rescueAfter, longestJob)
	}
	if id := strings.TrimSpace(c.replicaID); id == "" || len(id) > 100 || id != c.replicaID {
		return fmt.Errorf("--replica-id %q: give a name of 1 to 100 characters without surrounding spaces, unique among the replicas, e.g. web-1", c.replicaID)
	}
	if c.reconcileEvery < time.Second {
		return fmt.Errorf("--reconcile-every %s: give at least 1s; the default, %s, suits production", c.reconcileEvery, onboard.StrandedAfter)
	}
	return nil
}

// onboard returns the onboarding settings. River rescues a job only once
// both the rescue threshold and the job's own timeout have passed, so a
// threshold below a transfer's default time cuts that time to it (and the
// wait for an insert slot to a quarter of it): else it would not be the
// threshold.
func (c *workerConfig) onboard(log *slog.Logger) onboard.Config {
	cfg := onboard.Config{InsertsPerMinute: c.insertsPerMinute, Logger: log}
	if c.insertsPerMinute == 0 {
		cfg.InsertsPerMinute = -1 // off, in onboard's terms
	}
	if c.rescueAfter < longestJob {
		cfg.JobTimeout = c.rescueAfter
		cfg.MaxPaceWait = min(5*time.Second, c.rescueAfter/4)
	}
	return cfg
}

// jobTimeout is River's JobTimeout for jobs without their own: its default
// minute, or the rescue threshold when that is shorter (River requires it).
// Transfer jobs set their own timeout.
func (c *workerConfig) jobTimeout() time.Duration {
	return min(time.Minute, c.rescueAfter)
}
