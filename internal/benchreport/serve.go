package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"hrconnect"
	"hrconnect/api"
	"hrconnect/internal/benchseed"
	"hrconnect/internal/loadgen"
	"hrconnect/sqlstore"
	"hrconnect/vault"
)

// apiRun is one "hrconnect serve" on a seeded database and what it measured.
type apiRun struct {
	driver                 string
	scale                  int
	connections, transfers int
	seedTook               time.Duration
	// idle is the server's memory a few seconds after it started.
	idle memory
	// loads are the load generator's runs, in order; after is the memory
	// once they ended.
	loads []loadRow
	after memory
}

// memory is the server process's memory: resident set and its peak from
// /proc/PID/status, and the Go heap in use from its /metrics.
type memory struct{ rssKB, hwmKB, heapBytes int64 }

type loadRow struct {
	path        string
	concurrency int
	res         loadgen.Result
	// peakRSSKB is the highest VmRSS sampled during the run.
	peakRSSKB int64
}

// candidatePaths are the list routes loaded, when the API has them: each is
// probed first, and a route that does not answer 200 is left out.
var candidatePaths = []string{"/api/v1/connections", "/api/v1/transfers", "/api/v1/applicants"}

// serveRuns seeds each database at each scale, starts serve on it and
// loads its API.
func (r *report) serveRuns(ctx context.Context, bin, tmp string) error {
	largest := r.mode.scales[len(r.mode.scales)-1]
	middle := r.mode.levels[len(r.mode.levels)/2]
	for _, driver := range []string{sqlstore.DriverSQLite, sqlstore.DriverPostgres} {
		for _, s := range r.mode.scales {
			levels := []int{middle}
			if s == largest {
				levels = r.mode.levels
			}
			run, err := r.serveRun(ctx, bin, filepath.Join(tmp, fmt.Sprintf("%s-%d", driver, s)), driver, s, levels)
			if err != nil {
				return fmt.Errorf("%s at %d×: %w", driver, s, err)
			}
			r.api = append(r.api, run)
		}
	}
	return nil
}

func (r *report) serveRun(ctx context.Context, bin, dir, driver string, scale int, levels []int) (*apiRun, error) {
	run := &apiRun{driver: driver, scale: scale, connections: 100 * scale, transfers: 1000 * scale}
	var dbURL string
	if driver == sqlstore.DriverPostgres {
		u, drop, err := createDatabase(ctx)
		if err != nil {
			return nil, err
		}
		defer drop()
		dbURL = u
	}
	logf("%s: seeding %d connections and %d transfers", driver, run.connections, run.transfers)
	key, took, err := seed(ctx, dir, dbURL, benchseed.Plan{Connections: run.connections, Transfers: run.transfers, Workers: 8})
	if err != nil {
		return nil, err
	}
	run.seedTook = took
	logf("%s: seeded in %s", driver, took.Round(time.Millisecond))

	srv, err := startServe(ctx, bin, dir, dbURL)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	// The start-up jobs (the idle check, the reconcile pass) run first;
	// then the server is idle.
	time.Sleep(5 * time.Second)
	run.idle = srv.memory()

	for _, path := range candidatePaths {
		if !srv.answers(ctx, path, key) {
			logf("%s: %s does not answer 200: left out", driver, path)
			continue
		}
		for _, c := range levels {
			cfg := loadgen.Config{URL: srv.base + path, APIKey: key, Requests: r.mode.requests, Concurrency: c, Duration: r.mode.duration}
			peak, stopSampling := srv.sampleRSS()
			res, err := loadgen.Run(ctx, cfg)
			stopSampling()
			if err != nil {
				return nil, err
			}
			logf("%s %d×: GET %s ×%d: %d requests, %.0f/s, p50 %s, p99 %s, %d errors %s", driver, scale, path, c, res.Requests, res.RPS(),
				res.P50, res.P99, res.Errors, res.FirstError)
			run.loads = append(run.loads, loadRow{path: path, concurrency: c, res: res, peakRSSKB: *peak})
		}
	}
	run.after = srv.memory()
	return run, nil
}

// seed fills the database through the stores, and issues an API key for
// the seeded tenant.
func seed(ctx context.Context, dir, dbURL string, p benchseed.Plan) (key string, took time.Duration, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, err
	}
	v, err := vault.Open(vault.Options{Dir: dir, ReloadInterval: -1})
	if err != nil {
		return "", 0, err
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v}
	if dbURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: dbURL, Vault: v, Migrate: true, MaxConns: 20}
	}
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		return "", 0, err
	}
	defer db.Close()
	s, err := benchseed.Seed(ctx, db, p)
	if err != nil {
		return "", 0, err
	}
	key, err = api.IssueKey(ctx, db, &hrconnect.APIKey{TenantID: s.Tenant.ID, Name: "benchmark", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}})
	return key, s.Took, err
}

// createDatabase creates an empty PostgreSQL database on the test server
// and returns its URL and a function that drops it.
func createDatabase(ctx context.Context) (string, func(), error) {
	admin := os.Getenv("HRCONNECT_TEST_POSTGRES")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hrconnect_bench_" + hex.EncodeToString(b)
	exec := func(sql string) error {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return fmt.Errorf("PostgreSQL at %s: %w (./scripts/test shows how the test server is set up)", admin, err)
		}
		defer c.Close(context.Background())
		_, err = c.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE DATABASE " + name); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), func() {
		if err := exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			logf("drop %s: %v", name, err)
		}
	}, nil
}

// server is a running "hrconnect serve".
type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

func startServe(ctx context.Context, bin, dir, dbURL string) (*server, error) {
	args := []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--sandbox"}
	if dbURL != "" {
		args = append(args, "--database", dbURL)
	}
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "hrconnect is running: open "); ok {
				select {
				case urls <- strings.TrimRight(u, "/"):
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { _ = cmd.Wait(); logFile.Close(); close(s.done) }()
	select {
	case s.base = <-urls:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("hrconnect serve exited at start; see %s", logFile.Name())
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, errors.New("hrconnect serve did not start within 60 s")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// stop ends the server with SIGTERM, and SIGKILL if it has not ended in 30 s.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// answers reports whether GET path answers 200 with the key.
func (s *server) answers(ctx context.Context, path, key string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *server) status() string {
	return "/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/status"
}

func (s *server) memory() memory {
	return memory{rssKB: procField(s.status(), "VmRSS"), hwmKB: procField(s.status(), "VmHWM"), heapBytes: s.heapInUse()}
}

// heapInUse reads go_memstats_heap_inuse_bytes from the server's /metrics;
// 0 when it cannot.
func (s *server) heapInUse() int64 {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(s.base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f)
		}
	}
	return 0
}

// sampleRSS samples VmRSS every 50 ms until the returned stop is called,
// keeping the highest.
func (s *server) sampleRSS() (*int64, func()) {
	peak := new(int64)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procField(s.status(), "VmRSS"); v > *peak {
				*peak = v
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return peak, func() { close(stop); wg.Wait() }
}
