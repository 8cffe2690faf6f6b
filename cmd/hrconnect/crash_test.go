package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/testenv"
	"hrconnect/onboard"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/zoho"
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

// child is an hrconnect process started by the test, with its output kept.
type child struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan error
}

// startChild runs bin with args and waits until its standard output matches
// ready; it returns the process and the match's first group.
func startChild(t *testing.T, bin string, ready *regexp.Regexp, args ...string) (*child, string) {
	t.Helper()
	p := &child{cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.After(60 * time.Second)
	for {
		if m := ready.FindStringSubmatch(p.stdout.String()); m != nil {
			return p, m[1]
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s %s exited before it was ready: %v\n%s\n%s", filepath.Base(bin), args[0], err, p.stdout.String(), tail(p.stderr.String()))
		case <-deadline:
			t.Fatalf("%s %s not ready after 60 s:\n%s\n%s", filepath.Base(bin), args[0], p.stdout.String(), tail(p.stderr.String()))
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// kill ends the process with SIGKILL: no deferred function, no graceful
// stop of River, whatever it was doing.
func (p *child) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-p.done
	p.done <- err
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the process was not killed by SIGKILL: %v", err)
	}
}

// stop ends the process with SIGTERM, as an operator would, and returns
// its exit error; a process already ended returns at once.
func (p *child) stop(t *testing.T) error {
	select {
	case err := <-p.done:
		p.done <- err
		return err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("%s did not stop within 20 s of SIGTERM", p.cmd.Path)
		return <-p.done
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

var (
	sandboxListening = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	serveRunning     = regexp.MustCompile(`hrconnect is running: open (http://127\.0\.0\.1:\d+)/`)
)

func crashTest(t *testing.T, bin, pgURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	began := time.Now()
	phase := func(what string) { t.Logf("%6.1f s: %s", time.Since(began).Seconds(), what) }

	_, sbURL := startChild(t, bin, sandboxListening, "sandbox", "--addr", "127.0.0.1:0")
	sb := sandboxControl{t: t, base: sbURL}
	sb.call("PUT", "/_sandbox/limits", map[string]any{"off": true}, nil)

	// The test process prepares the data on the database serve will use,
	// with the same keyset (the data directory's), so that serve can read
	// the connection's tokens.
	dataDir := t.TempDir()
	v, err := vault.Open(vault.Options{Dir: dataDir, ReloadInterval: -1})
	must(t, err)
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dataDir, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true}
	}
	db, err := sqlstore.Open(ctx, cfg)
	must(t, err)
	defer db.Close()

	dir, err := zoho.ForSandbox(sbURL)
	must(t, err)
	zc := zoho.NewClient(zoho.Config{Directory: dir})
	z := &connect.Zoho{Client: zc}
	mgr := connect.NewManager(db, z)
	conns := connect.NewService(db, mgr, z)
	hires := onboard.NewService(db, mgr, zc, onboard.Config{})
	workers := river.NewWorkers()
	river.AddWorker(workers, hires.Worker())
	river.AddWorker(workers, hires.ReconcileWorker())
	// A client that only inserts: it has no queues, so it works no job.
	rc, err := db.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler), Workers: workers})
	must(t, err)
	hires.SetRiver(rc)

	tenant := &hrconnect.Tenant{Name: "Acme"}
	must(t, db.CreateTenant(ctx, tenant))
	user := &hrconnect.User{TenantID: tenant.ID, Email: "admin@acme.test", Name: "Admin", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, db.CreateUser(ctx, user))
	var client struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	sb.call("POST", "/_sandbox/clients", map[string]any{"dc": "eu", "client_type": "self"}, &client)
	var code struct {
		Code string `json:"code"`
	}
	sb.call("POST", "/_sandbox/self-client/code", map[string]any{"client_id": client.ClientID, "scope": zoho.ScopePeopleForms, "duration_minutes": 10}, &code)
	conn, _, err := conns.ConnectWithCode(ctx, connect.ZohoConnection{
		TenantID: tenant.ID, ActorID: user.ID, Name: "Zoho People EU", DC: "eu", ClientID: client.ClientID, Secret: client.ClientSecret,
	}, code.Code, "", "")
	must(t, err)
	wf := &hrconnect.Workflow{TenantID: tenant.ID, Name: "Engineering", Stages: []*hrconnect.Stage{{Name: "Applied"}, {Name: "Hired", ConnectionID: conn.ID}}}
	must(t, db.CreateWorkflow(ctx, wf))
	post := &hrconnect.JobPost{TenantID: tenant.ID, Title: "Go engineer", WorkflowID: wf.ID}
	must(t, db.CreateJobPost(ctx, post))
	apps := make([]*hrconnect.Application, crashHires)
	parallel(t, crashHires, func(i int) error {
		a := &hrconnect.Applicant{TenantID: tenant.ID, ApplicantID: fmt.Sprintf("C%05d", i+1), FirstName: "Grace",
			Surname: fmt.Sprintf("Hopper %d", i+1), Email: fmt.Sprintf("grace.%d@example.com", i+1)}
		if err := db.PutApplicant(ctx, a); err != nil {
			return err
		}
		apps[i] = &hrconnect.Application{TenantID: tenant.ID, ApplicantID: a.ApplicantID, JobPostID: post.ID, StageID: wf.Stages[0].ID}
		return db.CreateApplication(ctx, apps[i])
	})
	phase("applicants and applications created")

	// All 1,000 moves at once, from many goroutines as from the ATS's web
	// servers: each inserts its transfer and its job in one transaction.
	parallel(t, crashHires, func(i int) error {
		_, err := hires.MoveApplication(ctx, tenant.ID, apps[i].ID, wf.Stages[1].ID)
		return err
	})
	phase("applications moved")
	succeeded := func() int {
		list, err := db.Transfers(ctx, hrconnect.TransferFilter{TenantID: tenant.ID, State: hrconnect.TransferSucceeded, Limit: 2 * crashHires})
		must(t, err)
		return len(list)
	}

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
	var trs []*hrconnect.Transfer
	deadline := time.Now().Add(90 * time.Second)
	for {
		trs, err = db.Transfers(ctx, hrconnect.TransferFilter{TenantID: tenant.ID, Limit: 2 * crashHires})
		must(t, err)
		unfinished := 0
		for _, tr := range trs {
			if !tr.State.Done() {
				unfinished++
			}
		}
		jobs, err := rc.JobList(ctx, river.NewJobListParams().Kinds("transfer").First(10).
			States(rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled, rivertype.JobStatePending))
		must(t, err)
		if unfinished == 0 && len(jobs.Jobs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s after the last restart, %d transfers and %d+ jobs are unfinished (%d succeeded):\n%s",
				unfinished, len(jobs.Jobs), succeeded(), tail(p.stderr.String()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	phase("every transfer done")
	if err := p.stop(t); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, tail(p.stderr.String()))
	}

	// What Zoho People holds: exactly one employee per hire.
	var st struct {
		DataCentres []struct {
			Location   string `json:"location"`
			DefaultOrg string `json:"default_org"`
			Orgs       []struct {
				ID     string `json:"id"`
				People map[string][]struct {
					ID     string            `json:"id"`
					Fields map[string]string `json:"fields"`
				} `json:"people"`
			} `json:"orgs"`
		} `json:"data_centres"`
		Calls map[string]int `json:"calls"`
	}
	sb.call("GET", "/_sandbox/state", nil, &st)
	byEmployeeID, byEmail, recordOf := map[string]int{}, map[string]int{}, map[string]string{}
	total := 0
	for _, dc := range st.DataCentres {
		for _, o := range dc.Orgs {
			for _, em := range o.People["employee"] {
				total++
				byEmployeeID[em.Fields["EmployeeID"]]++
				byEmail[strings.ToLower(em.Fields["EmailID"])]++
				recordOf[em.Fields["EmployeeID"]] = em.ID
			}
		}
	}
	if total != crashHires {
		t.Errorf("%d employees in Zoho People, want exactly %d", total, crashHires)
	}
	for id, n := range byEmployeeID {
		if n != 1 {
			t.Errorf("EmployeeID %s: %d employees", id, n)
		}
	}
	for email, n := range byEmail {
		if n != 1 {
			t.Errorf("EmailID %s: %d employees", email, n)
		}
	}

	// What hrconnect holds: one transfer per application, each succeeded
	// with the record ID of its own employee.
	if len(trs) != crashHires {
		t.Errorf("%d transfers, want one per application: %d", len(trs), crashHires)
	}
	linked, perApp := 0, map[string]int{}
	for _, tr := range trs {
		perApp[tr.ApplicationID]++
		if tr.State != hrconnect.TransferSucceeded {
			t.Errorf("transfer %s is %s: %s", tr.ID, tr.State, tr.LastError)
			continue
		}
		if tr.ZohoRecordID == "" || tr.ZohoRecordID != recordOf[tr.ApplicantID] {
			t.Errorf("transfer %s of %s holds record %q; Zoho's employee is %q", tr.ID, tr.ApplicantID, tr.ZohoRecordID, recordOf[tr.ApplicantID])
		}
		if strings.HasPrefix(tr.Reply, "Linked") {
			linked++
		}
	}
	if len(perApp) != crashHires {
		t.Errorf("transfers for %d applications, want %d", len(perApp), crashHires)
	}

	// The kills hit jobs mid-way: River rescued some, which proves the
	// test tested a crash and not three clean pauses.
	rescued := 0
	params := river.NewJobListParams().Kinds("transfer").First(500).States(rivertype.JobStateCompleted)
	for {
		res, err := rc.JobList(ctx, params)
		must(t, err)
		for _, j := range res.Jobs {
			for _, e := range j.Errors {
				if strings.Contains(e.Error, "Stuck job rescued") {
					rescued++
					break
				}
			}
		}
		if res.LastCursor == nil || len(res.Jobs) < 500 {
			break
		}
		params = params.After(res.LastCursor)
	}
	t.Logf("%s: %d employees, %d transfers; %d jobs rescued from killed processes, %d transfers linked to the employee an interrupted attempt had made; %d inserts, %d lookups",
		db.Driver(), total, len(trs), rescued, linked, st.Calls["people.insertRecord"], st.Calls["people.getRecords"])
	if rescued == 0 {
		t.Errorf("no job was rescued: no kill interrupted a running job\n%s", tail(strings.Join(logs, "\n")))
	}
}

// parallel runs f(0) … f(n-1) from 20 goroutines and stops the test at
// the first error.
func parallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Bool
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n) && !failed.Load(); i = next.Add(1) - 1 {
				if err := f(int(i)); err != nil {
					failed.Store(true)
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() {
		t.FailNow()
	}
}

// sandboxControl calls a sandbox process's control surface.
type sandboxControl struct {
	t    *testing.T
	base string
}

func (s sandboxControl) call(method, path string, in, out any) {
	s.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}
