// Command benchreport measures hrconnect and writes docs/BENCHMARKS.md. It
// runs the packages' Go benchmarks, seeds databases through the stores,
// starts "hrconnect serve" on each and loads its REST API from this process
// (a second process beside the server), reading the server's memory from
// /proc. Run it through ./scripts/bench, which documents its modes:
//
//	./scripts/bench            the full report (about 45 minutes on 2 CPUs)
//	./scripts/bench --quick    smaller sizes and shorter runs (minutes)
//
// Everything it starts listens on 127.0.0.1 only, and every run is bounded
// in requests and time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// mode is the sizes of one report.
type mode struct {
	name string
	// scales are the multiples of the scale runs: 1× is 100 connections
	// and 1,000 transfers.
	scales []int
	// levels are the load generator's concurrency levels at the largest
	// scale; the smaller scales are loaded at the middle level only.
	levels    []int
	requests  int
	duration  time.Duration
	benchtime string
	// hires are the pipeline sizes of BenchmarkHires.
	hires []int
	// economy runs BenchmarkTokenEconomy (a minute and a half on 2 CPUs)
	// rather than the small TestTokenEconomy.
	economy bool
}

var (
	quick = mode{name: "quick", scales: []int{1, 10}, levels: []int{1, 8, 32}, requests: 2000, duration: 8 * time.Second,
		benchtime: "1s", hires: []int{100, 1000}, economy: true}
	full = mode{name: "full", scales: []int{1, 10, 100}, levels: []int{1, 8, 32}, requests: 20000, duration: 20 * time.Second,
		benchtime: "3s", hires: []int{100, 1000, 10000}, economy: true}
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	isQuick := flag.Bool("quick", false, "smaller sizes and shorter runs: minutes instead of about half an hour")
	out := flag.String("out", "docs/BENCHMARKS.md", "the `file` to write")
	only := flag.String("only", "", "comma-separated sections to run (machine is always written): go, api, scale; for trying the tool")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "benchreport: unexpected argument %q; the flags are --quick, --out and --only\n", flag.Arg(0))
		os.Exit(2)
	}
	m := full
	if *isQuick {
		m = quick
	}
	sections := map[string]bool{"go": true, "api": true, "scale": true}
	if *only != "" {
		sections = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			switch s {
			case "go", "api", "scale":
				sections[s] = true
			default:
				fmt.Fprintf(os.Stderr, "benchreport: unknown section %q in --only; give go, api or scale\n", s)
				os.Exit(2)
			}
		}
	}
	if err := run(ctx, m, sections, *out); err != nil {
		fmt.Fprintf(os.Stderr, "benchreport: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, m mode, sections map[string]bool, out string) error {
	r := &report{mode: m, started: time.Now(), machine: readMachine()}
	logf("machine: %s; load average %s", r.machine.summary(), r.machine.load)
	tmp, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if sections["go"] {
		if err := r.goBenchmarks(ctx); err != nil {
			return err
		}
	}
	if sections["api"] || sections["scale"] {
		bin := filepath.Join(tmp, "hrconnect")
		if err := runLogged(ctx, "go", "build", "-o", bin, "./cmd/hrconnect"); err != nil {
			return fmt.Errorf("build hrconnect: %w", err)
		}
		if err := r.serveRuns(ctx, bin, tmp); err != nil {
			return err
		}
	}
	if sections["scale"] {
		if err := r.storeScale(ctx); err != nil {
			return err
		}
	}
	r.finished = time.Now()
	r.loadAfter = readLoad()
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	logf("wrote %s in %s", out, r.finished.Sub(r.started).Round(time.Second))
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "==> "+format+"\n", args...)
}
