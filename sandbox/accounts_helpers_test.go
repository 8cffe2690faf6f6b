package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hrconnect/sandbox"
)

// What Zoho's client IDs and secrets look like.
var (
	regexpClientID = regexp.MustCompile(`^1000\.[A-Z0-9]{30}$`)
	regexpSecret   = regexp.MustCompile(`^[0-9a-f]{42}$`)
)

// peopleScope is the scope most tests ask for: enough for a People call that
// tells a live access token from a dead one.
const peopleScope = "ZOHOPEOPLE.forms.ALL"

// env is one sandbox behind a real loopback HTTP server, with helpers that
// speak to it over HTTP as any client would.
type env struct {
	t    testing.TB
	srv  *httptest.Server
	base string
	hc   *http.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := httptest.NewServer(sandbox.New().Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, base: srv.URL, hc: srv.Client()}
}

// accounts returns the accounts server URL of DC dc.
func (e *env) accounts(dc string) string { return e.base + "/" + dc + "/accounts" }

// tokenURL returns the token endpoint of DC dc.
func (e *env) tokenURL(dc string) string { return e.accounts(dc) + "/oauth/v2/token" }

// call sends a control-surface request with a JSON body (nil for none) and
// returns the status and raw body.
func (e *env) call(method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// control sends a control-surface request, checks the status and decodes the
// answer into out (when not nil).
func (e *env) control(method, path string, body any, want int, out any) {
	e.t.Helper()
	status, raw := e.call(method, path, body)
	if status != want {
		e.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// controlErrors sends a request that must be refused with status and returns
// the messages of its {"errors":[…]} body.
func (e *env) controlErrors(method, path string, body any, status int) []string {
	e.t.Helper()
	var out struct {
		Errors []string `json:"errors"`
	}
	e.control(method, path, body, status, &out)
	if len(out.Errors) == 0 {
		e.t.Fatalf("%s %s: no errors in the %d answer", method, path, status)
	}
	return out.Errors
}

// clientCreds are a registered client's credentials.
type clientCreds struct {
	ID     string `json:"client_id"`
	Secret string `json:"client_secret"`
	dc     string
}

// register registers a client from spec (a JSON-able map) and returns it.
func (e *env) register(spec map[string]any) clientCreds {
	e.t.Helper()
	var c clientCreds
	e.control("POST", "/_sandbox/clients", spec, http.StatusOK, &c)
	c.dc, _ = spec["dc"].(string)
	if c.dc == "" {
		c.dc = "us"
	}
	return c
}

// selfClient registers a Self Client in DC dc.
func (e *env) selfClient(dc string) clientCreds {
	return e.register(map[string]any{"dc": dc, "client_type": "self"})
}

// webClient registers a web-based client in DC dc whose redirect URI is
// https://app.example.test/callback (never followed by the tests).
func (e *env) webClient(dc string, multiDC bool) clientCreds {
	return e.register(map[string]any{
		"dc": dc, "client_type": "web", "client_name": "hrconnect test",
		"homepage_url": "https://app.example.test", "redirect_uris": []string{redirectURI}, "multi_dc": multiDC,
	})
}

const redirectURI = "https://app.example.test/callback"

// code generates a Self Client code for c with scope and duration minutes (0
// for the default).
func (e *env) code(c clientCreds, scope string, minutes int) string {
	e.t.Helper()
	var out struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{
		"client_id": c.ID, "scope": scope, "duration_minutes": minutes, "description": "test",
	}, http.StatusOK, &out)
	return out.Code
}

// tokenReply is any answer of the token endpoint: a token or an error.
type tokenReply struct {
	HTTPStatus       int    `json:"-"`
	Raw              string `json:"-"`
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	Scope            string `json:"scope"`
	APIDomain        string `json:"api_domain"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int    `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Status           string `json:"status"`
}

// postToken POSTs params to DC dc's token endpoint as a form body.
func (e *env) postToken(dc string, params url.Values) tokenReply {
	e.t.Helper()
	resp, err := e.hc.PostForm(e.tokenURL(dc), params)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r tokenReply
	if err := json.Unmarshal(raw, &r); err != nil {
		e.t.Fatalf("token endpoint: %v in %q", err, raw)
	}
	r.HTTPStatus, r.Raw = resp.StatusCode, string(raw)
	return r
}

// exchange trades a code for tokens in DC dc.
func (e *env) exchange(dc string, c clientCreds, code string) tokenReply {
	e.t.Helper()
	return e.postToken(dc, url.Values{
		"grant_type": {"authorization_code"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "code": {code},
	})
}

// mustExchange trades a code for tokens and fails the test on an error.
func (e *env) mustExchange(c clientCreds, code string) tokenReply {
	e.t.Helper()
	r := e.exchange(c.dc, c, code)
	if r.AccessToken == "" {
		e.t.Fatalf("exchange: %s", r.Raw)
	}
	return r
}

// refresh makes a new access token from refresh token rt in c's DC.
func (e *env) refresh(c clientCreds, rt string) tokenReply {
	e.t.Helper()
	return e.postToken(c.dc, url.Values{
		"grant_type": {"refresh_token"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "refresh_token": {rt},
	})
}

// mustRefresh refreshes and fails the test on an error.
func (e *env) mustRefresh(c clientCreds, rt string) string {
	e.t.Helper()
	r := e.refresh(c, rt)
	if r.AccessToken == "" {
		e.t.Fatalf("refresh: %s", r.Raw)
	}
	return r.AccessToken
}

// advance moves the sandbox clock forward.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.control("POST", "/_sandbox/clock", map[string]any{"advance_seconds": d.Seconds()}, http.StatusOK, nil)
}

// freeze stops the sandbox clock, so that only advance moves it: a test at a
// limit's exact edge then does not depend on how fast the machine runs it.
func (e *env) freeze() {
	e.t.Helper()
	e.control("POST", "/_sandbox/clock", map[string]any{"freeze": true}, http.StatusOK, nil)
}

// peopleStatus calls People's getRecords in DC dc with access token at and
// returns the HTTP status: 401 means the token is dead.
func (e *env) peopleStatus(dc, at string) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.base+"/"+dc+"/people/people/api/forms/employee/getRecords?sIndex=1&limit=10", nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+at)
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// live reports whether access token at works against People in DC dc.
func (e *env) live(dc, at string) bool {
	e.t.Helper()
	switch st := e.peopleStatus(dc, at); st {
	case http.StatusOK:
		return true
	case http.StatusUnauthorized:
		return false
	default:
		e.t.Fatalf("People answered HTTP %d", st)
		return false
	}
}

// wantTokenError checks that r is the token endpoint's error code, with HTTP
// 200 as Zoho sends it.
func wantTokenError(t testing.TB, r tokenReply, code string) {
	t.Helper()
	if r.HTTPStatus != http.StatusOK {
		t.Errorf("HTTP %d, want 200 (Zoho answers token errors with 200): %s", r.HTTPStatus, r.Raw)
	}
	if r.Error != code || r.AccessToken != "" {
		t.Errorf("got %s, want error %q", r.Raw, code)
	}
}

// accessDeniedBody is SANDBOX.md's throttle body, byte for byte.
const accessDeniedBody = `{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}`

// wantAccessDenied checks that r is the throttle body, exactly.
func wantAccessDenied(t testing.TB, r tokenReply) {
	t.Helper()
	if r.HTTPStatus != http.StatusOK || r.Raw != accessDeniedBody {
		t.Errorf("got HTTP %d %s, want HTTP 200 %s", r.HTTPStatus, r.Raw, accessDeniedBody)
	}
}

// state is the part of GET /_sandbox/state the tests read.
type state struct {
	Now    time.Time      `json:"now"`
	Calls  map[string]int `json:"calls"`
	Tokens struct {
		Grant   []tokenState `json:"grant"`
		Refresh []tokenState `json:"refresh"`
		Access  []tokenState `json:"access"`
	} `json:"tokens"`
	Clients []struct {
		ClientID   string `json:"client_id"`
		ClientType string `json:"client_type"`
		DC         string `json:"dc"`
	} `json:"clients"`
	DataCentres []struct {
		Location string `json:"location"`
		Orgs     []struct {
			ID         string                       `json:"id"`
			Name       string                       `json:"name"`
			People     map[string][]json.RawMessage `json:"people"`
			Candidates []json.RawMessage            `json:"candidates"`
		} `json:"orgs"`
	} `json:"data_centres"`
}

type tokenState struct {
	Token    string     `json:"token"`
	DC       string     `json:"dc"`
	ClientID string     `json:"client_id"`
	User     string     `json:"user"`
	Org      string     `json:"org"`
	Scopes   []string   `json:"scopes"`
	Issued   time.Time  `json:"issued"`
	Expires  *time.Time `json:"expires"`
	Revoked  bool       `json:"revoked"`
	Used     bool       `json:"used"`
	Refresh  string     `json:"refresh_token"`
}

func (e *env) state() state {
	e.t.Helper()
	var s state
	e.control("GET", "/_sandbox/state", nil, http.StatusOK, &s)
	return s
}
