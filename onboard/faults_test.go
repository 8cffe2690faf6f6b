package onboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/testenv"
	"hrconnect/onboard"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
)

// One insert in five answered with HTTP 5xx, and latency on the rest: every
// transfer ends succeeded, and no employee is created twice.
func TestFlakyZohoStillOnce(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig()})
		e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "status", "status": 503, "rate": 0.2, "seed": 7})
		e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "latency", "latency_ms": 20, "rate": 0.5})
		const n = 40
		trs := e.hireMany(n)
		done := e.waitFor(trs, 60*time.Second, inState(hrconnect.TransferSucceeded))

		st := e.state()
		counts := byEmployeeID(st.employees())
		if len(counts) != n {
			t.Fatalf("%d distinct employees, want %d", len(counts), n)
		}
		for id, c := range counts {
			if c != 1 {
				t.Errorf("employee %s exists %d times", id, c)
			}
		}
		retried := 0
		for _, tr := range done {
			if tr.ZohoRecordID == "" {
				t.Errorf("transfer %s succeeded without a record ID", tr.ID)
			}
			if tr.Attempts > 1 {
				retried++
			}
		}
		if retried == 0 || st.Calls["people.insertRecord"] <= n {
			t.Fatalf("no transfer was retried (%d inserts for %d hires): the fault did not bite", st.Calls["people.insertRecord"], n)
		}
		t.Logf("%d hires, %d inserts, %d lookups, %d transfers retried", n, st.Calls["people.insertRecord"], st.Calls["people.getRecords"], retried)
	})
}

// A refresh token revoked at Zoho: transfers wait for a reconnect instead
// of failing, without a storm of refreshes, and finish by themselves once a
// person reconnects the account with a new code.
func TestRevokedConnectionParksTransfers(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig()})
		e.fault(map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": e.issued.RefreshToken, "count": 1})
		e.sb.Advance(time.Hour) // the cached token expires: the next use refreshes
		before := e.state().Calls["accounts.token"]

		const n = 10
		trs := e.hireMany(n)
		waiting := e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferWaitingReconnect))
		if !strings.Contains(waiting[0].LastError, "reconnect") {
			t.Fatalf("waiting transfer says %q", waiting[0].LastError)
		}
		// Every job looks again, and snoozes again, at least twice before
		// the reconnect: the waiting must cost Zoho nothing, and (checked
		// at the end) no attempt.
		e.waitForSnoozes(2, 30*time.Second)
		st := e.state()
		if calls := st.Calls["accounts.token"] - before; calls != 1 {
			t.Fatalf("%d token calls while the connection is revoked, want 1", calls)
		}
		if st.Calls["people.insertRecord"] != 0 || len(st.employees()) != 0 {
			t.Fatalf("inserts without a token: %v", st.Calls)
		}
		e.waitFor(trs, time.Second, inState(hrconnect.TransferWaitingReconnect))

		c, _, err := e.conns.Reauthorize(e.ctx, e.tenant.ID, e.conn.ID, e.user.ID, "", e.newCode(e.conn.ClientID), "", "", "")
		if err != nil {
			t.Fatalf("Reauthorize: %v", err)
		}
		if c.Status != hrconnect.StatusConnected {
			t.Fatalf("connection after reconnecting: %s", c.Status)
		}
		e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferSucceeded))
		if got := byEmployeeID(e.state().employees()); len(got) != n {
			t.Fatalf("%d employees, want %d", len(got), n)
		}
		log, _ := e.db.TransferAttempts(e.ctx, e.tenant.ID, trs[0].ID)
		if len(log) != 2 || log[0].Outcome != string(hrconnect.TransferWaitingReconnect) || log[1].Outcome != "succeeded" {
			t.Fatalf("log: %+v (waiting once, then succeeded)", log)
		}
		// The snoozes spent none of the jobs' attempts.
		for _, j := range e.transferJobs() {
			if j.attempt != 1 || j.snoozes < 2 {
				t.Errorf("job %d: attempt %d after %d snoozes; snoozes must not count as attempts", j.id, j.attempt, j.snoozes)
			}
		}
	})
}

