package onboard_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
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
//	HRCONNECT_BENCH_HIRES=10000 go test -run '^$' -bench Hires -benchtime 1x -timeout 30m ./onboard/
func BenchmarkHires(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *sqlstore.DB
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(d.name, func(b *testing.B) { runHires(b, d.open) })
	}
}

const benchWorkers = 20

// benchCount is the number in environment variable name, or def.
func benchCount(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: give a positive number of hires", name, v)
	}
	return n
}

func runHires(b *testing.B, open func(testing.TB) *sqlstore.DB) {
	hires := benchCount(b, "HRCONNECT_BENCH_HIRES", 1000)
	// Generous bounds, for a loaded machine: 100 hires a second at the least.
	bound := 2*time.Minute + time.Duration(hires)*10*time.Millisecond
	limits := sandbox.DefaultLimits()
	limits.Off = true
	cfg := testConfig()
	e := newEnv(b, open(b), options{cfg: cfg, limits: &limits, maxWorkers: benchWorkers, timeout: 3 * bound})
	bare := bareInserts(b, e, hires, benchWorkers)

	var total, moves time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		apps := hireMany(b, e, i*hires, hires)
		b.StartTimer()
		start := time.Now()
		// The burst arrives from many requests at once, as from the ATS's
		// web servers; each move is its own transaction.
		parallelDo(b, hires, func(j int) error {
			_, err := e.svc.MoveApplication(e.ctx, e.tenant.ID, apps[j].ID, e.hired.ID)
			return err
		})
		moves += time.Since(start)
		want := (i + 1) * hires
		for {
			done, err := e.db.Transfers(e.ctx, hrconnect.TransferFilter{TenantID: e.tenant.ID, State: hrconnect.TransferSucceeded, Limit: want + 1})
			must(b, err)
			if len(done) == want {
				break
			}
			if time.Since(start) > bound {
				b.Fatalf("%d of %d transfers succeeded after %s", len(done), want, bound)
			}
			time.Sleep(20 * time.Millisecond)
		}
		total += time.Since(start)
	}
	rate := float64(b.N*hires) / total.Seconds()
	if n := len(e.state().employees()); n != b.N*hires+hires {
		b.Fatalf("%d employees, want %d", n, b.N*hires+hires)
	}
	b.ReportMetric(rate, "transfers/s")
	b.ReportMetric(bare, "bare_inserts/s")
	b.ReportMetric(rate/bare, "pipeline/bare")
	b.Logf("%s: %d hires through the pipeline at %.0f/s (moving them took %s); bare InsertRecord at %.0f/s; ratio %.3f",
		e.db.Driver(), b.N*hires, rate, moves.Round(time.Millisecond), bare, rate/bare)
}

// hireMany creates hires applicants, numbered from after+1, each with an
// application at the workflow's first stage, from benchWorkers goroutines.
func hireMany(b *testing.B, e *env, after, hires int) []*hrconnect.Application {
	apps := make([]*hrconnect.Application, hires)
	parallelDo(b, hires, func(j int) error {
		n := after + j + 1
		a := &hrconnect.Applicant{TenantID: e.tenant.ID, ApplicantID: fmt.Sprintf("A%05d", n),
			FirstName: "Ada", Surname: fmt.Sprintf("Lovelace %d", n), Email: fmt.Sprintf("ada.%d@example.com", n)}
		if err := e.db.PutApplicant(e.ctx, a); err != nil {
			return err
		}
		apps[j] = &hrconnect.Application{TenantID: e.tenant.ID, ApplicantID: a.ApplicantID, JobPostID: e.post.ID, StageID: e.workflow.Stages[0].ID}
		return e.db.CreateApplication(e.ctx, apps[j])
	})
	return apps
}

// parallelDo runs f(0) … f(n-1) from benchWorkers goroutines and stops the
// benchmark at the first error.
func parallelDo(b *testing.B, n int, f func(i int) error) {
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range benchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n) && !failed.Load(); i = next.Add(1) - 1 {
				if err := f(int(i)); err != nil {
					failed.Store(true)
					b.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		b.FailNow()
	}
}

