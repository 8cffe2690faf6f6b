package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is everything measured, in the order the file shows it.
type report struct {
	mode              mode
	machine           machine
	started, finished time.Time
	loadAfter         string
	gobench           []*benchRun
	api               []*apiRun
	scale             *benchRun
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	cmd := "./scripts/bench"
	if r.mode.name == "quick" {
		cmd += " --quick"
	}
	p("# Benchmarks")
	p("")
	p("This file is generated: `./scripts/bench` (about 45 minutes) or `./scripts/bench --quick` (smaller sizes, minutes)")
	p("runs every benchmark below and writes it again; do not edit it by hand. Each section names the command that")
	p("reproduces its figures alone.")
	p("")
	p("- **Mode:** %s (`%s`), %s to %s, %s", r.mode.name, cmd, r.started.UTC().Format("2006-01-02 15:04"), r.finished.UTC().Format("15:04 MST"),
		r.finished.Sub(r.started).Round(time.Second))
	p("- **Machine:** %d CPUs (%s), %s memory, %s, %s", r.machine.cpus, r.machine.model, r.machine.memory, r.machine.goVer, r.machine.os)
	p("- **Code:** commit %s", r.machine.commit)
	p("- **Load average** (1, 5, 15 min): %s at the start, %s at the end", r.machine.load, r.loadAfter)
	p("")
	if load1(r.machine.load) > float64(r.machine.cpus)/2 || load1(r.loadAfter) > float64(r.machine.cpus)/2 {
		p("> The machine was busy with other work while these figures were taken (a load average above half its CPUs):")
		p("> they are pessimistic. Rates are lower and latencies higher than on an idle machine of the same kind;")
		p("> ratios measured within one run (pipeline against bare client, one scale against another) suffer least.")
		p("")
	}
	for _, g := range r.gobench {
		p("## %s", g.title)
		p("")
		p("%s", g.about)
		p("")
		p("Reproduce: `%s` (took %s)", g.command(), g.took.Round(time.Second))
		p("")
		if len(g.results) > 0 {
			p("| benchmark | runs | figures |")
			p("|---|---:|---|")
			for _, res := range g.results {
				var fs []string
				for _, m := range res.metrics {
					fs = append(fs, num(m.value)+" "+m.unit)
				}
				p("| %s | %d | %s |", res.name, res.iters, strings.Join(fs, ", "))
			}
			p("")
		}
		if len(g.logs) > 0 {
			p("```")
			for _, l := range g.logs {
				p("%s", l)
			}
			p("```")
			p("")
		}
	}
	if len(r.api) > 0 {
		r.apiMarkdown(p)
	}
	if r.scale != nil {
		r.scaleMarkdown(p)
	}
	return b.String()
}

func (r *report) apiMarkdown(p func(string, ...any)) {
	p("## REST API under load from a second process")
	p("")
	p("For each database and scale, the report seeds a fresh database through the stores (internal/benchseed: one tenant,")
	p("100×s connections with sealed credentials and a cached token, 1,000×s applicants each with a succeeded transfer),")
	p("starts `hrconnect serve --sandbox --addr 127.0.0.1:0` on it, and loads its list routes with an API key from the")
	p("report's own process (internal/loadgen): each run is at most %d requests and %s, from the given number of", r.mode.requests, r.mode.duration)
	p("keep-alive clients. Latencies are of the successful requests; an error is a transport error or a status other than 2xx.")
	p("The server's memory is read from /proc/PID/status (VmRSS: resident now; VmHWM: its peak since start) and its Go heap")
	p("in use from its own /metrics (go_memstats_heap_inuse_bytes). Idle is 5 s after start, once the start-up jobs ran.")
	p("")
	p("Reproduce: `go run ./internal/benchreport --only api%s` (this section alone; from the repository's root, PostgreSQL on 127.0.0.1:5432)", map[bool]string{true: " --quick"}[r.mode.name == "quick"])
	p("")
	p("| database | connections | transfers | GET | clients | requests | req/s | p50 | p99 | max | errors | bytes/answer | peak RSS |")
	p("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, a := range r.api {
		for _, l := range a.loads {
			per := int64(0)
			if ok := l.res.Requests - l.res.Errors; ok > 0 {
				per = l.res.Bytes / int64(ok)
			}
			errs := strconv.Itoa(l.res.Errors)
			if l.res.FirstError != "" {
				errs += " (" + l.res.FirstError + ")"
			}
			p("| %s | %s | %s | `%s` | %d | %d | %s | %s | %s | %s | %s | %s | %s |", a.driver, num(float64(a.connections)), num(float64(a.transfers)),
				l.path, l.concurrency, l.res.Requests, num(l.res.RPS()), dur(l.res.P50), dur(l.res.P99), dur(l.res.Max), errs,
				num(float64(per)), mib(l.peakRSSKB*1024))
		}
	}
	p("")
	p("### Memory of the serve process")
	p("")
	p("| database | connections | transfers | seeding took | idle RSS | idle heap | RSS after the load | peak RSS (VmHWM) | heap after |")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, a := range r.api {
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", a.driver, num(float64(a.connections)), num(float64(a.transfers)), a.seedTook.Round(100*time.Millisecond),
			mib(a.idle.rssKB*1024), mib(a.idle.heapBytes), mib(a.after.rssKB*1024), mib(a.after.hwmKB*1024), mib(a.after.heapBytes))
	}
	p("")
}

