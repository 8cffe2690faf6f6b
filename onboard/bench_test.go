package onboard_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/zoho"
)

// BenchmarkHires sends benchHires hires through the whole pipeline (move
// and transfer in one transaction, River, mapping, token, insert, result
// recorded) with Zoho's limits off, and the same number of bare
// InsertRecord calls with no persistence at the same concurrency, and
// reports both rates and their ratio: what exactly-once bookkeeping costs.
//
//	go test -run '^$' -bench Hires -benchtime 1x ./onboard/
func BenchmarkHires(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *sqlstore.DB
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(d.name, func(b *testing.B) { runHires(b, d.open) })
	}
}

const (
	benchHires   = 1000
	benchWorkers = 20
)

func runHires(b *testing.B, open func(testing.TB) *sqlstore.DB) {
	limits := sandbox.DefaultLimits()
	limits.Off = true
	cfg := testConfig()
	e := newEnv(b, open(b), options{cfg: cfg, limits: &limits, maxWorkers: benchWorkers})
	bare := bareInserts(b, e, benchHires, benchWorkers)

	var total, moves time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		apps := make([]*hrconnect.Application, benchHires)
		for j := range apps {
			apps[j] = e.hire(i*benchHires + j + 1)
		}
		b.StartTimer()
		start := time.Now()
		// The burst arrives from many requests at once, as from the ATS's
		// web servers; each move is its own transaction.
		var next atomic.Int64
		var wg sync.WaitGroup
		for range benchWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := next.Add(1) - 1; j < int64(len(apps)); j = next.Add(1) - 1 {
					if _, err := e.svc.MoveApplication(e.ctx, e.tenant.ID, apps[j].ID, e.hired.ID); err != nil {
						b.Errorf("move: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		moves += time.Since(start)
		want := (i + 1) * benchHires
		for {
			done, err := e.db.Transfers(e.ctx, hrconnect.TransferFilter{TenantID: e.tenant.ID, State: hrconnect.TransferSucceeded, Limit: want + 1})
			must(b, err)
			if len(done) == want {
				break
			}
			if time.Since(start) > 5*time.Minute {
				b.Fatalf("%d of %d transfers succeeded after 5 minutes", len(done), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
		total += time.Since(start)
	}
	rate := float64(b.N*benchHires) / total.Seconds()
	if n := len(e.state().employees()); n != b.N*benchHires+benchHires {
		b.Fatalf("%d employees, want %d", n, b.N*benchHires+benchHires)
	}
	b.ReportMetric(rate, "transfers/s")
	b.ReportMetric(bare, "bare_inserts/s")
	b.ReportMetric(rate/bare, "pipeline/bare")
	b.Logf("%s: %d hires through the pipeline at %.0f/s (moving them took %s); bare InsertRecord at %.0f/s; ratio %.3f",
		e.db.Driver(), b.N*benchHires, rate, moves.Round(time.Millisecond), bare, rate/bare)
}

// bareInserts makes n InsertRecord calls with the connection's token from
// workers goroutines, and returns the calls per second.
func bareInserts(b *testing.B, e *env, n, workers int) float64 {
	dc, err := e.zc.Directory().DC("eu")
	must(b, err)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				fields := []zoho.Field{{Name: "EmployeeID", Value: fmt.Sprintf("B%05d", i)}, {Name: "FirstName", Value: "Bare"},
					{Name: "LastName", Value: fmt.Sprintf("Insert %d", i)}, {Name: "EmailID", Value: fmt.Sprintf("bare.%d@example.com", i)}}
				if _, err := e.zc.InsertRecord(e.ctx, dc, e.issued.AccessToken, "employee", fields, zoho.InsertOptions{}); err != nil {
					b.Errorf("bare insert: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}
