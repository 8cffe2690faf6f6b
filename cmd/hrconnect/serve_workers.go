package main

import (
	"flag"
	"fmt"
	"log/slog"
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
}

// workerEnvs are the environment variables of workerConfig's flags.
var workerEnvs = map[string]string{
	"workers":            "HRCONNECT_WORKERS",
	"inserts-per-minute": "HRCONNECT_INSERTS_PER_MINUTE",
	"rescue-after":       "HRCONNECT_RESCUE_AFTER",
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