func (r *report) scaleMarkdown(p func(string, ...any)) {
	p("## Store reads at 1×, 10×, 100×")
	p("")
	p("BenchmarkScale (sqlstore/scale_bench_test.go) seeds a database with 100×s connections and 1,000×s transfers at each")
	p("scale s and measures the store's key reads: a page of 50 transfers newest first, the same filtered by connection and")
	p("state, one connection's cached token (each in turn), and the list of every connection (what GET /api/v1/connections")
	p("reads). Time and Go allocations per operation (b.ReportAllocs). \"growth\" is the time's ratio to the previous scale:")
	p("about 1 means the operation does not depend on the data's size, about 10 that it grows linearly, above 10 worse.")
	p("")
	p("Reproduce: `%s`", r.scale.command())
	p("")
	p("| database | connections | transfers | operation | time/op | growth | B/op | allocs/op |")
	p("|---|---:|---:|---|---:|---:|---:|---:|")
	prev := map[string]float64{}
	var grows []string
	for _, res := range r.scale.results {
		// Scale/sqlite/conns=100/transfers=1000/transfers-page
		parts := strings.Split(res.name, "/")
		if len(parts) != 5 {
			continue
		}
		db, conns, trs, op := parts[1], strings.TrimPrefix(parts[2], "conns="), strings.TrimPrefix(parts[3], "transfers="), parts[4]
		ns, _ := res.get("ns/op")
		bop, _ := res.get("B/op")
		allocs, _ := res.get("allocs/op")
		growth := "–"
		if v, ok := prev[db+op]; ok && v > 0 {
			growth = strconv.FormatFloat(ns/v, 'f', 1, 64) + "×"
			if ns/v > 4 && !slices.Contains(grows, db+" "+op) {
				grows = append(grows, db+" "+op)
			}
		}
		prev[db+op] = ns
		c, _ := strconv.ParseFloat(conns, 64)
		t, _ := strconv.ParseFloat(trs, 64)
		p("| %s | %s | %s | %s | %s | %s | %s | %s |", db, num(c), num(t), op, dur(time.Duration(ns)), growth, num(bop), num(allocs))
	}
	p("")
	if len(grows) > 0 {
		p("Grew more than 4× for 10× the data in this run: %s. Where to look: a transfer list", strings.Join(grows, ", "))
		p("that grows sorts the tenant's (or the connection's) transfers before taking the page: migration 0007 indexes them")
		p("newest first, and figures taken before it (see the commit above) show the sort. The listing of connections returns")
		p("every connection, unpaged: linear in the data by construction.")
		p("The cached token, read by key, stays flat.")
		p("")
	}
	if len(r.scale.logs) > 0 {
		p("```")
		for _, l := range r.scale.logs {
			p("%s", l)
		}
		p("```")
		p("")
	}
}

func load1(s string) float64 {
	f := strings.Fields(s)
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// num writes v with thousands separators, and with decimals only when small.
func num(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return group(strconv.FormatInt(int64(v), 10))
	case math.Abs(v) >= 100:
		return group(strconv.FormatInt(int64(math.Round(v)), 10))
	case math.Abs(v) >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	out = append([]string{s}, out...)
	r := strings.Join(out, ",")
	if neg {
		r = "-" + r
	}
	return r
}

func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e3, 'f', 1, 64) + " µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms"
	default:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + " s"
	}
}

func mib(bytes int64) string {
	if bytes <= 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(bytes)/(1<<20), 'f', 1, 64) + " MiB"
}
