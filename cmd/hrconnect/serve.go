package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"hrconnect/api"
	"hrconnect/connect"
	"hrconnect/internal/logging"
	"hrconnect/internal/ops"
	"hrconnect/onboard"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/web"
	"hrconnect/webhook"
	"hrconnect/zoho"
)

func init() {
	register(command{
		name:    "serve",
		summary: "run the web app, the REST API and the background workers (--sandbox: with an offline Zoho)",
		run:     runServe,
	})
}

// serveConfig is serve's own settings, besides the store's.
type serveConfig struct {
	addr    string
	baseURL string
	sandbox bool
	ops     opsConfig
	// sandboxURL is a running "hrconnect sandbox" to use as every data centre.
	sandboxURL string
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var sc storeConfig
	var cfg serveConfig
	var wc workerConfig
	envs := withEnvs(map[string]string{"addr": "HRCONNECT_ADDR", "base-url": "HRCONNECT_BASE_URL", "sandbox": "HRCONNECT_SANDBOX",
		"zoho-sandbox": "HRCONNECT_ZOHO_SANDBOX_URL"})
	for k, v := range opsEnvs {
		envs[k] = v
	}
	for k, v := range workerEnvs {
		envs[k] = v
	}
	fs := newFlagSet("serve",
		"Runs the web app and the REST API (/api/v1/) on --addr, and the background workers.\n"+
			"With --sandbox, a stand-in for Zoho runs in the same process on a loopback port of its own, and every\n"+
			"data centre offered is the sandbox's: the whole path, from the API Console to a connected integration,\n"+
			"works offline. With --zoho-sandbox URL, every data centre is an \"hrconnect sandbox\" already running at URL,\n"+
			"which outlives serve (restarts, crash tests).",
		stderr, envs)
	sc.register(fs)
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	fs.StringVar(&cfg.baseURL, "base-url", "", "`URL` people reach hrconnect at, for the OAuth redirect URI {base}/oauth/zoho/callback\n      and Secure cookies when https; default http://ADDR")
	fs.BoolVar(&cfg.sandbox, "sandbox", false, "also run the Zoho sandbox and use it as every data centre (offline demos and trials)")
	fs.StringVar(&cfg.sandboxURL, "zoho-sandbox", "", "`URL` of a running \"hrconnect sandbox\" (http://127.0.0.1:9090) to use as every data centre")
	cfg.ops.register(fs)
	wc.register(fs)
	if err := parseFlags(fs, args, envs); err != nil {
		return err
	}
	if cfg.sandbox && cfg.sandboxURL != "" {
		return errors.New("--sandbox and --zoho-sandbox both choose the Zoho sandbox: give one (--sandbox runs one in this process)")
	}
	if err := cfg.ops.check(); err != nil {
		return err
	}
	if err := wc.check(); err != nil {
		return err
	}
	log := logging.New(stderr, logging.Options{}).With("replica", wc.replicaID)

	db, _, err := sc.open(ctx, false)
	if err != nil {
		return err
	}
	defer db.Close()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another process using the port? choose another with --addr)", cfg.addr, err)
	}
	defer ln.Close()
	base, err := baseURL(cfg.baseURL, ln.Addr())
	if err != nil {
		return err
	}

	var servers []*http.Server
	defer func() {
		for _, srv := range servers {
			srv.Close() // after Shutdown a no-op; on an early return, the servers started so far
		}
	}()
	errc := make(chan error, 2)
	serve := func(srv *http.Server, l net.Listener) {
		servers = append(servers, srv)
		go func() {
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}

	dir := zoho.Real()
	var console string
	if cfg.sandboxURL != "" {
		if dir, err = zoho.ForSandbox(cfg.sandboxURL); err != nil {
			return fmt.Errorf("--zoho-sandbox: %w", err)
		}
		console = strings.TrimRight(cfg.sandboxURL, "/") + "/console/"
	}
	if cfg.sandbox {
		// The sandbox gets a loopback port of its own rather than a path
		// under hrconnect's: its pages and redirects use absolute paths
		// (/console/, /eu/accounts/…), as Zoho's do on their own hosts.
		sl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listen for the sandbox: %w", err)
		}
		sbase := "http://" + sl.Addr().String()
		if dir, err = zoho.ForSandbox(sbase); err != nil {
			return err
		}
		console = sbase + "/console/"
		serve(&http.Server{Handler: sandbox.New().Handler(), ReadHeaderTimeout: 10 * time.Second}, sl)
	}

	metrics := ops.NewMetrics(db, log)
	zc := zoho.NewClient(zoho.Config{Directory: dir, Observe: metrics.ZohoCall})
	z := &connect.Zoho{Client: zc}
	tokens := connect.NewManager(db, &connect.Refreshers{Zoho: z, Services: db}, connect.WithLogger(log), connect.WithRefreshObserver(metrics.Refresh))
	conns := connect.NewService(db, tokens, z, connect.WithServices(db), connect.WithDirectory(dir))
	// Transfers (hires into Zoho People) run on the River client below.
	hires := onboard.NewService(db, tokens, zc, wc.onboard(log.With("component", "onboard")))
	hooks := webhook.NewService(db, webhook.Config{Logger: log.With("component", "webhook")})

	app, err := web.New(web.Deps{
		Store:          db,
		Connections:    conns,
		Onboard:        hires,
		Zoho:           zc,
		BaseURL:        base,
		SandboxConsole: console,
		Webhooks:       hooks,
		API:            api.New(api.Deps{Store: db, Connections: conns, Directory: dir, Onboard: hires, Logger: log, Webhooks: hooks}),
		Logger:         log,
	})
	if err != nil {
		return err
	}

	// Transfers (hires into Zoho People) and the daily check of idle
	// connections run on River, in the default queue.
	workers := river.NewWorkers()
	river.AddWorker(workers, &connect.CheckIdleWorker{Service: conns, Tenants: db})
	river.AddWorker(workers, hires.Worker())
	river.AddWorker(workers, hires.ReconcileWorker())
	if wc.rescueAfter < longestJob {
		log.Warn("--rescue-after is shorter than a transfer's usual time: transfers get at most that long",
			"rescue_after", wc.rescueAfter.String(), "usual", longestJob.String())
	}
	river.AddWorker(workers, hooks.Worker())
	jobs, err := db.NewRiverClient(&river.Config{
		ID:                   wc.replicaID,
		Logger:               log.With("component", "river"),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: wc.workers}},
		Workers:              workers,
		PeriodicJobs:         append(connect.PeriodicJobs(), onboard.ReconcileJob(wc.reconcileEvery)),
		JobTimeout:           wc.jobTimeout(),
		RescueStuckJobsAfter: wc.rescueAfter,
	})
	if err != nil {
		return err
	}
	hires.SetRiver(jobs)
	hooks.SetRiver(jobs)
	// Outgoing webhooks are queued inside the transaction of the change
	// that causes them (docs/webhooks.md).
	db.SetHooks(&sqlstore.Hooks{TransferFinished: hooks.TransferFinishedTx, ConnectionStatusChanged: hooks.ConnectionStatusChangedTx})
	// River gets a context that the signal does not cancel: cancelling it
	// would stop jobs mid-way, where Stop below lets them finish.
	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start the background workers: %w", err)
	}

	serve(&http.Server{Handler: opsHandler(db, metrics, cfg.ops.metricsToken, app.Handler()), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}, ln)

	fmt.Fprintf(stdout, "hrconnect is running: open %s/\n", base)
	if console != "" {
		fmt.Fprintf(stdout, "Zoho sandbox API Console: %s (register a Self Client there, then Generate Code)\n", console)
	}
	log.Info("serving", "url", base, "database", db.Driver(), "sandbox", console != "")

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	log.Info("shutting down", "grace", cfg.ops.shutdownGrace.String())
	shutdown(log, cfg.ops.shutdownGrace, servers, jobs)
	return runErr
}

// baseURL returns the URL people reach hrconnect at: the --base-url given,
// or http://ADDR with an unspecified listening address (":8080") named
// localhost, since a redirect URI cannot name "[::]".
func baseURL(given string, addr net.Addr) (string, error) {
	if given != "" {
		u, err := url.Parse(given)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return "", fmt.Errorf("--base-url %q must be an http(s) URL such as https://hr.example.com", given)
		}
		return strings.TrimRight(given, "/"), nil
	}
	tcp, ok := addr.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return fmt.Sprintf("http://localhost:%d", tcp.Port), nil
	}
	return "http://" + addr.String(), nil
}