// transferJob is what the tests read of a transfer's River job.
type transferJob struct {
	id               int64
	attempt, snoozes int
}

// transferJobs lists the transfer jobs with their attempt and the snoozes
// their metadata counts.
func (e *env) transferJobs() []transferJob {
	e.t.Helper()
	jobs, err := e.river.JobList(e.ctx, river.NewJobListParams().Kinds("transfer").First(1000))
	must(e.t, err)
	out := make([]transferJob, 0, len(jobs.Jobs))
	for _, j := range jobs.Jobs {
		var meta struct {
			Snoozes int `json:"snoozes"`
		}
		_ = json.Unmarshal(j.Metadata, &meta)
		out = append(out, transferJob{id: j.ID, attempt: j.Attempt, snoozes: meta.Snoozes})
	}
	return out
}

// waitForSnoozes waits, at most max, until every transfer job has snoozed
// at least n times: on a loaded machine a fixed sleep may not be enough.
func (e *env) waitForSnoozes(n int, max time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(max)
	for {
		jobs, fewest := e.transferJobs(), n
		for _, j := range jobs {
			fewest = min(fewest, j.snoozes)
		}
		if len(jobs) > 0 && fewest >= n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("after %s, a transfer job has snoozed only %d times, want %d", max, fewest, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Zoho People's lock-out (7209): every transfer of the connection waits
// until it ends, no insert is sent during the lock, and all succeed after.
func TestLockoutIsWaitedOut(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t), options{cfg: testConfig()})
		e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "lockout", "count": 1})

		const n = 10
		trs := e.hireMany(n)
		waiting := e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferWaitingLockout))
		if !strings.Contains(waiting[0].LastError, "locked") {
			t.Fatalf("waiting transfer says %q", waiting[0].LastError)
		}
		until, err := e.db.ConnectionBlockedUntil(e.ctx, e.tenant.ID, e.conn.ID)
		must(t, err)
		if d := until.Sub(e.sb.Now()); d < 4*time.Minute || d > 5*time.Minute {
			t.Fatalf("connection blocked for %s, want Zoho's five minutes", d)
		}
		during := e.state().Calls
		time.Sleep(time.Second) // many snoozes' worth
		after := e.state().Calls
		for _, ep := range []string{"people.insertRecord", "people.getRecords"} {
			if after[ep] != during[ep] {
				t.Fatalf("%d %s calls during the lock-out", after[ep]-during[ep], ep)
			}
		}
		if during["people.insertRecord"] > n {
			t.Fatalf("%d inserts for %d hires before the lock was known", during["people.insertRecord"], n)
		}

		e.sb.Advance(5*time.Minute + time.Second)
		e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferSucceeded))
		log, _ := e.db.TransferAttempts(e.ctx, e.tenant.ID, trs[n-1].ID)
		if len(log) != 2 || log[0].Outcome != string(hrconnect.TransferWaitingLockout) || log[1].Outcome != "succeeded" {
			t.Fatalf("log: %+v (the wait once, then the success)", log)
		}
		got := byEmployeeID(e.state().employees())
		if len(got) != n {
			t.Fatalf("%d employees, want %d", len(got), n)
		}
		for id, c := range got {
			if c != 1 {
				t.Errorf("employee %s exists %d times", id, c)
			}
		}
	})
}

