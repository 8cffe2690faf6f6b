package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// benchRun is one "go test" command of the report and what it printed.
type benchRun struct {
	title string
	// about says what is measured and where the figure was first reported.
	about string
	env   []string
	args  []string
	// results are the benchmark lines; logs the lines the benchmarks and
	// tests logged (b.Logf, t.Logf).
	results []benchResult
	logs    []string
	took    time.Duration
}

// benchResult is one line of "go test -bench" output.
type benchResult struct {
	name    string
	iters   int64
	metrics []metric
}

type metric struct {
	value float64
	unit  string
}

// command is the run as a person types it.
func (b *benchRun) command() string {
	return strings.Join(append(append([]string{}, b.env...), append([]string{"go"}, b.args...)...), " ")
}

// testEnv is the environment of every "go test" the report runs: under
// CI=true a missing PostgreSQL fails the run instead of skipping it, so no
// figure is silently missing.
func testEnv(extra ...string) []string {
	env := append(os.Environ(), "CI=true")
	if os.Getenv("HRCONNECT_TEST_POSTGRES") == "" {
		env = append(env, "HRCONNECT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	}
	return append(env, extra...)
}

func (b *benchRun) run(ctx context.Context) error {
	logf("%s", b.command())
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", b.args...)
	cmd.Env = testEnv(b.env...)
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
	cmd.Stderr = cmd.Stdout
	err := cmd.Run()
	b.took = time.Since(start)
	b.results, b.logs = parseBench(buf.String())
	if err != nil {
		return fmt.Errorf("%s: %w", b.command(), err)
	}
	if len(b.results) == 0 && len(b.logs) == 0 {
		return fmt.Errorf("%s printed no benchmark result and no log line", b.command())
	}
	return nil
}

var (
	benchLine = regexp.MustCompile(`^(Benchmark\S+)\s+(\d+)\s+(.*)$`)
	logLine   = regexp.MustCompile(`^\s+\S+_test\.go:\d+: (.*)$`)
	cpuSuffix = regexp.MustCompile(`-\d+$`)
)

// parseBench picks the results and the log lines out of go test's output.
func parseBench(out string) ([]benchResult, []string) {
	var results []benchResult
	var logs []string
	for _, l := range strings.Split(out, "\n") {
		if m := benchLine.FindStringSubmatch(l); m != nil {
			r := benchResult{name: cpuSuffix.ReplaceAllString(strings.TrimPrefix(m[1], "Benchmark"), "")}
			r.iters, _ = strconv.ParseInt(m[2], 10, 64)
			f := strings.Fields(m[3])
			for i := 0; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					break
				}
				r.metrics = append(r.metrics, metric{v, f[i+1]})
			}
			results = append(results, r)
		} else if m := logLine.FindStringSubmatch(l); m != nil {
			logs = append(logs, m[1])
		}
	}
	return results, logs
}

// get returns the value of unit in r, and whether r has it.
func (r benchResult) get(unit string) (float64, bool) {
	for _, m := range r.metrics {
		if m.unit == unit {
			return m.value, true
		}
	}
	return 0, false
}

