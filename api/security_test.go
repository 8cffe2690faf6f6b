package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuthentication: without a valid key, every operation but the OpenAPI
// document answers 401 with a problem and a Bearer challenge, and learns
// nothing about what exists.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	c, _ := e.connectZoho("eu", "Zoho People")
	paths := map[string]string{"{id}": c.ID, "{key}": "zoho_people"}
	for _, rt := range e.oa.operations() {
		if rt.node["security"] != nil {
			continue // public
		}
		path := rt.path
		for k, v := range paths {
			path = strings.ReplaceAll(path, k, v)
		}
		for name, header := range map[string]string{
			"no key":        "",
			"unknown key":   "Bearer hrc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
			"not our key":   "Bearer sk_live_123",
			"basic":         "Basic YWRtaW46cGFzcw==",
			"bearer alone":  "Bearer",
			"key no scheme": e.adminKey,
		} {
			req, err := http.NewRequestWithContext(e.ctx, rt.method, e.api.URL+path, strings.NewReader("{}"))
			must(t, err)
			req.Header.Set("Content-Type", "application/json")
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			r := e.send(req)
			e.problem(r, http.StatusUnauthorized, "")
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %s (%s): WWW-Authenticate = %q", rt.method, path, name, r.header.Get("WWW-Authenticate"))
			}
		}
	}

	// A deleted key stops working at once.
	var created struct {
		APIKey struct{ ID string } `json:"api_key"`
		Key    string
	}
	e.want(e.call("POST", "/api/v1/api-keys", e.adminKey, map[string]any{"name": "short-lived"}), http.StatusCreated).decode(t, &created)
	e.secret(created.Key)
	e.allowLast(created.Key)
	e.want(e.call("GET", "/api/v1/connections", created.Key, nil), http.StatusOK)
	e.want(e.call("DELETE", "/api/v1/api-keys/"+created.APIKey.ID, e.adminKey, nil), http.StatusNoContent)
	e.problem(e.call("GET", "/api/v1/connections", created.Key, nil), http.StatusUnauthorized, "")
}

// TestPermissions: a key without integrations_management reads, checks and
// invokes, but every change is 403, and nothing changes.
func TestPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	c, _ := e.connectZoho("eu", "Zoho People")
	id, secret, code := e.selfClient("eu")
	for _, x := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/connections", map[string]any{"service": "zoho_people", "dc": "eu", "client_id": id, "client_secret": secret, "code": code}},
		{"DELETE", "/api/v1/connections/" + c.ID, nil},
		{"POST", "/api/v1/connections/" + c.ID + "/reconnect", map[string]any{"code": code}},
		{"POST", "/api/v1/services", map[string]any{"key": "x", "name": "X", "auth_type": "api_key", "base_urls": []string{"https://x.example/"}}},
		{"DELETE", "/api/v1/services/x", nil},
		{"GET", "/api/v1/api-keys", nil},
		{"POST", "/api/v1/api-keys", map[string]any{"name": "escalate", "permissions": []string{"integrations_management"}}},
		{"DELETE", "/api/v1/api-keys/key_x", nil},
		{"GET", "/api/v1/audit", nil},
	} {
		p := e.problem(e.call(x.method, x.path, e.readKey, x.body), http.StatusForbidden, "")
		if p.Code != "forbidden" || !strings.Contains(p.Detail, "integrations_management") {
			t.Errorf("%s %s: problem %+v", x.method, x.path, p)
		}
	}
	// Nothing changed: still one connection, still connected, and the code
	// is unused (so the refused create did not reach Zoho).
	var got connectionOut
	e.want(e.call("GET", "/api/v1/connections/"+c.ID, e.readKey, nil), http.StatusOK).decode(t, &got)
	if got.Status != "connected" {
		t.Errorf("status after refused changes = %s", got.Status)
	}
	var created struct{ Tokens tokensOut }
	e.want(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{
		"service": "zoho_people", "name": "Second", "dc": "eu", "client_id": id, "client_secret": secret, "code": code}), http.StatusCreated).decode(t, &created)
	e.secret(created.Tokens.AccessToken, created.Tokens.RefreshToken)
	e.allowLast(created.Tokens.AccessToken, created.Tokens.RefreshToken)
}

