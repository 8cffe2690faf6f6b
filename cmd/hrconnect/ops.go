package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"hrconnect/internal/ops"
)

// opsConfig is serve's settings for operators: metrics and shutdown.
type opsConfig struct {
	metricsToken  string
	shutdownGrace time.Duration
}

// opsEnvs are the environment variables of opsConfig's flags.
var opsEnvs = map[string]string{
	"metrics-token":  "HRCONNECT_METRICS_TOKEN",
	"shutdown-grace": "HRCONNECT_SHUTDOWN_GRACE",
}

func (c *opsConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.metricsToken, "metrics-token", "", "bearer `token` that GET /metrics then requires (Authorization: Bearer …); empty serves\n      the metrics to anyone who reaches the port")
	fs.DurationVar(&c.shutdownGrace, "shutdown-grace", 10*time.Second, "on SIGTERM, how long in-flight requests and jobs get to finish before running jobs\n      are cancelled and returned to the queue")
}

// check refuses settings that cannot work.
func (c *opsConfig) check() error {
	if c.shutdownGrace <= 0 {
		return fmt.Errorf("--shutdown-grace %s must be positive, such as 30s: it is how long running jobs get to finish on SIGTERM", c.shutdownGrace)
	}
	if c.metricsToken != "" && len(c.metricsToken) < 16 {
		return fmt.Errorf("--metrics-token must be at least 16 characters (a random string, such as the output of: openssl rand -hex 16)")
	}
	return nil
}

// opsHandler serves /healthz, /readyz and /metrics beside the app, before
// its sign-in and first-run redirect, and puts the request middleware (IDs,
// latency) around everything.
func opsHandler(db ops.Store, m *ops.Metrics, metricsToken string, app http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", ops.Healthz)
	mux.Handle("GET /readyz", ops.Readyz(db))
	mux.Handle("GET /metrics", m.Handler(metricsToken))
	mux.Handle("/", app)
	return ops.Middleware(m, mux)
}

// stopper is the part of River's client that shutdown uses.
type stopper interface {
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// cancelMargin is how long jobs get, once cancelled after the grace period,
// to return (River then puts them back in the queue, to be retried).
const cancelMargin = 5 * time.Second

// sideMargin is how long the servers started before the app (the sandbox)
// get to finish their requests once the jobs have stopped.
const sideMargin = time.Second

// shutdown stops serve in the order that loses nothing, within grace plus
// cancelMargin plus sideMargin at most:
//
//  1. the app's server (the last of servers) stops taking requests and
//     finishes those in flight;
//  2. River fetches no more jobs and waits for the running ones, for what
//     is left of grace; then it cancels them, and a cancelled job returns to
//     the queue (a transfer whose insert may have reached Zoho
//     is marked unsure, and its retry looks before it inserts again);
//  3. the other servers (the sandbox, which running jobs may still call).
//
// A server whose requests outlast the grace period is closed; that is the
// period's purpose, not a failure, so shutdown returns nothing to exit on.
func shutdown(log *slog.Logger, grace time.Duration, servers []*http.Server, jobs stopper) {
	graceCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	stopServer := func(ctx context.Context, srv *http.Server) {
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("requests still running after their time to finish; closing their connections", "addr", srv.Addr, "err", err)
			srv.Close()
		}
	}
	if n := len(servers); n > 0 {
		stopServer(graceCtx, servers[n-1])
		servers = servers[:n-1]
	}
	if err := jobs.Stop(graceCtx); err != nil {
		log.Warn("jobs still running after the grace period; cancelling them, to be retried", "err", err)
		cancelCtx, cancelJobs := context.WithTimeout(context.Background(), cancelMargin)
		defer cancelJobs()
		if err := jobs.StopAndCancel(cancelCtx); err != nil {
			// River's rescuer returns a job left running to the queue.
			log.Error("jobs did not return after being cancelled; River will retry them once they count as stuck", "err", err)
		}
	}
	lastCtx, cancelLast := context.WithTimeout(context.Background(), sideMargin)
	defer cancelLast()
	for _, srv := range servers {
		stopServer(lastCtx, srv)
	}
	log.Info("stopped")
}
