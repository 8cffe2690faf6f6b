package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestServeRefusesBadWorkerSettings: settings that cannot work stop serve
// before it starts, with a message naming the flag and what to give.
func TestServeRefusesBadWorkerSettings(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--sandbox", "--zoho-sandbox", "http://127.0.0.1:9090"}, "give one"},
		{[]string{"--zoho-sandbox", "ftp://127.0.0.1:9090"}, "--zoho-sandbox: sandbox URL \"ftp://127.0.0.1:9090\" is not an http(s) URL"},
		{[]string{"--workers", "0"}, "--workers 0: give between 1 and 1000"},
		{[]string{"--inserts-per-minute", "-5"}, "--inserts-per-minute -5: give a positive rate"},
		{[]string{"--rescue-after", "10ms"}, "--rescue-after 10ms: give at least 1s"},
		{[]string{"--replica-id", ""}, "--replica-id \"\": give a name of 1 to 100 characters"},
		{[]string{"--replica-id", " web-1"}, "--replica-id \" web-1\": give a name of 1 to 100 characters without surrounding spaces"},
		{[]string{"--replica-id", strings.Repeat("r", 101)}, "give a name of 1 to 100 characters"},
		{[]string{"--reconcile-every", "100ms"}, "--reconcile-every 100ms: give at least 1s"},
	} {
		var stdout, stderr lockedBuffer
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, c.args...)
		if code := run(context.Background(), args, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("serve %v: exit %d, %q; want 1 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

// TestReplicaIDDefault: without --replica-id a replica is named after its
// machine and process, which differ between replicas running at once.
func TestReplicaIDDefault(t *testing.T) {
	host, _ := os.Hostname()
	if got, want := defaultReplicaID(), fmt.Sprintf("%s-%d", host, os.Getpid()); got != want || host == "" {
		t.Errorf("default replica ID %q, want %q", got, want)
	}
}

// TestWorkerSettingsReachOnboarding: 0 inserts a minute is pacing off, and
// a rescue threshold under a transfer's usual time bounds the transfer.
func TestWorkerSettingsReachOnboarding(t *testing.T) {
	wc := workerConfig{workers: 10, insertsPerMinute: 95, rescueAfter: 5 * time.Minute}
	cfg := wc.onboard(nil)
	if cfg.InsertsPerMinute != 95 || cfg.JobTimeout != 0 || cfg.MaxPaceWait != 0 || wc.jobTimeout() != time.Minute {
		t.Errorf("defaults: %+v, River job timeout %s", cfg, wc.jobTimeout())
	}
	wc = workerConfig{workers: 10, insertsPerMinute: 0, rescueAfter: 3 * time.Second}
	cfg = wc.onboard(nil)
	if cfg.InsertsPerMinute >= 0 || cfg.JobTimeout != 3*time.Second || cfg.MaxPaceWait != 750*time.Millisecond || wc.jobTimeout() != 3*time.Second {
		t.Errorf("pacing off, rescue after 3 s: %+v, River job timeout %s", cfg, wc.jobTimeout())
	}
}
