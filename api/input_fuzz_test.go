package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/api"
	"hrconnect/connect"
	"hrconnect/onboard"
	"hrconnect/sandbox"
	"hrconnect/sqlstore"
	"hrconnect/vault"
	"hrconnect/webhook"
	"hrconnect/zoho"
)

// loopbackOnly is an HTTP client that dials nothing but loopback
// addresses, without resolving names: a fuzzed custom service's URLs can
// never send traffic off the machine.
func loopbackOnly() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("fuzz: refusing to dial %q, not a loopback address", addr)
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: t, Timeout: 5 * time.Second}
}

// FuzzCreateRequests sends arbitrary bodies, as an API client could, to
// POST /services and POST /connections of the real API on SQLite, with the
// Zoho sandbox behind it. No body may panic the handler or get a 5xx; every
// refusal is a problem (application/problem+json) with a code and a detail
// saying what is wrong; and a service the API accepts is served back as
// valid.
func FuzzCreateRequests(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`null`,
		`[]`,
		`"just a string"`,
		`{"service":"zoho_people","name":"People EU","dc":"eu","client_id":"1000.X","client_secret":"s","code":"1000.bogus"}`,
		`{"service":"zoho_people","name":"People","dc":"mars","client_id":"1000.X","client_secret":"s","code":"c"}`,
		`{"service":"zoho_people","name":"People","dc":"eu","client_id":"1000.X","client_secret":"s","code":"c","refresh_token":"r"}`,
		`{"service":"zoho_people","name":"People","username":"u","password":"p"}`,
		`{"service":"acme","name":"Acme","api_key":"k"}`,
		`{"key":"acme","name":"Acme","auth_type":"api_key","param_type":"header","param_name":"X-Key","base_urls":["https://api.acme.test"]}`,
		`{"key":"acme2","name":"Acme","auth_type":"basic","base_urls":["http://127.0.0.1:1"]}`,
		`{"key":"acme3","name":"Acme","auth_type":"oauth2","base_urls":["https://api.acme.test"],"authorize_url":"https://a.test/auth","token_url":"https://a.test/token","client_id":"c"}`,
		`{"key":"Bad Key!","name":"","auth_type":"none"}`,
		`{"service":"zoho_people","unknown_field":1}`,
		`{"service":12}`,
		`{"service":"zoho_people"`,
		`{"service":"zoho_people","name":"` + strings.Repeat("n", 300) + `"}`,
	} {
		f.Add([]byte(s))
	}

	fa := newFuzzAPI(f)
	ctx, db, tn, call := fa.ctx, fa.db, fa.tenant, fa.call

	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{api.Prefix + "/services", api.Prefix + "/connections"} {
			w := call("POST", path, body)
			switch {
			case w.Code >= 500:
				t.Fatalf("POST %s %q = %d: %s", path, body, w.Code, w.Body)
			case w.Code >= 400:
				checkRefusal(t, "POST", path, body, w)
			case path == api.Prefix+"/services":
				var s struct {
					Key string `json:"key"`
				}
				if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil || s.Key == "" {
					t.Fatalf("created a service without a key: %s", w.Body)
				}
				stored, err := db.Service(ctx, tn.ID, s.Key)
				if err != nil {
					t.Fatalf("an accepted service is not stored: %v", err)
				}
				if err := stored.Validate(); err != nil {
					t.Fatalf("the API stored a service that is not valid: %v\nbody %q", err, body)
				}
				// Keep the tenant small: each input starts from the same state.
				if d := call("DELETE", api.Prefix+"/services/"+s.Key, nil); d.Code >= 300 && d.Code != http.StatusConflict {
					t.Fatalf("DELETE the created service = %d: %s", d.Code, d.Body)
				}
			}
		}
	})
}

// fuzzAPI is the real API on SQLite, with the Zoho sandbox behind it and a
// tenant whose key holds Integrations Management, for the fuzz targets.
type fuzzAPI struct {
	ctx    context.Context
	db     *sqlstore.DB
	tenant *hrconnect.Tenant
	key    string
	h      http.Handler
}

