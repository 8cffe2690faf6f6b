package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// addFault injects a fault and returns its ID.
func (e *env) addFault(spec map[string]any) string {
	e.t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	e.control("POST", "/_sandbox/faults", spec, http.StatusOK, &out)
	return out.ID
}

// refreshSetup returns a Self Client of DC us and a refresh token of it, with
// the limits off so that a test can refresh as often as it likes.
func (e *env) refreshSetup() (clientCreds, string) {
	e.t.Helper()
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, http.StatusOK, nil)
	c := e.selfClient("us")
	return c, e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
}

// rawRefresh refreshes and returns the HTTP status and the transport error,
// for faults that break the answer itself.
func (e *env) rawRefresh(c clientCreds, rt string) (int, error) {
	resp, err := e.hc.PostForm(e.tokenURL(c.dc), url.Values{
		"grant_type": {"refresh_token"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "refresh_token": {rt},
	})
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestFaultLatency(t *testing.T) {
	e := newEnv(t)
	c, rt := e.refreshSetup()
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "latency", "latency_ms": 150, "count": 1})
	start := time.Now()
	e.mustRefresh(c, rt)
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("the call took %v; the fault injected 150ms", d)
	}
	var list struct {
		Faults []json.RawMessage `json:"faults"`
	}
	e.control("GET", "/_sandbox/faults", nil, http.StatusOK, &list)
	if len(list.Faults) != 0 {
		t.Errorf("a spent count fault is still listed: %s", list.Faults)
	}
}

func TestFaultStatusForNextNCalls(t *testing.T) {
	e := newEnv(t)
	c, rt := e.refreshSetup()
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "status", "status": 503, "count": 2})
	for i := range 2 {
		if st, err := e.rawRefresh(c, rt); err != nil || st != http.StatusServiceUnavailable {
			t.Fatalf("call %d: HTTP %d %v, want 503", i+1, st, err)
		}
	}
	e.mustRefresh(c, rt) // the third call is back to normal
	// Faults are per endpoint: the other endpoints never saw it.
	e.addFault(map[string]any{"endpoint": "accounts.revoke", "kind": "status", "status": 500, "count": 1})
	e.mustRefresh(c, rt)
	if st, _ := e.call("POST", "/us/accounts/oauth/v2/token/revoke?token=x", nil); st != http.StatusInternalServerError {
		t.Errorf("revoke: HTTP %d, want the injected 500", st)
	}
}

func TestFaultDroppedConnection(t *testing.T) {
	e := newEnv(t)
	c, rt := e.refreshSetup()
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "drop", "count": 1})
	if st, err := e.rawRefresh(c, rt); err == nil {
		t.Fatalf("HTTP %d; want a transport error from the dropped connection", st)
	}
	e.mustRefresh(c, rt)
}

func TestFaultAccessDeniedSeenByOAuth2(t *testing.T) {
	e := newEnv(t)
	c, rt := e.refreshSetup()
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "access-denied", "count": 3})
	wantAccessDenied(t, e.refresh(c, rt))
	conf := &oauth2.Config{ClientID: c.ID, ClientSecret: c.Secret,
		Endpoint: oauth2.Endpoint{TokenURL: e.tokenURL("us"), AuthStyle: oauth2.AuthStyleInParams}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, e.hc)
	_, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "Access Denied" || !strings.HasPrefix(re.ErrorDescription, "You have made too many requests") {
		t.Fatalf("oauth2 got %v, want the Access Denied error", err)
	}
	// An "Access Denied" burst of 3: one left, then normal again.
	wantAccessDenied(t, e.refresh(c, rt))
	e.mustRefresh(c, rt)
}

func TestFaultRevoke(t *testing.T) {
	e := newEnv(t)
	c, rt := e.refreshSetup()
	at := e.mustRefresh(c, rt)
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": rt, "count": 1})
	wantTokenError(t, e.refresh(c, rt), "invalid_code")
	if e.live("us", at) {
		t.Error("an access token of the revoked refresh token still works")
	}

	// Every refresh token of a client, on the next People call.
	rt1 := e.mustExchange(c, e.code(c, peopleScope, 0))
	rt2 := e.mustExchange(c, e.code(c, peopleScope, 0))
	other := e.selfClient("us")
	rt3 := e.mustExchange(other, e.code(other, peopleScope, 0))
	e.addFault(map[string]any{"endpoint": "people.getRecords", "kind": "revoke", "client_id": c.ID, "count": 1})
	if e.live("us", rt1.AccessToken) {
		t.Error("the People call that revoked its client's tokens still went through")
	}
	wantTokenError(t, e.refresh(c, rt1.RefreshToken), "invalid_code")
	wantTokenError(t, e.refresh(c, rt2.RefreshToken), "invalid_code")
	e.mustRefresh(other, rt3.RefreshToken)
}

