package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/api"
	"hrconnect/zoho"
)

// served is one "hrconnect serve --sandbox" running in-process.
type served struct {
	t       *testing.T
	base    string // hrconnect
	sandbox string // the in-process Zoho sandbox
	dataDir string
	stdout  *lockedBuffer
	stderr  *lockedBuffer
	cancel  context.CancelFunc
	done    chan int
	stopped bool
}

// startServe runs serve --sandbox on free ports with extra flags.
func startServe(t *testing.T, dataDir string, extra ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{t: t, dataDir: dataDir, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args := append([]string{"serve", "--sandbox", "--addr", "127.0.0.1:0", "--data-dir", dataDir}, extra...)
	go func() { s.done <- run(ctx, args, s.stdout, s.stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for s.base == "" || s.sandbox == "" {
		select {
		case code := <-s.done:
			t.Fatalf("serve exited with %d: %s %s", code, s.stdout, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve printed no URLs in 30 s: %s %s", s.stdout, s.stderr)
		}
		if m := openURL.FindStringSubmatch(s.stdout.String()); m != nil {
			s.base = m[1]
		}
		if m := consoleURL.FindStringSubmatch(s.stdout.String()); m != nil {
			s.sandbox = strings.TrimSuffix(m[1], "/console/")
		}
	}
	t.Cleanup(s.stop)
	return s
}

// stop ends serve and waits for it to exit 0.
func (s *served) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.cancel()
	select {
	case code := <-s.done:
		if code != 0 {
			s.t.Errorf("serve exited with %d: %s", code, s.stderr)
		}
	case <-time.After(20 * time.Second):
		s.t.Error("serve did not stop within 20 s")
	}
}

// do sends a request and returns the reply and its body.
func do(t *testing.T, method, url string, header map[string]string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// selfClientCode registers a Self Client in the sandbox's dc and generates a
// code for scope.
func selfClientCode(t *testing.T, sandboxURL, dc, scope string) (id, secret, code string) {
	t.Helper()
	var c struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	res, b := do(t, "POST", sandboxURL+"/_sandbox/clients", nil, map[string]any{"dc": dc, "client_type": "self"})
	if res.StatusCode != 200 || json.Unmarshal(b, &c) != nil {
		t.Fatalf("register a client: %d %s", res.StatusCode, b)
	}
	var g struct {
		Code string `json:"code"`
	}
	res, b = do(t, "POST", sandboxURL+"/_sandbox/self-client/code", nil, map[string]any{"client_id": c.ID, "scope": scope, "duration_minutes": 10})
	if res.StatusCode != 200 || json.Unmarshal(b, &g) != nil {
		t.Fatalf("generate a code: %d %s", res.StatusCode, b)
	}
	return c.ID, c.Secret, g.Code
}

// metricLine matches one sample of the text format: name{labels} value.
var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$`)

// scrape reads /metrics and returns every sample by "name{labels}".
func scrape(t *testing.T, base, token string) (map[string]float64, string) {
	t.Helper()
	res, b := do(t, "GET", base+"/metrics", map[string]string{"Authorization": "Bearer " + token}, nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d: %s", res.StatusCode, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		m := metricLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out, string(b)
}

// TestServeOperations drives serve --sandbox over HTTP and checks what
// operators see: /healthz and /readyz before any setup and without sign-in,
// /metrics behind its bearer token with the counters moved by real calls to
// the sandbox, request IDs echoed and in every log line of their request,
// and no secret in the metrics or the logs.
func TestServeOperations(t *testing.T) {
	const metricsToken = "ops-test-metrics-token-0123456789"
	dir := t.TempDir()
	s := startServe(t, dir, "--metrics-token", metricsToken)

	// Liveness and readiness answer before the first-run setup.
	if res, b := do(t, "GET", s.base+"/healthz", nil, nil); res.StatusCode != 200 || !strings.Contains(string(b), `"ok"`) {
		t.Errorf("GET /healthz = %d %s, want 200", res.StatusCode, b)
	}
	res, b := do(t, "GET", s.base+"/readyz", nil, nil)
	var ready struct {
		Status string `json:"status"`
		Checks []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	}
	if res.StatusCode != 200 || json.Unmarshal(b, &ready) != nil || ready.Status != "ready" || len(ready.Checks) != 2 {
		t.Errorf("GET /readyz = %d %s, want 200 ready with 2 checks", res.StatusCode, b)
	}
	const pageReqID = "ops-test-page-request-0002"
	if res, _ := do(t, "GET", s.base+"/setup?next=%2Fsecret-query", map[string]string{"X-Request-ID": pageReqID}, nil); res.StatusCode != 200 || res.Header.Get("X-Request-ID") != pageReqID {
		t.Errorf("GET /setup = %d with X-Request-ID %q", res.StatusCode, res.Header.Get("X-Request-ID"))
	}
	if res, _ := do(t, "GET", s.base+"/", nil, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("GET / = %d, want the first-run redirect (303) for pages", res.StatusCode)
	}

	// The metrics need the token.
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong-token-wrong-token"}} {
		if res, _ := do(t, "GET", s.base+"/metrics", h, nil); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /metrics with %v = %d, want 401", h, res.StatusCode)
		}
	}

	// A tenant and an API key, then a Zoho People connection through the
	// API: a code exchange and a refresh at the sandbox.
	ctx := context.Background()
	sc := storeConfig{dataDir: dir}
	db, _, err := sc.open(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tn := &hrconnect.Tenant{Name: "Ops Test"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	user := &hrconnect.User{TenantID: tn.ID, Email: "ops.admin@acme.test", Name: "Ops", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	if err := db.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	key, err := api.IssueKey(ctx, db, &hrconnect.APIKey{TenantID: tn.ID, Name: "ops test", CreatedBy: user.ID, Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}})
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret, code := selfClientCode(t, s.sandbox, "eu", zoho.ScopePeopleForms)
	const reqID = "ops-test-request-0001"
	res, b = do(t, "POST", s.base+"/api/v1/connections", map[string]string{"Authorization": "Bearer " + key, "X-Request-ID": reqID},
		map[string]any{"service": "zoho_people", "name": "People EU", "dc": "eu", "client_id": clientID, "client_secret": secret, "code": code})
	var created struct {
		Connection struct {
			ID string `json:"id"`
		} `json:"connection"`
		Tokens struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		} `json:"tokens"`
	}
	if res.StatusCode != http.StatusCreated || json.Unmarshal(b, &created) != nil || created.Tokens.Access == "" {
		t.Fatalf("POST /api/v1/connections = %d %s", res.StatusCode, b)
	}
	if got := res.Header.Get("X-Request-ID"); got != reqID {
		t.Errorf("X-Request-ID = %q, want the one sent, %q", got, reqID)
	}
	res, b = do(t, "POST", s.base+"/api/v1/connections/"+created.Connection.ID+"/check", map[string]string{"Authorization": "Bearer " + key}, nil)
	if res.StatusCode != 200 {
		t.Fatalf("check = %d %s", res.StatusCode, b)
	}
	generated := res.Header.Get("X-Request-ID")
	if !regexp.MustCompile(`^req_[0-9a-f]{24}$`).MatchString(generated) {
		t.Errorf("a request without an ID got %q, want a generated req_… ID", generated)
	}
	// A spent code: Zoho refuses it, a refusal the metrics count by class.
	res, _ = do(t, "POST", s.base+"/api/v1/connections", map[string]string{"Authorization": "Bearer " + key, "X-Request-ID": "bad id with spaces"},
		map[string]any{"service": "zoho_people", "name": "People EU 2", "dc": "eu", "client_id": clientID, "client_secret": secret, "code": code})
	if res.StatusCode < 400 {
		t.Errorf("a spent code was accepted: %d", res.StatusCode)
	}
	if got := res.Header.Get("X-Request-ID"); got == "bad id with spaces" || got == "" {
		t.Errorf("a malformed X-Request-ID was echoed or dropped: %q", got)
	}

	m, text := scrape(t, s.base, metricsToken)
	for name, min := range map[string]float64{
		`hrconnect_zoho_calls_total{endpoint="token",outcome="ok"}`:                                               2, // exchange, refresh
		`hrconnect_token_refreshes_total{outcome="ok"}`:                                                           1,
		`hrconnect_http_request_duration_seconds_count{route="POST /api/v1/connections",status="2xx"}`:            1,
		`hrconnect_http_request_duration_seconds_count{route="POST /api/v1/connections/{id}/check",status="2xx"}`: 1,
		`hrconnect_http_request_duration_seconds_count{route="GET /healthz",status="2xx"}`:                        1,
		`hrconnect_http_request_duration_seconds_count{route="GET /readyz",status="2xx"}`:                         1,
		`hrconnect_http_request_duration_seconds_count{route="GET /metrics",status="4xx"}`:                        2,
	} {
		if m[name] < min {
			t.Errorf("%s = %v, want at least %v", name, m[name], min)
		}
	}
	refused := 0.0
	for k, v := range m {
		if strings.HasPrefix(k, `hrconnect_zoho_calls_total{endpoint="token",outcome=`) && !strings.Contains(k, `"ok"`) {
			refused += v
		}
	}
	if refused < 1 {
		t.Errorf("the spent code's refusal is not counted:\n%s", grep(text, "hrconnect_zoho_calls_total"))
	}
	if _, ok := m[`hrconnect_transfers{state="succeeded"}`]; !ok {
		t.Errorf("no transfers gauge by state:\n%s", grep(text, "hrconnect_transfers"))
	}
	for _, secretish := range []string{tn.ID, user.Email, clientID, secret, code, key, created.Tokens.Access, created.Tokens.Refresh, created.Connection.ID} {
		if strings.Contains(text, secretish) {
			t.Errorf("the metrics show %.12s…", secretish)
		}
	}

	s.stop()
	logs := s.stderr.String()
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		for _, secretish := range []string{secret, code, key, created.Tokens.Access, created.Tokens.Refresh, metricsToken} {
			if strings.Contains(line, secretish) {
				t.Errorf("a log line shows a secret %.8s…: %s", secretish, line)
			}
		}
		if strings.Contains(line, reqID) {
			n++
			var v map[string]any
			if err := json.Unmarshal([]byte(line), &v); err != nil || v["request_id"] != reqID {
				t.Errorf("the request's line has no request_id %q: %s", reqID, line)
			}
		}
	}
	if n == 0 {
		t.Errorf("no log line names the request ID %q:\n%s", reqID, logs)
	}
	if !strings.Contains(grep(logs, pageReqID), `"msg":"request"`) || strings.Contains(logs, "secret-query") {
		t.Errorf("the page's request line lacks its ID %q, or shows its query:\n%s", pageReqID, grep(logs, "/setup"))
	}
}

// grep returns the lines of text that contain s.
func grep(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestServeSettingsDocumented: every flag "serve -h" shows has an
// environment variable, and docs/operations.md's table lists both.
func TestServeSettingsDocumented(t *testing.T) {
	var out lockedBuffer
	if code := run(context.Background(), []string{"serve", "-h"}, &out, &out); code != 0 {
		t.Fatalf("serve -h exited %d: %s", code, out.String())
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	flagLine := regexp.MustCompile(`^  --([a-z-]+) .*?(\[\$([A-Z_]+)\])?( \(default .*\))?$`)
	n := 0
	for _, line := range strings.Split(out.String(), "\n") {
		m := flagLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n++
		flag, env := m[1], m[3]
		if env == "" {
			t.Errorf("--%s has no environment variable", flag)
		}
		row := "| `--" + flag + "` | `" + env + "` |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/operations.md has no settings row starting %q", row)
		}
	}
	if n < 10 {
		t.Fatalf("found %d flags in serve -h, want every one:\n%s", n, out.String())
	}
}

// TestServeRefusesBadOpsSettings: a grace period that is not positive, or a
// metrics token short enough to guess, stops serve before it opens anything,
// with a message naming the setting.
func TestServeRefusesBadOpsSettings(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--shutdown-grace", "0s"}, "--shutdown-grace"},
		{[]string{"--shutdown-grace", "-5s"}, "--shutdown-grace"},
		{[]string{"--metrics-token", "short"}, "--metrics-token"},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		var out, errs lockedBuffer
		code := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, c.args...), &out, &errs)
		if code != 1 || !strings.Contains(errs.String(), c.want) {
			t.Errorf("serve %v: exit %d, %q; want 1 and a message naming %s", c.args, code, errs.String(), c.want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("serve %v created the data directory before refusing its settings", c.args)
		}
	}
}