func newFuzzAPI(f *testing.F) *fuzzAPI {
	fa := &fuzzAPI{ctx: context.Background()}
	ctx := fa.ctx
	dir := f.TempDir()
	v, err := vault.Open(vault.Options{Dir: filepath.Join(dir, "keys"), ReloadInterval: -1})
	if err != nil {
		f.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	sb := httptest.NewServer(sandbox.New().Handler())
	f.Cleanup(sb.Close)
	zdir, err := zoho.ForSandbox(sb.URL)
	if err != nil {
		f.Fatal(err)
	}
	zc := zoho.NewClient(zoho.Config{Directory: zdir})
	z := &connect.Zoho{Client: zc}
	hc := loopbackOnly()
	m := connect.NewManager(db, &connect.Refreshers{Zoho: z, Services: db, HTTPClient: hc})
	conns := connect.NewService(db, m, z, connect.WithServices(db), connect.WithDirectory(zdir), connect.WithHTTPClient(hc))
	h := api.New(api.Deps{Store: db, Connections: conns, Onboard: onboard.NewService(db, m, zc, onboard.Config{}), Directory: zdir,
		Webhooks: webhook.NewService(db, webhook.Config{}), Logger: slog.New(slog.DiscardHandler)})
	tn := &hrconnect.Tenant{Name: "Fuzz"}
	if err := db.CreateTenant(ctx, tn); err != nil {
		f.Fatal(err)
	}
	key, err := api.IssueKey(ctx, db, &hrconnect.APIKey{TenantID: tn.ID, Name: "fuzz", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}})
	if err != nil {
		f.Fatal(err)
	}
	fa.db, fa.tenant, fa.key, fa.h = db, tn, key, h
	return fa
}

// call sends body to the API as the tenant's key.
func (fa *fuzzAPI) call(method, path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+fa.key)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	fa.h.ServeHTTP(w, req)
	return w
}

// checkRefusal fails t unless w, a 4xx reply, is a problem
// (application/problem+json) with a code and a detail saying what is wrong.
func checkRefusal(t *testing.T, method, path string, body []byte, w *httptest.ResponseRecorder) {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code == "" || strings.TrimSpace(p.Detail) == "" || p.Status != w.Code {
		t.Fatalf("%s %s %q = %d without a problem naming what is wrong: %s", method, path, body, w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("problem sent as %q", ct)
	}
}

// FuzzOnboardingRequests sends arbitrary bodies to the onboarding calls an
// ATS makes (workflows, job posts, applicants, applications) and to webhook
// endpoints: no body may panic a handler or get a 5xx, and every refusal is
// a problem saying what is wrong.
func FuzzOnboardingRequests(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `1`, `{"name":`,
		`{"name":"Engineering","stages":["Applied","Interview","Hired"]}`,
		`{"name":"Dup","stages":["Hired","hired"]}`,
		`{"name":"","stages":[]}`,
		`{"title":"Go engineer","workflow_id":"wfl_nope"}`,
		`{"first_name":"Grace","surname":"Hopper","email":"grace@example.com","start_date":"2026-01-05"}`,
		`{"first_name":"Grace","surname":"Hopper","email":"x@","start_date":"05/01/2026"}`,
		`{"first_name":"G","surname":"H","email":"g@example.com","custom":{"shirt":"M"}}`,
		`{"applicant_id":"A-1","job_post_id":"job_nope"}`,
		`{"url":"https://hooks.example.com/hr","events":["transfer.succeeded"]}`,
		`{"url":"http://10.0.0.1/hook","events":["transfer.failed"]}`,
		`{"url":"https://hooks.example.com","events":["nope"]}`,
		`{"name":"` + strings.Repeat("n", 500) + `"}`,
	} {
		f.Add([]byte(s))
	}
	fa := newFuzzAPI(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []struct{ method, path string }{
			{"POST", api.Prefix + "/workflows"},
			{"POST", api.Prefix + "/job-posts"},
			{"PUT", api.Prefix + "/applicants/A-fuzz"},
			{"POST", api.Prefix + "/applications"},
			{"POST", api.Prefix + "/webhooks"},
		} {
			w := fa.call(c.method, c.path, body)
			switch {
			case w.Code >= 500:
				t.Fatalf("%s %s %q = %d: %s", c.method, c.path, body, w.Code, w.Body)
			case w.Code >= 400:
				checkRefusal(t, c.method, c.path, body, w)
			}
		}
	})
}
