package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/onboard"
	"hrconnect/sqlstore"
	"hrconnect/zoho"
)

// buildBinary builds hrconnect once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hrconnect")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is the built binary running "serve --sandbox".
type process struct {
	cmd            *exec.Cmd
	base, sandbox  string
	stdout, stderr *lockedBuffer
	exited         chan struct{}
	exitErr        error
}

func startProcess(t *testing.T, bin, dataDir string, extra ...string) *process {
	t.Helper()
	p := &process{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	args := append([]string{"serve", "--sandbox", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Env = append(os.Environ(), "HRCONNECT_METRICS_TOKEN=") // the flags alone decide
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exitErr = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for p.base == "" || p.sandbox == "" {
		select {
		case <-p.exited:
			t.Fatalf("serve exited: %v: %s %s", p.exitErr, p.stdout, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URLs in 30 s: %s %s", p.stdout, p.stderr)
		}
		if m := openURL.FindStringSubmatch(p.stdout.String()); m != nil {
			p.base = m[1]
		}
		if m := consoleURL.FindStringSubmatch(p.stdout.String()); m != nil {
			p.sandbox = strings.TrimSuffix(m[1], "/console/")
		}
	}
	return p
}

// terminate sends SIGTERM and returns how long the process took to exit.
func (p *process) terminate(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(limit):
		t.Fatalf("serve did not exit within %s of SIGTERM: %s", limit, p.stderr)
	}
	took := time.Since(start)
	if p.exitErr != nil {
		t.Fatalf("serve exited with %v after SIGTERM: %s", p.exitErr, p.stderr)
	}
	return took
}

// hiring is the test's own view of serve's database: the tenant, the
// connection to serve's sandbox and the linked stage, and a River client
// that only inserts (serve's workers run the jobs).
type hiring struct {
	t    *testing.T
	ctx  context.Context
	db   *sqlstore.DB
	svc  *onboard.Service
	jobs *river.Client[*sql.Tx]
	tn   *hrconnect.Tenant
	user *hrconnect.User
	wf   *hrconnect.Workflow
	post *hrconnect.JobPost
	n    int
}

func newHiring(t *testing.T, db *sqlstore.DB, sandboxURL string) *hiring {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	dir, err := zoho.ForSandbox(sandboxURL)
	if err != nil {
		t.Fatal(err)
	}
	zc := zoho.NewClient(zoho.Config{Directory: dir})
	z := &connect.Zoho{Client: zc}
	mgr := connect.NewManager(db, z)
	conns := connect.NewService(db, mgr, z)
	h := &hiring{t: t, ctx: ctx, db: db, svc: onboard.NewService(db, mgr, zc, onboard.Config{})}
	if h.jobs, err = db.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	h.svc.SetRiver(h.jobs)
	h.tn = &hrconnect.Tenant{Name: "Shutdown Test"}
	must(t, db.CreateTenant(ctx, h.tn))
	h.user = &hrconnect.User{TenantID: h.tn.ID, Email: "admin@shutdown.test", Name: "Admin", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, db.CreateUser(ctx, h.user))
	id, secret, code := selfClientCode(t, sandboxURL, "eu", zoho.ScopePeopleForms)
	c, _, err := conns.ConnectWithCode(ctx, connect.ZohoConnection{TenantID: h.tn.ID, ActorID: h.user.ID, Name: "People EU", DC: "eu", ClientID: id, Secret: secret}, code, "", "")
	if err != nil {
		t.Fatalf("ConnectWithCode: %v", err)
	}
	h.wf = &hrconnect.Workflow{TenantID: h.tn.ID, Name: "Engineering", Stages: []*hrconnect.Stage{{Name: "Applied"}, {Name: "Hired", ConnectionID: c.ID}}}
	must(t, db.CreateWorkflow(ctx, h.wf))
	h.post = &hrconnect.JobPost{TenantID: h.tn.ID, Title: "Go engineer", WorkflowID: h.wf.ID}
	must(t, db.CreateJobPost(ctx, h.post))
	return h
}

// hire moves a new applicant into the linked stage: a transfer and its job.
func (h *hiring) hire() *hrconnect.Transfer {
	h.t.Helper()
	h.n++
	a := &hrconnect.Applicant{TenantID: h.tn.ID, ApplicantID: fmt.Sprintf("S%04d", h.n), FirstName: "Ada",
		Surname: fmt.Sprintf("Lovelace %d", h.n), Email: fmt.Sprintf("ada.%d@shutdown.test", h.n)}
	must(h.t, h.db.PutApplicant(h.ctx, a))
	app := &hrconnect.Application{TenantID: h.tn.ID, ApplicantID: a.ApplicantID, JobPostID: h.post.ID, StageID: h.wf.Stages[0].ID}
	must(h.t, h.db.CreateApplication(h.ctx, app))
	tr, err := h.svc.MoveApplicationBy(h.ctx, h.tn.ID, app.ID, h.wf.Stages[1].ID, h.user.ID)
	if err != nil || tr == nil {
		h.t.Fatalf("move: %v, %v", tr, err)
	}
	return tr
}

// waitState polls a transfer until it is in state, for at most timeout.
func (h *hiring) waitState(tr *hrconnect.Transfer, state hrconnect.TransferState, timeout time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, err := h.db.Transfer(h.ctx, h.tn.ID, tr.ID)
		if err == nil && got.State == state {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("transfer %s is %v (%v) after %s, want %s", tr.ID, got.State, err, timeout, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// job returns the River job of a transfer.
func (h *hiring) job(tr *hrconnect.Transfer) *rivertype.JobRow {
	h.t.Helper()
	res, err := h.jobs.JobList(h.ctx, river.NewJobListParams().Kinds(onboard.TransferArgs{}.Kind()).First(1000))
	if err != nil {
		h.t.Fatal(err)
	}
	for _, j := range res.Jobs {
		var args onboard.TransferArgs
		if json.Unmarshal(j.EncodedArgs, &args) == nil && args.TransferID == tr.ID {
			return j
		}
	}
	h.t.Fatalf("no job for transfer %s", tr.ID)
	return nil
}

// waitCall polls the sandbox until endpoint has been called n times.
func waitCall(t *testing.T, sandboxURL, endpoint string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st struct {
			Calls map[string]int `json:"calls"`
		}
		_, b := do(t, "GET", sandboxURL+"/_sandbox/state", nil, nil)
		if json.Unmarshal(b, &st) == nil && st.Calls[endpoint] >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox saw %d %s calls in 30 s, want %d", st.Calls[endpoint], endpoint, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestShutdownUnderLoad runs the built binary and sends it SIGTERM while a
// transfer's insert is held at Zoho (the sandbox's latency fault):
//
//   - with a grace period longer than the insert, the job finishes: the
//     transfer succeeds, and the process exits 0 soon after;
//   - with a shorter one, the job is cancelled and returned to the queue
//     (available or retryable), never left running or lost, and
//     the process exits 0 within the grace period plus the margins.
//
// Before the first SIGTERM it also scrapes /metrics after a real hire.
func TestShutdownUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)

	t.Run("finishes", func(t *testing.T) {
		dir := t.TempDir()
		db, _, err := (&storeConfig{dataDir: dir}).open(context.Background(), false)
		must(t, err)
		defer db.Close()
		const grace = 8 * time.Second
		p := startProcess(t, bin, dir, "--shutdown-grace", grace.String())
		h := newHiring(t, db, p.sandbox)

		first := h.hire()
		h.waitState(first, hrconnect.TransferSucceeded, 30*time.Second)
		m, text := scrape(t, p.base, "")
		if m[`hrconnect_transfers{state="succeeded"}`] != 1 || m[`hrconnect_zoho_calls_total{endpoint="insertRecord",outcome="ok"}`] < 1 {
			t.Errorf("metrics after one hire:\n%s\n%s", grep(text, "hrconnect_transfers"), grep(text, "hrconnect_zoho_calls_total"))
		}

		do(t, "POST", p.sandbox+"/_sandbox/faults", nil, map[string]any{"endpoint": "people.insertRecord", "kind": "latency", "latency_ms": 1500, "count": 1})
		second := h.hire()
		waitCall(t, p.sandbox, "people.insertRecord", 2)
		took := p.terminate(t, grace+15*time.Second)
		got, err := db.Transfer(h.ctx, h.tn.ID, second.ID)
		if err != nil || got.State != hrconnect.TransferSucceeded {
			t.Fatalf("the transfer in flight at SIGTERM is %v (%v), want succeeded: it had the grace period to finish\n%s", got.State, err, p.stderr)
		}
		if took > grace+2*time.Second {
			t.Errorf("exit took %s with a job of 1.5 s and a grace period of %s", took, grace)
		}
		t.Logf("exited %s after SIGTERM, the in-flight transfer finished", took.Round(time.Millisecond))
	})

	t.Run("returned to the queue", func(t *testing.T) {
		dir := t.TempDir()
		db, _, err := (&storeConfig{dataDir: dir}).open(context.Background(), false)
		must(t, err)
		defer db.Close()
		const grace = time.Second
		p := startProcess(t, bin, dir, "--shutdown-grace", grace.String())
		h := newHiring(t, db, p.sandbox)
		do(t, "POST", p.sandbox+"/_sandbox/faults", nil, map[string]any{"endpoint": "people.insertRecord", "kind": "latency", "latency_ms": 60000, "count": 1})
		tr := h.hire()
		waitCall(t, p.sandbox, "people.insertRecord", 1)
		limit := grace + cancelMargin + sideMargin + 3*time.Second
		took := p.terminate(t, limit)
		got, err := db.Transfer(h.ctx, h.tn.ID, tr.ID)
		must(t, err)
		if got.State == hrconnect.TransferSucceeded || got.State == hrconnect.TransferFailed {
			t.Errorf("the cancelled transfer is %s, want it still to do", got.State)
		}
		j := h.job(tr)
		switch j.State {
		case rivertype.JobStateRetryable, rivertype.JobStateAvailable, rivertype.JobStateScheduled:
		default:
			t.Fatalf("the cancelled job is %s, want it back in the queue (retryable)\n%s", j.State, p.stderr)
		}
		if !strings.Contains(p.stderr.String(), "cancelling them") {
			t.Errorf("the log does not say running jobs were cancelled:\n%s", p.stderr)
		}
		t.Logf("exited %s after SIGTERM (grace %s), job %s, transfer %s", took.Round(time.Millisecond), grace, j.State, got.State)
	})
}
