package zoho_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"hrconnect/internal/testenv"
	"hrconnect/sandbox"
	"hrconnect/zoho"
)

// env is one sandbox on a loopback listener and a zoho.Client pointed at it.
type env struct {
	t   testing.TB
	url string
	dir *zoho.Directory
	c   *zoho.Client
}

// newEnv starts a fresh sandbox for one test.
func newEnv(t testing.TB) *env {
	t.Helper()
	srv := httptest.NewServer(sandbox.New().Handler())
	t.Cleanup(srv.Close)
	dir, err := zoho.ForSandbox(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// A short timeout keeps a hung call from stalling the suite; the
	// sandbox answers in microseconds.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: srv.Client().Transport}
	return &env{t: t, url: srv.URL, dir: dir, c: zoho.NewClient(zoho.Config{Directory: dir, HTTPClient: hc, UserAgent: "hrconnect-test"})}
}

// ctx returns a context bounded so that no test can hang.
func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// dc returns the sandbox's data centre at location.
func (e *env) dc(location string) zoho.DataCentre {
	e.t.Helper()
	dc, err := e.dir.DC(location)
	if err != nil {
		e.t.Fatal(err)
	}
	return dc
}

// control calls the sandbox's control surface and decodes its JSON answer
// into out (when not nil); anything but 200 fails the test.
func (e *env) control(method, path string, in, out any) {
	e.t.Helper()
	testenv.SandboxControl(e.t, e.url, method, path, in, out)
}

// client is a registered API Console client.
type client struct {
	ID, Secret string
}

// selfClient registers a Self Client in dc.
func (e *env) selfClient(dc string) client {
	e.t.Helper()
	var out struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	e.control("POST", "/_sandbox/clients", map[string]any{"dc": dc, "client_type": "self"}, &out)
	return client{out.ID, out.Secret}
}

// code generates a Self Client grant token.
func (e *env) code(c client, scope string) string {
	e.t.Helper()
	var out struct {
		Code string `json:"code"`
	}
	e.control("POST", "/_sandbox/self-client/code", map[string]any{"client_id": c.ID, "scope": scope, "duration_minutes": 3}, &out)
	return out.Code
}

// connect registers a Self Client in dc and exchanges a code for scope.
func (e *env) connect(location, scope string) (client, *zoho.Token) {
	e.t.Helper()
	c := e.selfClient(location)
	tok, err := e.c.ExchangeCode(e.ctx(), e.dc(location), c.ID, c.Secret, e.code(c, scope), "", "")
	if err != nil {
		e.t.Fatalf("ExchangeCode: %v", err)
	}
	return c, tok
}

// fault injects one fault.
func (e *env) fault(spec map[string]any) {
	e.t.Helper()
	e.control("POST", "/_sandbox/faults", spec, nil)
}

// advance moves the sandbox clock.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.control("POST", "/_sandbox/clock", map[string]any{"advance_seconds": d.Seconds()}, nil)
}

// limits changes the sandbox's limits.
func (e *env) limits(l map[string]any) {
	e.t.Helper()
	e.control("PUT", "/_sandbox/limits", l, nil)
}

// calls returns the sandbox's call count for endpoint.
func (e *env) calls(endpoint string) int {
	e.t.Helper()
	var st struct {
		Calls map[string]int `json:"calls"`
	}
	e.control("GET", "/_sandbox/state", nil, &st)
	return st.Calls[endpoint]
}

// zerr asserts that err is a *zoho.Error of class want, with a message and a
// resolution, and returns it.
func zerr(t testing.TB, err error, want zoho.Class) *zoho.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %v error", want)
	}
	var ze *zoho.Error
	if !errors.As(err, &ze) {
		t.Fatalf("error %v (%T) is not a *zoho.Error", err, err)
	}
	if ze.Class != want || zoho.ClassOf(err) != want {
		t.Fatalf("class %v, want %v: %v", ze.Class, want, err)
	}
	if ze.Message == "" || ze.Op == "" {
		t.Errorf("error without Op or Message: %#v", ze)
	}
	if ze.Resolution == "" {
		t.Errorf("error without Resolution: %v", err)
	}
	return ze
}

// noSecrets fails the test when err, in any of the ways it can be printed
// or any of its fields, shows one of secrets.
func noSecrets(t testing.TB, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	texts := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)}
	var ze *zoho.Error
	if errors.As(err, &ze) {
		texts = append(texts, ze.Op, ze.Code, ze.ZohoMessage, ze.Field, ze.Message, ze.Resolution)
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, txt := range texts {
			if strings.Contains(txt, s) {
				t.Errorf("error text leaks a secret %.8s…: %q", s, txt)
			}
		}
	}
}