// goBenchmarks runs the earlier issues' benchmarks.
func (r *report) goBenchmarks(ctx context.Context) error {
	bt := r.mode.benchtime
	runs := []*benchRun{
		{title: "Sandbox: token endpoint and insertRecord",
			about: "The Zoho sandbox's hot paths over real HTTP on loopback, limits off (docs/sandbox.md, docs/sandbox-apis.md): " +
				"the refresh grant, and insertRecord through the network and straight into the handler.",
			args: []string{"test", "-run", "^$", "-bench", "TokenRefresh|PeopleInsertRecord", "-cpu", "2", "-benchtime", bt, "./sandbox/"}},
		{title: "Zoho client: InsertRecord",
			about: "hrconnect's People client into the sandbox, parallel, limits off, bare and with the observing transport " +
				"that counts Zoho calls for /metrics (docs/sandbox-apis.md).",
			args: []string{"test", "-run", "^$", "-bench", "^BenchmarkInsertRecord", "-benchtime", bt, "./zoho/"}},
		{title: "Store: connections and tokens",
			about: "Creating a connection (credentials sealed), reading a cached token from parallel readers, and a lock-read-store cycle " +
				"(a refresh without the call to Zoho), on SQLite and PostgreSQL (docs/storage.md).",
			args: []string{"test", "-run", "^$", "-bench", "CreateConnection|CachedToken|LockToken", "-benchtime", bt, "./sqlstore/"}},
		{title: "Vault: sealing secrets",
			about: "AES-GCM sealing and unsealing of a secret, and opening the keyset (docs/secrets.md).",
			args:  []string{"test", "-run", "^$", "-bench", ".", "-benchtime", bt, "./vault/"}},
	}
	if r.mode.economy {
		runs = append(runs, &benchRun{title: "Token economy",
			about: "100 connections, 3 instances, 24 sandbox hours: token calls per connection-hour for hrconnect and for a naive client " +
				"that refreshes in every instance (docs/connections.md, \"The token economy\"). The ideal is 1.0.",
			args: []string{"test", "-run", "^$", "-bench", "TokenEconomy", "-benchtime", "1x", "-v", "./connect/"}})
	} else {
		runs = append(runs, &benchRun{title: "Token economy (small)",
			about: "Quick mode runs TestTokenEconomy, the economy on a small scale (5 connections, 3 instances, 6 sandbox hours), " +
				"instead of the 100-connection, 24-hour benchmark (docs/connections.md, \"The token economy\"). The ideal is 1.0.",
			args: []string{"test", "-run", "^TestTokenEconomy$", "-v", "-count", "1", "./connect/"}})
	}
	for _, n := range r.mode.hires {
		runs = append(runs, &benchRun{title: fmt.Sprintf("Onboarding pipeline beside a bare client: %s hires", num(float64(n))),
			about: fmt.Sprintf("%s hires moved at once from 20 goroutines through the whole pipeline (move and transfer in one transaction, River, "+
				"mapping, token, insert, result recorded), sandbox limits off, beside as many bare InsertRecord calls at the same "+
				"concurrency with no persistence; the ratio is what exactly-once bookkeeping costs (docs/onboarding.md).", num(float64(n))),
			env:  []string{fmt.Sprintf("HRCONNECT_BENCH_HIRES=%d", n)},
			args: []string{"test", "-run", "^$", "-bench", "^BenchmarkHires$", "-benchtime", "1x", "-timeout", "60m", "-v", "./onboard/"}})
	}
	runs = append(runs, &benchRun{title: "Threshold run",
		about: "300 hires with Zoho's real limits on (100 inserts a minute, then a five-minute lock-out) and the default pace " +
			"(95 a minute), the sandbox clock at 6× real time: inserts per minute of Zoho's clock, the busiest minute, and the " +
			"inserts refused with 7209, which must be none (docs/onboarding.md).",
		args: []string{"test", "-run", "^$", "-bench", "^BenchmarkThreshold$", "-benchtime", "1x", "-timeout", "30m", "-v", "./onboard/"}})
	for _, b := range runs {
		if err := b.run(ctx); err != nil {
			return err
		}
		r.gobench = append(r.gobench, b)
	}
	return nil
}

// storeScale runs BenchmarkScale at the mode's scales.
func (r *report) storeScale(ctx context.Context) error {
	scales := make([]string, len(r.mode.scales))
	for i, s := range r.mode.scales {
		scales[i] = strconv.Itoa(s)
	}
	b := &benchRun{title: "Store reads at 1×, 10×, 100×",
		env:  []string{"HRCONNECT_BENCH_SCALES=" + strings.Join(scales, ",")},
		args: []string{"test", "-run", "^$", "-bench", "^BenchmarkScale$", "-benchtime", r.mode.benchtime, "-timeout", "60m", "-v", "./sqlstore/"}}
	if err := b.run(ctx); err != nil {
		return err
	}
	r.scale = b
	return nil
}

// runLogged runs a command with its output on stderr.
func runLogged(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
