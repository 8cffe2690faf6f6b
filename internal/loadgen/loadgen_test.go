package loadgen_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/internal/loadgen"
)

func ms(xs ...int) []time.Duration {
	out := make([]time.Duration, len(xs))
	for i, x := range xs {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 50, 7 * time.Millisecond},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{ms(1, 2, 3, 4), 100, 4 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond}, // not 100: 0.99·100 rounds up in floating point
		{ms(hundred...), 1, 1 * time.Millisecond},
		{ms(hundred...), 0, 0},
	}
	for _, tc := range tests {
		if got := loadgen.Percentile(tc.values, tc.p); got != tc.want {
			t.Errorf("Percentile(%d values, %v) = %s, want %s", len(tc.values), tc.p, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := loadgen.Config{URL: "http://127.0.0.1:8080/api/v1/connections", Requests: 100, Concurrency: 4, Duration: time.Second}
	if err := ok.Check(); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	for _, u := range []string{"http://localhost:1/x", "http://[::1]:8080/", "http://127.0.0.2/"} {
		c := ok
		c.URL = u
		if err := c.Check(); err != nil {
			t.Errorf("%s is loopback: %v", u, err)
		}
	}
	tests := []struct {
		name, field, says string
		change            func(*loadgen.Config)
	}{
		{"remote host", "url", "not a loopback", func(c *loadgen.Config) { c.URL = "http://192.0.2.1:8080/" }},
		{"host name", "url", "not a loopback", func(c *loadgen.Config) { c.URL = "http://example.com/" }},
		{"no scheme", "url", "not an http", func(c *loadgen.Config) { c.URL = "127.0.0.1:8080/api" }},
		{"other scheme", "url", "not an http", func(c *loadgen.Config) { c.URL = "ftp://127.0.0.1/" }},
		{"no requests", "requests", "between 1 and", func(c *loadgen.Config) { c.Requests = 0 }},
		{"too many requests", "requests", "between 1 and", func(c *loadgen.Config) { c.Requests = loadgen.MaxRequests + 1 }},
		{"no clients", "concurrency", "between 1 and", func(c *loadgen.Config) { c.Concurrency = 0 }},
		{"too many clients", "concurrency", "between 1 and", func(c *loadgen.Config) { c.Concurrency = loadgen.MaxConcurrency + 1 }},
		{"more clients than requests", "concurrency", "at most as many", func(c *loadgen.Config) { c.Requests, c.Concurrency = 3, 4 }},
		{"no duration", "duration", "above 0", func(c *loadgen.Config) { c.Duration = 0 }},
		{"long duration", "duration", "at most", func(c *loadgen.Config) { c.Duration = loadgen.MaxDuration + time.Second }},
		{"negative timeout", "timeout", "negative", func(c *loadgen.Config) { c.Timeout = -time.Second }},
	}
	for _, tc := range tests {
		c := ok
		tc.change(&c)
		err := c.Check()
		var e *hrconnect.Error
		if !errors.As(err, &e) || e.Code != hrconnect.EINVALID || e.Field != tc.field || !strings.Contains(e.Message, tc.says) {
			t.Errorf("%s: %v; want EINVALID on %s saying %q", tc.name, err, tc.field, tc.says)
		}
		if _, err := loadgen.Run(context.Background(), c); err == nil {
			t.Errorf("%s: Run accepted the config", tc.name)
		}
	}
}

// TestRun runs against a server on loopback that fails every tenth request
// and checks the counts against the server's own.
func TestRun(t *testing.T) {
	var served, auth atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		if r.Header.Get("Authorization") == "Bearer k3y" {
			auth.Add(1)
		}
		if n%10 == 0 {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()
	res, err := loadgen.Run(context.Background(), loadgen.Config{URL: srv.URL + "/x", APIKey: "k3y", Requests: 200, Concurrency: 8, Duration: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || served.Load() != 200 || auth.Load() != 200 {
		t.Errorf("%d requests counted, %d served, %d with the key; want 200 each", res.Requests, served.Load(), auth.Load())
	}
	if res.Errors != 20 || res.FirstError != "HTTP 503" {
		t.Errorf("%d errors (first %q), want 20 (HTTP 503)", res.Errors, res.FirstError)
	}
	if res.Bytes != 180*5+20*3 {
		t.Errorf("%d bytes read, want %d", res.Bytes, 180*5+20*3)
	}
	if res.P50 <= 0 || res.P50 > res.P99 || res.P99 > res.Max || res.RPS() <= 0 {
		t.Errorf("p50 %s, p99 %s, max %s, %.0f/s: not ordered", res.P50, res.P99, res.Max, res.RPS())
	}
}

// TestRunStopsAtDuration: a run whose requests outlast its duration ends
// at the duration, not after every request.
func TestRunStopsAtDuration(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	res, err := loadgen.Run(context.Background(), loadgen.Config{URL: srv.URL, Requests: 100000, Concurrency: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Elapsed > 5*time.Second || res.Requests >= 100000 || res.Requests == 0 || res.Errors != 0 {
		t.Errorf("%d requests, %d errors in %s; want a few, none failed, stopped near 300ms", res.Requests, res.Errors, res.Elapsed)
	}
}
