package main

import (
	"strings"
	"testing"
)

// TestParseBench: the report reads go test's benchmark lines, custom
// metrics and log lines, and nothing else.
func TestParseBench(t *testing.T) {
	out := strings.Join([]string{
		"goos: linux",
		"BenchmarkScale/sqlite/conns=100/transfers=1000",
		"    scale_bench_test.go:53: seeded 100 connections and 1000 transfers in 1.2s",
		"BenchmarkScale/sqlite/conns=100/transfers=1000/transfers-page-2         	     100	   2579902 ns/op	   63023 B/op	    1457 allocs/op",
		"BenchmarkHires/postgres-2   1   9000000000 ns/op   0.0186 pipeline/bare   13566 bare_inserts/s   255.0 transfers/s",
		"PASS",
	}, "\n")
	results, logs := parseBench(out)
	if len(results) != 2 || len(logs) != 1 || logs[0] != "seeded 100 connections and 1000 transfers in 1.2s" {
		t.Fatalf("results %+v, logs %q", results, logs)
	}
	r := results[0]
	if r.name != "Scale/sqlite/conns=100/transfers=1000/transfers-page" || r.iters != 100 {
		t.Errorf("name %q, %d runs", r.name, r.iters)
	}
	if v, ok := r.get("allocs/op"); !ok || v != 1457 {
		t.Errorf("allocs/op = %v, %v", v, ok)
	}
	if v, ok := results[1].get("transfers/s"); !ok || v != 255 || results[1].name != "Hires/postgres" {
		t.Errorf("%s transfers/s = %v, %v", results[1].name, v, ok)
	}
	if _, ok := r.get("transfers/s"); ok {
		t.Error("a unit the line lacks was found")
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 255.4: "255", 3.14159: "3.14", 0.0186: "0.0186", -2500: "-2,500"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}
