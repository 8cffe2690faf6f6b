package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that the command's goroutines and the test
// can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var (
	openURL    = regexp.MustCompile(`open (http://127\.0\.0\.1:\d+)/`)
	consoleURL = regexp.MustCompile(`API Console: (http://127\.0\.0\.1:\d+/console/)`)
)

// TestServeSandbox runs "hrconnect serve --sandbox" in-process on a free
// port: it prints the URL to open and the sandbox console's, serves the
// first-run page, the API and the console, logs JSON, and stops cleanly when
// its context ends.
func TestServeSandbox(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--sandbox", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, &stdout, &stderr)
	}()

	var base, console string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" || console == "" {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s %s", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URLs in 30 s: %s %s", stdout.String(), stderr.String())
		}
		if m := openURL.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		if m := consoleURL.FindStringSubmatch(stdout.String()); m != nil {
			console = m[1]
		}
	}

	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(url string) (*http.Response, string) {
		t.Helper()
		res, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	res, _ := get(base + "/")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/setup" {
		t.Errorf("GET / = %d to %q, want 303 to /setup", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := get(base + "/setup")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Set up hrconnect") || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET /setup = %d:\n%s", res.StatusCode, body)
	}
	res, body = get(base + "/static/style.css")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, ".tiles") {
		t.Errorf("GET /static/style.css = %d", res.StatusCode)
	}
	if res, _ := get(base + "/api/v1/openapi.json"); res.StatusCode != http.StatusOK {
		t.Errorf("the REST API is not mounted: GET /api/v1/openapi.json = %d", res.StatusCode)
	}
	if res, _ := get(base + "/api/v1/connections"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/connections without a key = %d, want 401", res.StatusCode)
	}
	if res, body := get(console); res.StatusCode != http.StatusOK || !strings.Contains(body, "API Console") {
		t.Errorf("GET %s = %d", console, res.StatusCode)
	}
	// A cross-site POST is refused by the served handler too.
	req, _ := http.NewRequest(http.MethodPost, base+"/setup", strings.NewReader("company=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /setup: %v %v", res.StatusCode, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited with %d after its context ended: %s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop within 15 s of its context ending")
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if !strings.HasPrefix(line, "{") {
			t.Errorf("a log line is not JSON: %q", line)
		}
	}
	for _, want := range []string{`"msg":"serving"`, `"msg":"River client started"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("no %s line in the log: %s", want, stderr.String())
		}
	}
}

// TestBaseURL: the base URL of the OAuth redirect URI is the one given, when
// it is an http(s) URL, or the listening address, with an unspecified one
// named localhost.
func TestBaseURL(t *testing.T) {
	tcp := func(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	for _, c := range []struct {
		given string
		addr  net.Addr
		want  string
		bad   bool
	}{
		{"", tcp("127.0.0.1", 8080), "http://127.0.0.1:8080", false},
		{"", tcp("::", 8080), "http://localhost:8080", false},
		{"", tcp("0.0.0.0", 9000), "http://localhost:9000", false},
		{"https://hr.example.com/", tcp("127.0.0.1", 8080), "https://hr.example.com", false},
		{"hr.example.com", nil, "", true},
		{"ftp://hr.example.com", nil, "", true},
		{"https://hr.example.com/?x=1", nil, "", true},
	} {
		got, err := baseURL(c.given, c.addr)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("baseURL(%q, %v) = %q, %v; want %q (error: %v)", c.given, c.addr, got, err, c.want, c.bad)
		}
	}
}