// bareInserts makes n InsertRecord calls with the connection's token from
// workers goroutines, and returns the calls per second.
func bareInserts(b *testing.B, e *env, n, workers int) float64 {
	dc, err := e.zc.Directory().DC("eu")
	must(b, err)
	start := time.Now()
	parallelDo(b, n, func(i int) error {
		fields := []zoho.Field{{Name: "EmployeeID", Value: fmt.Sprintf("B%05d", i+1)}, {Name: "FirstName", Value: "Bare"},
			{Name: "LastName", Value: fmt.Sprintf("Insert %d", i+1)}, {Name: "EmailID", Value: fmt.Sprintf("bare.%d@example.com", i+1)}}
		if _, err := e.zc.InsertRecord(e.ctx, dc, e.issued.AccessToken, "employee", fields, zoho.InsertOptions{}); err != nil {
			return fmt.Errorf("bare insert: %w", err)
		}
		return nil
	})
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkThreshold runs a burst of hires with Zoho People's real limits
// on (100 inserts a minute, then a five-minute lock-out) and the pipeline's
// pace at its default 95 a minute, and reports the inserts per minute of
// Zoho's clock it achieves and the inserts Zoho refused with 7209, which
// must be none. Zoho's minutes pass on the sandbox clock, run 6 times
// faster than real time as in TestBurstRunsAtThreshold.
//
//	go test -run '^$' -bench Threshold -benchtime 1x ./onboard/
//	HRCONNECT_BENCH_THRESHOLD_HIRES=500 go test -run '^$' -bench Threshold -benchtime 1x ./onboard/
func BenchmarkThreshold(b *testing.B) {
	for _, d := range []struct {
		name string
		open func(testing.TB) *sqlstore.DB
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		b.Run(d.name, func(b *testing.B) { runThreshold(b, d.open) })
	}
}

func runThreshold(b *testing.B, open func(testing.TB) *sqlstore.DB) {
	const speed = 6
	hires := benchCount(b, "HRCONNECT_BENCH_THRESHOLD_HIRES", 300)
	// Real time: the burst takes hires/95 of Zoho's minutes, a sixth of that here.
	bound := time.Minute + time.Duration(float64(hires)/95*float64(time.Minute)/speed*3)
	cfg := testConfig()
	cfg.InsertsPerMinute = 95          // the default, under Zoho's 100
	cfg.MaxPaceWait = 15 * time.Second // of the sandbox's time: lets the workers queue for slots
	e := newEnv(b, open(b), options{cfg: cfg, maxWorkers: benchWorkers, timeout: 2 * bound})
	if lim := e.sb.Limits(); lim.Off || lim.PeopleInsertsPerMinute != 100 {
		b.Fatalf("the sandbox's limits are not Zoho's: %+v", lim)
	}

	var perMinute float64
	var busiest, refused int
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		apps := hireMany(b, e, i*hires, hires)
		before := e.state()
		b.StartTimer()
		stop := clockRunner(e.sb, speed)
		trs := make([]*hrconnect.Transfer, hires)
		parallelDo(b, hires, func(j int) error {
			var err error
			trs[j], err = e.svc.MoveApplication(e.ctx, e.tenant.ID, apps[j].ID, e.hired.ID)
			return err
		})
		e.waitFor(trs, bound, inState(hrconnect.TransferSucceeded))
		stop()
		b.StopTimer()

		// The insert times on Zoho's clock: the pace, the busiest minute.
		st := e.state()
		var added []time.Time
		for _, em := range st.employees() {
			added = append(added, em.AddedTime)
		}
		slices.SortFunc(added, time.Time.Compare)
		added = added[len(added)-hires:] // this round's: earlier rounds are 10 minutes older
		for k, j := 0, 0; j < len(added); j++ {
			for added[j].Sub(added[k]) >= time.Minute {
				k++
			}
			busiest = max(busiest, j-k+1)
		}
		perMinute = float64(len(added)-1) / added[len(added)-1].Sub(added[0]).Minutes()
		refused += st.Calls["people.insertRecord"] - before.Calls["people.insertRecord"] - hires
		e.sb.Advance(10 * time.Minute) // the next round starts with a fresh minute
		b.StartTimer()
	}
	until, err := e.db.ConnectionBlockedUntil(e.ctx, e.tenant.ID, e.conn.ID)
	must(b, err)
	lockouts := 0
	if !until.IsZero() {
		lockouts = 1
	}
	b.ReportMetric(perMinute, "inserts/zoho_min")
	b.ReportMetric(float64(busiest), "busiest_min")
	b.ReportMetric(float64(refused), "refused_7209")
	b.ReportMetric(float64(lockouts), "lockouts")
	b.Logf("%s: %d hires at Zoho's threshold: %.1f inserts a minute of Zoho's clock, at most %d in any minute; %d inserts refused, %d lock-outs",
		e.db.Driver(), b.N*hires, perMinute, busiest, refused, lockouts)
	if refused != 0 || lockouts != 0 {
		b.Errorf("the pipeline tripped Zoho's threshold: %d inserts refused with 7209", refused)
	}
}