// A burst of hires runs at the pace of the connection's limiter, just under
// Zoho People's threshold of 100 inserts a minute: it never trips the
// lock-out. Minutes of
// Zoho's time pass on the sandbox clock, run 6 times faster than real time
// (slow enough for the pipeline under the race detector to keep up).
func TestBurstRunsAtThreshold(t *testing.T) {
	cfg := testConfig()
	cfg.InsertsPerMinute = 95
	cfg.MaxPaceWait = 15 * time.Second // of the sandbox's time: lets the workers queue for slots
	e := newEnv(t, openSQLite(t), options{cfg: cfg, maxWorkers: 20})
	const n = 160 // more than a minute and a half at the threshold
	trs := e.hireMany(n)
	stop := clockRunner(e.sb, 6)
	done := e.waitFor(trs, 60*time.Second, func(t *hrconnect.Transfer) bool { return t.State.Done() })
	stop()

	for _, tr := range done {
		if tr.State != hrconnect.TransferSucceeded {
			t.Fatalf("transfer %s is %s: %s", tr.ID, tr.State, tr.LastError)
		}
	}
	st := e.state()
	if st.Calls["people.insertRecord"] != n {
		t.Fatalf("%d inserts for %d hires: some were refused (7209) and retried", st.Calls["people.insertRecord"], n)
	}
	until, err := e.db.ConnectionBlockedUntil(context.Background(), e.tenant.ID, e.conn.ID)
	must(t, err)
	if !until.IsZero() {
		t.Fatal("the connection was locked out")
	}
	// The insert times, on Zoho's clock: the busiest minute, and the pace.
	var added []time.Time
	for _, em := range st.employees() {
		added = append(added, em.AddedTime)
	}
	slices.SortFunc(added, time.Time.Compare)
	busiest := 0
	for i, j := 0, 0; j < len(added); j++ {
		for added[j].Sub(added[i]) >= time.Minute {
			i++
		}
		busiest = max(busiest, j-i+1)
	}
	span := added[len(added)-1].Sub(added[0])
	perMinute := float64(len(added)-1) / span.Minutes()
	t.Logf("%d hires in %.1f sandbox minutes: %.1f inserts a minute, at most %d in any minute", n, span.Minutes(), perMinute, busiest)
	// Only the limit is asserted: how close to it the pipeline runs is a
	// speed, which depends on the machine's load; BenchmarkThreshold
	// reports it.
	if busiest > 100 {
		t.Fatalf("the busiest minute had %d inserts; Zoho allows 100", busiest)
	}
}

// Two replicas sharing one PostgreSQL database, each with its own River
// client and token manager, work one burst of hires through a flaky Zoho:
// every hire becomes exactly one employee.
func TestReplicasShareTheWork(t *testing.T) {
	url, dir := testenv.Postgres(t), t.TempDir()
	e := newEnv(t, openDB(t, dir, url), options{cfg: testConfig()})
	db2 := openDB(t, dir, url) // same database, same keys: another process
	z := &connect.Zoho{Client: e.zc}
	cfg := testConfig()
	cfg.Now = e.sb.Now
	svc2 := onboard.NewService(db2, connect.NewManager(db2, z, connect.WithClock(e.sb.Now)), e.zc, cfg)
	workers := river.NewWorkers()
	river.AddWorker(workers, svc2.Worker())
	river.AddWorker(workers, svc2.ReconcileWorker())
	rc, err := db2.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler), Workers: workers,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}, FetchCooldown: 10 * time.Millisecond, FetchPollInterval: 50 * time.Millisecond})
	must(t, err)
	svc2.SetRiver(rc)
	must(t, rc.Start(e.ctx))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rc.Stop(ctx)
	})

	e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "status", "status": 502, "rate": 0.2, "seed": 3})
	const n = 40
	trs := make([]*hrconnect.Transfer, n)
	for i := range n {
		app := e.hire(i + 1)
		svc := e.svc
		if i%2 == 1 {
			svc = svc2 // moves arrive at either replica
		}
		tr, err := svc.MoveApplication(e.ctx, e.tenant.ID, app.ID, e.hired.ID)
		must(t, err)
		trs[i] = tr
	}
	e.waitFor(trs, 60*time.Second, inState(hrconnect.TransferSucceeded))
	counts := byEmployeeID(e.state().employees())
	if len(counts) != n {
		t.Fatalf("%d employees, want %d", len(counts), n)
	}
	for id, c := range counts {
		if c != 1 {
			t.Errorf("employee %s exists %d times", id, c)
		}
	}
	jobs, err := e.river.JobList(e.ctx, river.NewJobListParams().Kinds("transfer").First(n))
	must(t, err)
	by := map[string]bool{}
	for _, j := range jobs.Jobs {
		for _, c := range j.AttemptedBy {
			by[c] = true
		}
	}
	if len(by) != 2 {
		t.Fatalf("jobs were worked by %d clients, want both replicas", len(by))
	}
}

