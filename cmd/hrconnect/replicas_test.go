package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"hrconnect"
	"hrconnect/api"
	"hrconnect/internal/testenv"
)

const (
	// replicaHires is how many applications the replicas test moves.
	replicaHires = 2000
	// replicaCount is how many serve processes share the database.
	replicaCount = 3
	// replicaReconcileEvery is the reconcile job's interval in the test,
	// short so that the run spans many periods.
	replicaReconcileEvery = 2 * time.Second
)

// TestReplicas runs hrconnect as it scales out: 3 "hrconnect serve"
// processes on one PostgreSQL database, with the same keyset, work 2,000
// hires against a real "hrconnect sandbox" process. A quarter of the moves
// come through the REST API of each replica in turn, the rest from the
// test process, all at once. While the replicas work, the sandbox's clock
// jumps past the access token's hour, and the replica that is River's
// leader is killed with SIGKILL and restarted. In the end:
//
//   - Zoho People holds exactly 2,000 employees, none twice by EmployeeID
//     or EmailID, and every transfer succeeded with its employee's ID;
//   - the token's expiry cost exactly one refresh at the sandbox, across
//     the 3 processes;
//   - each replica completed at least a tenth of the transfers (River's
//     job rows name the client that worked them: --replica-id);
//   - the periodic jobs were queued by one replica at a time: the idle
//     check once per leader, the reconcile job about once per interval,
//     where 3 leaders would queue them 3 times.
//
// Like TestCrashExactlyOnce it does not run under the race detector;
// ./scripts/test runs both in a second, race-free "go test".
func TestReplicas(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector; ./scripts/test runs it without: go test -run TestReplicas ./cmd/hrconnect/")
	}
	pgURL := testenv.Postgres(t)
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	phase := func(what string) { t.Logf("%6.1f s: %s", time.Since(began).Seconds(), what) }

	f := prepareHires(t, ctx, bin, pgURL, replicaHires)
	key, err := api.IssueKey(ctx, f.db, &hrconnect.APIKey{TenantID: f.tenant.ID, Name: "ATS", CreatedBy: f.user.ID})
	must(t, err)
	sqldb, err := sql.Open("pgx", pgURL)
	must(t, err)
	defer sqldb.Close()
	succeeded := func() int {
		var n int
		must(t, sqldb.QueryRowContext(ctx, "SELECT count(*) FROM transfers WHERE state = $1", string(hrconnect.TransferSucceeded)).Scan(&n))
		return n
	}
	phase("applicants and applications created")

	// The replicas: the same database and keyset (the data directory's),
	// each its own address and ID. Pacing and the sandbox's limits are off;
	// River takes a killed process's jobs for abandoned after 3 s.
	ids := make([]string, replicaCount)
	procs := make([]*child, replicaCount)
	urls := make([]string, replicaCount)
	var urlsMu sync.Mutex
	url := func(i int) string { urlsMu.Lock(); defer urlsMu.Unlock(); return urls[i] }
	start := func(i int) {
		p, u := startChild(t, bin, serveRunning, "serve", "--zoho-sandbox", f.sbURL, "--addr", "127.0.0.1:0",
			"--data-dir", f.dataDir, "--database", pgURL, "--inserts-per-minute", "0", "--workers", "10",
			"--rescue-after", "3s", "--replica-id", ids[i], "--reconcile-every", replicaReconcileEvery.String())
		urlsMu.Lock()
		procs[i], urls[i] = p, u
		urlsMu.Unlock()
	}
	for i := range replicaCount {
		ids[i] = fmt.Sprintf("replica-%d", i+1)
		start(i)
	}
	replicasUp := time.Now()
	phase("3 replicas started")

	// All 2,000 moves at once from 20 goroutines; every fourth through the
	// REST API, of each replica in turn.
	var viaAPI [replicaCount]atomic.Int64
	moved := make(chan error, 1)
	go func() {
		moved <- moveAll(replicaHires, func(i int) error {
			if i%4 != 0 {
				_, err := f.hires.MoveApplication(ctx, f.tenant.ID, f.apps[i].ID, f.hired())
				return err
			}
			// A replica that is down refuses the connection: the move goes
			// to the next one, as behind a load balancer.
			var errs []error
			for try := range replicaCount {
				r := (i/4 + try) % replicaCount
				err := moveViaAPI(ctx, url(r), key, f.apps[i].ID, f.hired())
				if err == nil {
					viaAPI[r].Add(1)
					return nil
				}
				errs = append(errs, fmt.Errorf("%s: %w", ids[r], err))
				var he httpError
				if errors.As(err, &he) {
					break // the replica answered: no other would answer otherwise
				}
			}
			return errors.Join(errs...)
		})
	}()

	// waitFor polls until at least n transfers succeeded.
	waitFor := func(n int, what string) int {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			if done := succeeded(); done >= n {
				return done
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d transfers succeeded 60 s on, waiting for %d (%s)", succeeded(), n, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// The access token's hour passes while the replicas work: every
	// replica's next call meets a refused token, and exactly one of them
	// may refresh it.
	waitFor(replicaHires/10, "clock jump")
	before := f.state()
	f.sb.call("POST", "/_sandbox/clock", map[string]any{"advance_seconds": 3601}, nil)
	jumped := succeeded()
	phase(fmt.Sprintf("sandbox clock advanced by 3601 s at %d transfers succeeded", jumped))

	// The leader is killed mid-way and restarted with its replica ID.
	waitFor(replicaHires*2/5, "kill")
	var leader string
	if err := sqldb.QueryRowContext(ctx, "SELECT leader_id FROM river_leader").Scan(&leader); err != nil {
		t.Fatalf("no River leader among the replicas: %v", err)
	}
	victim := slices.Index(ids, leader)
	if victim < 0 {
		t.Fatalf("River's leader is %q, none of %v", leader, ids)
	}
	procs[victim].kill(t)
	killTime := time.Now()
	killedAt := succeeded()
	if killedAt == replicaHires {
		t.Fatalf("every transfer was done before the kill: it did not hit the work")
	}
	phase(fmt.Sprintf("killed %s, the leader, at %d transfers succeeded", leader, killedAt))
	time.Sleep(500 * time.Millisecond)
	start(victim)
	restarted := time.Now()
	phase(fmt.Sprintf("%s restarted", leader))

	if err := <-moved; err != nil {
		t.Fatalf("moving the applications: %v", err)
	}
	phase("applications moved")
	deadline := time.Now().Add(90 * time.Second)
	for {
		unfinished, jobs := f.unfinished(t, ctx)
		if unfinished == 0 && jobs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s after the restart, %d transfers and %d+ jobs are unfinished (%d succeeded)", unfinished, jobs, succeeded())
		}
		time.Sleep(100 * time.Millisecond)
	}
	workDone := time.Now()
	phase("every transfer done")
	// A last period, so that a reconcile job queued twice at the end would show.
	time.Sleep(replicaReconcileEvery)
	for i, p := range procs {
		if err := p.stop(t); err != nil {
			t.Errorf("%s after SIGTERM: %v\n%s", ids[i], err, tail(p.stderr.String()))
		}
	}
	replicasDown := time.Now()

	// Exactly once in Zoho People and in hrconnect.
	trs := f.transfers(t, ctx)
	st, total, linked := f.checkExactlyOnce(t, trs)

	// One refresh for the one expiry: one more call to the token endpoint
	// and one more access token, whichever replica made it.
	refreshCalls := st.Calls["accounts.token"] - before.Calls["accounts.token"]
	newTokens := len(st.Tokens.Access) - len(before.Tokens.Access)
	if refreshCalls != 1 || newTokens != 1 {
		t.Errorf("the access token's expiry cost %d calls to the token endpoint and %d new access tokens; want exactly 1 refresh across %d replicas",
			refreshCalls, newTokens, replicaCount)
	}

	// The share of each replica: the client that completed each transfer
	// job is the last in its attempted_by.
	share := map[string]int{}
	completed := f.jobs(t, ctx, "transfer", rivertype.JobStateCompleted)
	for _, j := range completed {
		if len(j.AttemptedBy) > 0 {
			share[j.AttemptedBy[len(j.AttemptedBy)-1]]++
		}
	}
	if len(completed) < replicaHires {
		t.Errorf("%d transfer jobs completed, want at least %d", len(completed), replicaHires)
	}
	for _, id := range ids {
		if share[id] < replicaHires/10 {
			t.Errorf("%s completed %d transfers, want at least a tenth (%d): the work is not spread (%v)", id, share[id], replicaHires/10, share)
		}
	}
	for id := range share {
		if !slices.Contains(ids, id) {
			t.Errorf("transfers completed by %q, none of the replicas %v", id, ids)
		}
	}

	// Periodic jobs, queued only by the leader of the moment. The idle
	// check runs once an hour and when a replica becomes the leader: once
	// or twice here (the leader was killed), where 3 leaders would queue
	// it at least 3 times.
	idle := f.allJobs(t, ctx, "connections_check_idle")
	if len(idle) < 1 || len(idle) > 2 {
		t.Errorf("the idle check was queued %d times; want once per leader (1, or 2 after the kill)", len(idle))
	}
	// The reconcile job: about once per interval while there is a leader,
	// plus once for each new leader; never two close together but at a
	// change of leader. A leader killed keeps its lease until it expires:
	// until the next leader's idle check, nobody queues periodic jobs.
	slices.SortFunc(idle, func(a, b *rivertype.JobRow) int { return a.CreatedAt.Compare(b.CreatedAt) })
	life := replicasDown.Sub(replicasUp)
	var leaderless time.Duration
	if len(idle) == 2 {
		leaderless = idle[1].CreatedAt.Sub(killTime)
	}
	periods := int((life - leaderless) / replicaReconcileEvery)
	rec := f.allJobs(t, ctx, "transfers_reconcile")
	if len(rec) > periods+len(idle)+1 || len(rec) < periods-2 {
		t.Errorf("the reconcile job was queued %d times in %.1f s with a leader; want about once per %s (%d), not once per replica",
			len(rec), (life - leaderless).Seconds(), replicaReconcileEvery, periods)
	}
	slices.SortFunc(rec, func(a, b *rivertype.JobRow) int { return a.CreatedAt.Compare(b.CreatedAt) })
	closePairs, afterRestart := 0, 0
	for i, j := range rec {
		if i > 0 && j.CreatedAt.Sub(rec[i-1].CreatedAt) < replicaReconcileEvery/2 {
			closePairs++
		}
		if j.CreatedAt.After(restarted) {
			afterRestart++
		}
	}
	if closePairs > 1 {
		t.Errorf("%d times two reconcile jobs were queued within %s of each other: more than one replica queues periodic jobs", closePairs, replicaReconcileEvery/2)
	}
	if afterRestart == 0 {
		t.Errorf("no reconcile job was queued after the leader was killed and restarted: no replica took over")
	}

	t.Logf("%d employees, %d transfers (%d linked to an earlier attempt's employee), %d moves through the REST API (%d, %d, %d by replica)",
		total, len(trs), linked, viaAPI[0].Load()+viaAPI[1].Load()+viaAPI[2].Load(), viaAPI[0].Load(), viaAPI[1].Load(), viaAPI[2].Load())
	t.Logf("refreshes for the expiry: %d (token endpoint calls %d in all)", refreshCalls, st.Calls["accounts.token"])
	for _, id := range ids {
		t.Logf("%s completed %d transfers (%.1f%%)", id, share[id], 100*float64(share[id])/float64(len(completed)))
	}
	t.Logf("periodic jobs: idle check %d, reconcile %d in %.1f s, %.1f s of it without a leader after the kill (every %s: %d periods, %d close pairs)",
		len(idle), len(rec), life.Seconds(), leaderless.Seconds(), replicaReconcileEvery, periods, closePairs)
	t.Logf("work: %.1f s from the first move to the last transfer; whole test %.1f s", workDone.Sub(replicasUp).Seconds(), time.Since(began).Seconds())
}

