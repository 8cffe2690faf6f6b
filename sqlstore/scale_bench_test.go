package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/internal/benchseed"
)

// benchScales are the multiples BenchmarkScale seeds: 1× is 100 connections
// and 1,000 transfers. $HRCONNECT_BENCH_SCALES (such as "1,10") picks fewer,
// for a quick run; the full run is 1, 10 and 100 (10,000 connections and
// 100,000 transfers).
func benchScales(b *testing.B) []int {
	v := os.Getenv("HRCONNECT_BENCH_SCALES")
	if v == "" {
		return []int{1, 10, 100}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 100 {
			b.Fatalf("HRCONNECT_BENCH_SCALES=%q: give multiples from 1 to 100, such as 1,10,100", v)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkScale measures the store's key reads in a database seeded with
// 100×s connections (each with a cached token) and 1,000×s transfers, at
// each scale s: a page of 50 transfers, newest first (the API's and the
// pages' list); one connection's cached token; and the list of all
// connections (what GET /api/v1/connections reads). Time and allocations
// per operation at each scale show what grows with the data:
//
//	go test -run '^$' -bench Scale -benchtime 2s ./sqlstore/
func BenchmarkScale(b *testing.B) {
	for _, be := range backends {
		for _, s := range benchScales(b) {
			plan := benchseed.Plan{Connections: 100 * s, Transfers: 1000 * s, Workers: 8}
			b.Run(fmt.Sprintf("%s/conns=%d/transfers=%d", be.name, plan.Connections, plan.Transfers), func(b *testing.B) {
				db, _, _ := be.open(b)
				ctx := context.Background()
				seeded, err := benchseed.Seed(ctx, db, plan)
				must(b, err)
				b.Logf("seeded %d connections and %d transfers in %s", plan.Connections, plan.Transfers, seeded.Took.Round(1e6))
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				b.Logf("Go heap in use after seeding: %.1f MiB", float64(ms.HeapAlloc)/(1<<20))
				tid := seeded.Tenant.ID

				b.Run("transfers-page", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, err := db.Transfers(ctx, hrconnect.TransferFilter{TenantID: tid, Limit: 50})
						if err != nil || len(page) != 50 {
							b.Fatalf("%d transfers, %v", len(page), err)
						}
					}
				})
				b.Run("transfers-of-connection", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, err := db.Transfers(ctx, hrconnect.TransferFilter{TenantID: tid, ConnectionID: seeded.HRConnection, State: hrconnect.TransferSucceeded, Limit: 50})
						if err != nil || len(page) != 50 {
							b.Fatalf("%d transfers, %v", len(page), err)
						}
					}
				})
				b.Run("cached-token", func(b *testing.B) {
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						i = (i + 7919) % len(seeded.Connections) // a prime stride: every connection in turn, not in order
						tok, err := db.CachedToken(ctx, hrconnect.CredentialKey{TenantID: tid, ConnectionID: seeded.Connections[i]})
						if err != nil || tok == nil {
							b.Fatal(tok, err)
						}
					}
				})
				b.Run("list-connections", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						cs, err := db.Connections(ctx, hrconnect.ConnectionFilter{TenantID: tid})
						if err != nil || len(cs) != plan.Connections {
							b.Fatalf("%d connections, %v", len(cs), err)
						}
					}
				})
			})
		}
	}
}