// Zoho's own threshold, not a fault: with a limit of 5 inserts a minute
// and no pacing, the sixth insert locks the organisation out; the rest wait
// it out without calling, and all finish once it ends.
func TestThresholdLockout(t *testing.T) {
	limits := sandbox.DefaultLimits()
	limits.PeopleInsertsPerMinute = 5
	e := newEnv(t, openSQLite(t), options{cfg: testConfig(), limits: &limits})
	const n = 12
	trs := e.hireMany(n)
	e.waitFor(trs, 30*time.Second, func(t *hrconnect.Transfer) bool {
		return t.State == hrconnect.TransferSucceeded || t.State == hrconnect.TransferWaitingLockout
	})
	during := e.state().Calls["people.insertRecord"]
	time.Sleep(500 * time.Millisecond)
	if after := e.state().Calls["people.insertRecord"]; after != during {
		t.Fatalf("%d inserts during the lock-out", after-during)
	}
	if got := len(e.state().employees()); got != 5 {
		t.Fatalf("%d employees before the lock ends, want the threshold's 5", got)
	}
	limits.PeopleInsertsPerMinute = 100
	must(t, e.sb.SetLimits(limits))
	e.sb.Advance(5*time.Minute + time.Second)
	e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferSucceeded))
	if got := byEmployeeID(e.state().employees()); len(got) != n {
		t.Fatalf("%d employees, want %d", len(got), n)
	}
}

// loseReply lets requests through but loses the reply of the first n
// insertRecord calls, after Zoho has stored the record: the worst case for
// exactly once.
type loseReply struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (l *loseReply) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	if err == nil && strings.HasSuffix(req.URL.Path, "/insertRecord") && l.n.Add(-1) >= 0 {
		resp.Body.Close()
		return nil, errors.New("connection reset after the request was sent (test)")
	}
	return resp, err
}

// The reply of an insert Zoho carried out is lost: River retries the job,
// and attempt 2 finds the employee and links it instead of inserting again.
func TestLostReplyIsLinked(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		const n = 5
		e := newEnv(t, open(t), options{cfg: testConfig(), transport: func(rt http.RoundTripper) http.RoundTripper {
			l := &loseReply{next: rt}
			l.n.Store(n)
			return l
		}})
		trs := e.hireMany(n)
		done := e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferSucceeded))
		st := e.state()
		if got := byEmployeeID(st.employees()); len(got) != n || st.Calls["people.insertRecord"] != n {
			t.Fatalf("%d employees after %d inserts, want %d and %d", len(got), st.Calls["people.insertRecord"], n, n)
		}
		emps := map[string]string{}
		for _, em := range st.employees() {
			emps[em.Fields["EmployeeID"]] = em.ID
		}
		for _, tr := range done {
			if tr.ZohoRecordID != emps[tr.ApplicantID] || tr.Attempts != 2 {
				t.Errorf("transfer %s: record %q (Zoho has %q), attempts %d", tr.ID, tr.ZohoRecordID, emps[tr.ApplicantID], tr.Attempts)
			}
			log, _ := e.db.TransferAttempts(e.ctx, e.tenant.ID, tr.ID)
			if len(log) != 2 || log[0].Outcome != "retry" || log[1].Outcome != "linked" {
				t.Errorf("log: %+v (retry, then linked)", log)
			}
		}
	})
}