// allJobs returns every job of kind, whatever its state.
func (f *hireFixture) allJobs(t *testing.T, ctx context.Context, kind string) []*rivertype.JobRow {
	t.Helper()
	var all []*rivertype.JobRow
	for _, s := range []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
		rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled} {
		all = append(all, f.jobs(t, ctx, kind, s)...)
	}
	return all
}

// moveAll runs f(0) … f(n-1) from 20 goroutines and returns the first
// error; unlike parallel it may run outside the test's goroutine.
func moveAll(n int, f func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	var failed atomic.Bool
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n) && !failed.Load(); i = next.Add(1) - 1 {
				if err := f(int(i)); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// moveViaAPI moves an application through a replica's REST API, as an ATS
// would, and checks that the answer holds the transfer started.
func moveViaAPI(ctx context.Context, base, key, applicationID, stageID string) error {
	body, _ := json.Marshal(map[string]string{"stage_id": stageID})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/applications/"+applicationID+"/move", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return httpError(fmt.Sprintf("POST /api/v1/applications/%s/move: %d %s", applicationID, res.StatusCode, b))
	}
	var out struct {
		Transfer *struct {
			ID string `json:"id"`
		} `json:"transfer"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Transfer == nil || out.Transfer.ID == "" {
		return httpError(fmt.Sprintf("POST /api/v1/applications/%s/move: no transfer in %s", applicationID, b))
	}
	return nil
}

// httpError is an answer of a replica that was not the one expected, as
// opposed to no answer at all.
type httpError string

func (e httpError) Error() string { return string(e) }
