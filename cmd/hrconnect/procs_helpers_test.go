package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

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