func TestFaultLockOut(t *testing.T) {
	e := newEnv(t)
	c := e.selfClient("us")
	at := e.mustExchange(c, e.code(c, peopleScope, 0)).AccessToken
	insert := func(id string) (int, string) {
		t.Helper()
		in := `{"EmployeeID":"` + id + `","FirstName":"A","LastName":"B","EmailID":"` + id + `@example.test"}`
		req, _ := http.NewRequest("POST", e.base+"/us/people/people/api/forms/json/employee/insertRecord?inputData="+url.QueryEscape(in), nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken "+at)
		resp, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Response struct {
				Status int `json:"status"`
				Errors struct {
					Code any `json:"code"`
				} `json:"errors"`
			} `json:"response"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		code := ""
		if body.Response.Status != 0 {
			code = jsonString(body.Response.Errors.Code)
		}
		return resp.StatusCode, code
	}
	if _, code := insert("E1"); code != "" {
		t.Fatalf("insert before the fault: error %s", code)
	}
	e.addFault(map[string]any{"endpoint": "people.insertRecord", "kind": "lock-out", "count": 1})
	if st, code := insert("E2"); st != http.StatusOK || code != "7209" {
		t.Fatalf("insert with the lock-out fault: HTTP %d code %q, want 200 and 7209", st, code)
	}
	if _, code := insert("E3"); code != "7209" {
		t.Fatalf("insert during the lock period: code %q, want 7209", code)
	}
	e.advance(301 * time.Second)
	if _, code := insert("E4"); code != "" {
		t.Fatalf("insert after the lock period: error %s", code)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestFaultAtARate checks rate faults: seeded, so the same pattern on every
// run and in every sandbox, and about as often as asked.
func TestFaultAtARate(t *testing.T) {
	pattern := func(rate float64, seed int) []bool {
		e := newEnv(t)
		c, rt := e.refreshSetup()
		e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "status", "status": 500, "rate": rate, "seed": seed})
		out := make([]bool, 120)
		for i := range out {
			st, err := e.rawRefresh(c, rt)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = st == http.StatusInternalServerError
		}
		return out
	}
	count := func(p []bool) int {
		n := 0
		for _, f := range p {
			if f {
				n++
			}
		}
		return n
	}
	a, b := pattern(0.3, 42), pattern(0.3, 42)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d differs between two sandboxes with the same seed", i)
		}
	}
	if n := count(a); n < 15 || n > 60 {
		t.Errorf("rate 0.3 fired %d times in 120 calls", n)
	}
	if c := pattern(0.3, 43); equal(c, a) {
		t.Error("another seed gave the same pattern")
	}
	if n := count(pattern(0, 1)); n != 0 {
		t.Errorf("rate 0 fired %d times", n)
	}
	if n := count(pattern(1, 1)); n != 120 {
		t.Errorf("rate 1 fired %d times of 120", n)
	}
}

func equal(a, b []bool) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFaultsClearAndCount checks DELETE /_sandbox/faults, one by ID and all,
// and that calls are counted per endpoint whether or not a fault answered.
func TestFaultsClearAndCount(t *testing.T) {
	e := newEnv(t)
	c, rt := e.refreshSetup()
	id := e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "status", "status": 500, "rate": 1})
	e.addFault(map[string]any{"endpoint": "accounts.token", "kind": "latency", "latency_ms": 1, "count": 100})
	if st, _ := e.rawRefresh(c, rt); st != http.StatusInternalServerError {
		t.Fatalf("HTTP %d, want 500", st)
	}
	var cleared map[string]int
	e.control("DELETE", "/_sandbox/faults/"+id, nil, http.StatusOK, &cleared)
	if cleared["cleared"] != 1 {
		t.Errorf("cleared %v", cleared)
	}
	e.controlErrors("DELETE", "/_sandbox/faults/"+id, nil, http.StatusBadRequest)
	e.mustRefresh(c, rt)
	e.control("DELETE", "/_sandbox/faults", nil, http.StatusOK, &cleared)
	if cleared["cleared"] != 1 {
		t.Errorf("clearing all cleared %v, want the one latency fault", cleared)
	}
	// One exchange, two refreshes (one answered by the fault).
	if got := e.state().Calls["accounts.token"]; got != 3 {
		t.Errorf("accounts.token calls %d, want 3", got)
	}
}

// TestFaultSpecErrors checks that a fault that cannot work is refused with
// the reason.
func TestFaultSpecErrors(t *testing.T) {
	e := newEnv(t)
	bad := []map[string]any{
		{"endpoint": "accounts.nope", "kind": "drop", "count": 1},
		{"endpoint": "accounts.token", "kind": "explode", "count": 1},
		{"endpoint": "accounts.token", "kind": "drop"},
		{"endpoint": "accounts.token", "kind": "drop", "count": 1, "rate": 0.5},
		{"endpoint": "accounts.token", "kind": "drop", "rate": 1.5},
		{"endpoint": "accounts.token", "kind": "drop", "count": 1, "seed": 3},
		{"endpoint": "accounts.token", "kind": "latency", "count": 1},
		{"endpoint": "accounts.token", "kind": "status", "status": 200, "count": 1},
		{"endpoint": "people.getRecords", "kind": "access_denied", "count": 1},
		{"endpoint": "accounts.token", "kind": "lockout", "count": 1},
		{"endpoint": "accounts.token", "kind": "revoke", "count": 1},
		{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": "1000.nope", "count": 1},
		{"endpoint": "accounts.token", "kind": "revoke", "client_id": "1000.NOPE", "count": 1},
	}
	for _, spec := range bad {
		e.controlErrors("POST", "/_sandbox/faults", spec, http.StatusBadRequest)
	}
}
