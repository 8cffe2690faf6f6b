package main

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"hrconnect/internal/testenv"
)

// crashHires is how many applications the crash test moves at once.
const crashHires = 1000

// TestCrashExactlyOnce is the crash test of onboarding: 1,000 applications
// are moved into a linked stage at once; "hrconnect serve", a real process
// working them against a real "hrconnect sandbox" process, is killed with
// SIGKILL at a random moment while it works, three times, and restarted
// each time. In the end every hire is exactly one employee in Zoho People,
// and every transfer succeeded with the employee's record ID: none lost,
// none stuck, none twice.
//
// It does not run under the race detector, which makes preparing 1,000
// hires in the test process (SQLite in pure Go above all) several times
// slower; ./scripts/test runs it in a second, race-free "go test". The
// serve code it drives is raced by the in-process tests (TestServeSandbox,
// the onboard package's), and the binaries are built without -race.
func TestCrashExactlyOnce(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector; ./scripts/test runs it without: go test -run TestCrashExactlyOnce ./cmd/hrconnect/")
	}
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		crashTest(t, bin, "")
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		crashTest(t, bin, testenv.Postgres(t))
	})
}

func crashTest(t *testing.T, bin, pgURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	began := time.Now()
	phase := func(what string) { t.Logf("%6.1f s: %s", time.Since(began).Seconds(), what) }

	f := prepareHires(t, ctx, bin, pgURL, crashHires)
	sbURL, dataDir, db, hires, tenant, apps := f.sbURL, f.dataDir, f.db, f.hires, f.tenant, f.apps
	phase("applicants and applications created")

	// All 1,000 moves at once, from many goroutines as from the ATS's web
	// servers: each inserts its transfer and its job in one transaction.
	parallel(t, crashHires, func(i int) error {
		_, err := hires.MoveApplication(ctx, tenant.ID, apps[i].ID, f.hired())
		return err
	})
	phase("applications moved")
	succeeded := func() int { return f.succeeded(t, ctx) }

	// Short rescue threshold: River takes the jobs a killed process was
	// running for abandoned after 3 s instead of 5 minutes. Pacing is off,
	// as are the sandbox's limits.
	args := []string{"serve", "--zoho-sandbox", sbURL, "--addr", "127.0.0.1:0", "--data-dir", dataDir,
		"--inserts-per-minute", "0", "--workers", "20", "--rescue-after", "3s"}
	if pgURL != "" {
		args = append(args, "--database", pgURL)
	}
	var logs []string
	for kill := 1; kill <= 3; kill++ {
		p, _ := startChild(t, bin, serveRunning, args...)
		phase("serve started")
		// A random moment while it works: after its first success of this
		// run, and up to 0.4 s later.
		before := succeeded()
		deadline := time.Now().Add(60 * time.Second)
		for succeeded() == before && before < crashHires {
			if time.Now().After(deadline) {
				t.Fatalf("serve run %d made no progress in 60 s:\n%s", kill, tail(p.stderr.String()))
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(400 * time.Millisecond))))
		p.kill(t)
		done := succeeded()
		t.Logf("kill %d: %d transfers succeeded (%d before this run)", kill, done, before)
		if done == crashHires {
			t.Fatalf("every transfer was done before kill %d: the kills did not hit the work", kill)
		}
		logs = append(logs, p.stderr.String())
	}

	// The last run finishes the work, the jobs its predecessors left
	// running among it.
	p, _ := startChild(t, bin, serveRunning, args...)
	phase("serve started for the last time")
	deadline := time.Now().Add(90 * time.Second)
	for {
		unfinished, jobs := f.unfinished(t, ctx)
		if unfinished == 0 && jobs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s after the last restart, %d transfers and %d+ jobs are unfinished (%d succeeded):\n%s",
				unfinished, jobs, succeeded(), tail(p.stderr.String()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	phase("every transfer done")
	if err := p.stop(t); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, tail(p.stderr.String()))
	}

	// What Zoho People holds: exactly one employee per hire. What
	// hrconnect holds: one transfer per application, each succeeded with
	// the record ID of its own employee.
	trs := f.transfers(t, ctx)
	st, total, linked := f.checkExactlyOnce(t, trs)

	// The kills hit jobs mid-way: River rescued some, which proves the
	// test tested a crash and not three clean pauses.
	rescued := 0
	for _, j := range f.jobs(t, ctx, "transfer", rivertype.JobStateCompleted) {
		for _, e := range j.Errors {
			if strings.Contains(e.Error, "Stuck job rescued") {
				rescued++
				break
			}
		}
	}
	t.Logf("%s: %d employees, %d transfers; %d jobs rescued from killed processes, %d transfers linked to the employee an interrupted attempt had made; %d inserts, %d lookups",
		db.Driver(), total, len(trs), rescued, linked, st.Calls["people.insertRecord"], st.Calls["people.getRecords"])
	if rescued == 0 {
		t.Errorf("no job was rescued: no kill interrupted a running job\n%s", tail(strings.Join(logs, "\n")))
	}
}
