package connect_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/logging"
	"hrconnect/sqlstore"
)

// oauthService is a small OAuth 2.0 service: a token endpoint (code and
// refresh grants) and one resource that wants a bearer token.
type oauthService struct {
	srv       *httptest.Server
	refreshes atomic.Int32
	current   atomic.Value // the valid access token
	revoked   atomic.Bool
}

func newOAuthService(t *testing.T) *oauthService {
	o := &oauthService{}
	o.current.Store("")
	mux := http.NewServeMux()
	issue := func(w http.ResponseWriter, prefix string) {
		tok := prefix + "-" + strings.Repeat("x", int(o.refreshes.Load())+1)
		o.current.Store(tok)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "refresh_token": "rt-secret-1", "token_type": "Bearer", "expires_in": 3600})
	}
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth() // RFC 6749 §2.3.1, as hrconnect sends it
		if !ok || id != "crm-client" || secret != "cs-secret-1" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		switch r.Form.Get("grant_type") {
		case "authorization_code":
			if r.Form.Get("code") != "good-code" {
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
				return
			}
			issue(w, "at")
		case "refresh_token":
			if o.revoked.Load() || r.Form.Get("refresh_token") != "rt-secret-1" {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
				return
			}
			o.refreshes.Add(1)
			issue(w, "at")
		}
	})
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+o.current.Load().(string) {
			w.WriteHeader(401)
			return
		}
		_, _ = w.Write([]byte(`{"name":"me"}`))
	})
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	return o
}

func customService(t *testing.T, ctx context.Context) (*oauthService, *sqlstore.DB, *connect.Service, *hrconnect.Tenant, *hrconnect.User) {
	o := newOAuthService(t)
	db := openDB(t, t.TempDir(), "")
	e := newEnv(t)
	z := &connect.Zoho{Client: e.zc}
	r := &connect.Refreshers{Zoho: z, Services: db}
	m := connect.NewManager(db, r, connect.WithLogger(logging.New(e.logs, logging.Options{})))
	svc := connect.NewService(db, m, z, connect.WithServices(db), connect.WithDirectory(e.zc.Directory()))
	tn, u := tenant(t, db)
	def := &hrconnect.Service{Key: "crm", TenantID: tn.ID, Name: "Acme CRM", AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamHeader,
		BaseURLs: []string{o.srv.URL + "/api/v1/"}, AuthorizeURL: o.srv.URL + "/authorize", TokenURL: o.srv.URL + "/token", ClientID: "crm-client"}
	def.Normalize()
	if err := def.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateService(ctx, def, "cs-secret-1"); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, "cs-secret-1", "rt-secret-1")
	return o, db, svc, tn, u
}

// A custom OAuth 2.0 service: connect with a code, invoke with the token
// injected; a token the service refuses is refreshed once and the call
// retried; a URL outside the base URLs is refused before anything is sent.
func TestCustomOAuth2ConnectionInvoke(t *testing.T) {
	ctx := context.Background()
	o, _, svc, tn, u := customService(t, ctx)

	if _, err := svc.ConnectCustom(ctx, connect.CustomConnection{TenantID: tn.ID, ActorID: u.ID, Service: "crm"}, "bad-code", "http://127.0.0.1/cb", ""); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Fatalf("bad code: %v, want EINVALID", err)
	}
	c, err := svc.ConnectCustom(ctx, connect.CustomConnection{TenantID: tn.ID, ActorID: u.ID, Service: "crm"}, "good-code", "http://127.0.0.1/cb", "")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := svc.Invoke(ctx, tn.ID, c.ID, u.ID, &connect.InvokeRequest{URL: o.srv.URL + "/api/v1/me"})
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(resp.Body), "me") {
		t.Fatalf("invoke: %v %+v", err, resp)
	}
	if o.refreshes.Load() != 0 {
		t.Fatalf("the exchange's token was not reused: %d refreshes", o.refreshes.Load())
	}

	o.current.Store("rotated-elsewhere") // the service forgets our token
	resp, err = svc.Invoke(ctx, tn.ID, c.ID, u.ID, &connect.InvokeRequest{URL: o.srv.URL + "/api/v1/me"})
	if err != nil || resp.StatusCode != 200 || o.refreshes.Load() != 1 {
		t.Fatalf("after a 401: %v, status %v, %d refreshes (want 200 after exactly 1)", err, resp, o.refreshes.Load())
	}

	if _, err := svc.Invoke(ctx, tn.ID, c.ID, u.ID, &connect.InvokeRequest{URL: o.srv.URL + "/token"}); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Fatalf("URL outside the base URLs: %v, want EINVALID", err)
	}

	// A revoked grant makes the connection need reconnecting.
	o.revoked.Store(true)
	o.current.Store("gone")
	_, err = svc.Invoke(ctx, tn.ID, c.ID, u.ID, &connect.InvokeRequest{URL: o.srv.URL + "/api/v1/me"})
	if hrconnect.ErrorCode(err) != hrconnect.ECONFLICT {
		t.Fatalf("revoked grant: %v, want needs reconnecting", err)
	}
	for _, s := range []string{"cs-secret-1", "rt-secret-1"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error shows a secret: %v", err)
		}
	}
}

// A Zoho People connection can be invoked like any other: the call goes to
// the connection's data centre with "Zoho-oauthtoken" injected, and nowhere else.
func TestZohoConnectionInvoke(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	db := openDB(t, t.TempDir(), "")
	z := &connect.Zoho{Client: e.zc}
	m := connect.NewManager(db, z, connect.WithClock(e.sb.Now), connect.WithLogger(logging.New(e.logs, logging.Options{})))
	svc := connect.NewService(db, m, z, connect.WithDirectory(e.zc.Directory()))
	tn, u := tenant(t, db)
	c, _ := e.connectPeople(t, &instance{db: db, svc: svc}, tn, u, "eu", "People")

	dc, _ := e.zc.Directory().DC("eu")
	resp, err := svc.Invoke(ctx, tn.ID, c.ID, u.ID, &connect.InvokeRequest{URL: dc.PeopleURL + "/people/api/forms/employee/getRecords"})
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(resp.Body), `"response"`) {
		t.Fatalf("invoke People: %v %+v", err, resp)
	}
	other, _ := e.zc.Directory().DC("us")
	if _, err := svc.Invoke(ctx, tn.ID, c.ID, u.ID, &connect.InvokeRequest{URL: other.PeopleURL + "/people/api/forms/employee/getRecords"}); hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Fatalf("another data centre's host: %v, want EINVALID", err)
	}
}