// TestTenantIsolation: a key of another tenant cannot see, change, check,
// invoke or delete this tenant's connection (404, as if it did not exist),
// nor its keys; its lists are empty.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	c, tok := e.connectZoho("eu", "Zoho People")
	eu, err := e.dir.DC("eu")
	must(t, err)
	code := e.newCode(c.ClientID)
	base := "/api/v1/connections/" + c.ID
	for _, x := range []struct {
		method, path string
		body         any
	}{
		{"GET", base, nil},
		{"GET", base + "/events", nil},
		{"POST", base + "/check", nil},
		{"POST", base + "/invoke", map[string]any{"url": eu.PeopleURL + "/people/api/forms/employee/getRecords"}},
		{"POST", base + "/reconnect", map[string]any{"code": code}},
		{"DELETE", base, nil},
	} {
		p := e.problem(e.call(x.method, x.path, e.otherKey, x.body), http.StatusNotFound, "")
		if p.Code != "not_found" {
			t.Errorf("%s %s: %+v", x.method, x.path, p)
		}
	}
	var list struct{ Connections []connectionOut }
	e.want(e.call("GET", "/api/v1/connections", e.otherKey, nil), http.StatusOK).decode(t, &list)
	if len(list.Connections) != 0 {
		t.Errorf("the other tenant lists %d connections", len(list.Connections))
	}
	var keys struct {
		APIKeys []struct{ ID string } `json:"api_keys"`
	}
	e.want(e.call("GET", "/api/v1/api-keys", e.adminKey, nil), http.StatusOK).decode(t, &keys)
	for _, k := range keys.APIKeys {
		e.problem(e.call("DELETE", "/api/v1/api-keys/"+k.ID, e.otherKey, nil), http.StatusNotFound, "")
	}
	// The connection is untouched: its refresh token not revoked, and it
	// still works for its own tenant.
	if revoked := e.refreshTokens()[tok.RefreshToken]; revoked {
		t.Error("the other tenant's DELETE revoked the refresh token")
	}
	var check struct{ OK bool }
	e.want(e.call("POST", base+"/check", e.adminKey, nil), http.StatusOK).decode(t, &check)
	if !check.OK {
		t.Error("the connection stopped working after the other tenant's attempts")
	}
}

// TestZohoRefusals: what Zoho refuses when connecting (a wrong code, the
// wrong data centre, a wrong secret, a wrong refresh token) is a 422 problem
// carrying Zoho's explanation and what to do; nothing is saved.
func TestZohoRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	id, secret, code := e.selfClient("us")
	create := func(over map[string]any) *resp {
		body := map[string]any{"service": "zoho_people", "dc": "us", "client_id": id, "client_secret": secret, "code": code}
		for k, v := range over {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		return e.call("POST", "/api/v1/connections", e.adminKey, body)
	}
	for name, over := range map[string]map[string]any{
		"wrong code":          {"code": "1000.0000000000000000000000000000.00000000000000000000000000000000"},
		"wrong data centre":   {"dc": "eu"},
		"wrong secret":        {"client_secret": "not-the-secret"},
		"wrong client":        {"client_id": "1000.NOSUCHCLIENT"},
		"wrong refresh token": {"code": nil, "refresh_token": "1000.0000.0000"},
	} {
		p := e.problem(create(over), http.StatusUnprocessableEntity, "")
		if p.Code != "invalid" || p.Detail == "" || p.Resolution == "" {
			t.Errorf("%s: problem %+v, want an explanation and a resolution", name, p)
		}
		if !strings.Contains(p.Detail+p.Resolution, "Zoho") {
			t.Errorf("%s: problem %+v does not say it is Zoho's refusal", name, p)
		}
	}
	var list struct{ Connections []connectionOut }
	e.want(e.call("GET", "/api/v1/connections", e.adminKey, nil), http.StatusOK).decode(t, &list)
	if len(list.Connections) != 0 {
		t.Errorf("refused connections were saved: %+v", list.Connections)
	}
	// The code was never spent by the refusals that Zoho makes before
	// looking at it (wrong secret, client, data centre), so it still works.
	r := e.want(create(nil), http.StatusCreated)
	var out struct{ Tokens tokensOut }
	r.decode(t, &out)
	e.secret(out.Tokens.AccessToken, out.Tokens.RefreshToken)
	e.allowLast(out.Tokens.AccessToken, out.Tokens.RefreshToken)
}
