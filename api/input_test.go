package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestStrictInput: a body that is not exactly a JSON object of the request
// is refused with a problem that names the field, says what is wrong and
// how to fix it; so are wrong values, filters and limits, unknown paths and
// methods.
func TestStrictInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	c, _ := e.connectZoho("eu", "Existing")
	const conns = "/api/v1/connections"
	for _, x := range []struct {
		name         string
		method, path string
		body         any
		status       int
		field        string
		detail       string // a part of the detail
	}{
		{"unknown field", "POST", conns, `{"service":"zoho_people","client_secert":"x"}`, 400, "client_secert", "not part of this request"},
		{"wrong type", "POST", conns, `{"service":"zoho_people","per_user":"yes"}`, 400, "per_user", "true or false"},
		{"wrong type in array", "POST", conns, `{"service":"zoho_people","scopes":"ZOHOPEOPLE.forms.ALL"}`, 400, "scopes", "an array"},
		{"not JSON", "POST", conns, `service=zoho_people`, 400, "", "not valid JSON"},
		{"cut short", "POST", conns, `{"service":"zoho_people"`, 400, "", "middle"},
		{"empty body", "POST", conns, ``, 400, "", "empty"},
		{"array body", "POST", conns, `[]`, 400, "", "JSON object"},
		{"two values", "POST", conns, `{"service":"zoho_people"} {}`, 400, "", "more than one"},
		{"too large", "POST", conns, `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "", "larger than"},
		{"no service", "POST", conns, `{}`, 422, "service", "zoho_people"},
		{"unknown service", "POST", conns, `{"service":"zoho_mail"}`, 422, "service", "zoho_mail"},
		{"code and refresh token", "POST", conns, map[string]any{"service": "zoho_people", "dc": "eu", "client_id": "1000.X", "client_secret": "s", "code": "c", "refresh_token": "r"}, 422, "refresh_token", "not both"},
		{"no code", "POST", conns, map[string]any{"service": "zoho_people", "dc": "eu", "client_id": "1000.X", "client_secret": "s"}, 422, "code", "authorisation code"},
		{"bad dc", "POST", conns, map[string]any{"service": "zoho_people", "dc": "mars", "client_id": "1000.X", "client_secret": "s", "code": "c"}, 422, "dc", "data centre"},
		{"no client id", "POST", conns, map[string]any{"service": "zoho_people", "dc": "eu", "client_secret": "s", "code": "c"}, 422, "client_id", "Client ID"},
		{"no secret", "POST", conns, map[string]any{"service": "zoho_people", "dc": "eu", "client_id": "1000.X", "code": "c"}, 422, "client_secret", "Client Secret"},
		{"bad link name", "POST", conns, map[string]any{"service": "zoho_people", "link_name": "Bad Name", "dc": "eu", "client_id": "1000.X", "client_secret": "s", "code": "c"}, 422, "link_name", "link name"},
		{"custom field on zoho", "POST", conns, map[string]any{"service": "zoho_people", "api_key": "k"}, 422, "api_key", "custom services"},
		{"taken link name", "POST", conns, map[string]any{"service": "zoho_people", "link_name": c.LinkName, "refresh_token": "x", "dc": "eu", "client_id": "1000.X", "client_secret": "s"}, 409, "link_name", "already exists"},
		{"taken derived link name", "POST", conns, map[string]any{"service": "zoho_people", "name": "Existing!", "code": "x", "dc": "eu", "client_id": "1000.X", "client_secret": "s"}, 409, "link_name", "existing"},
		{"bad status filter", "GET", conns + "?status=broken", nil, 422, "status", "needs_reconnect"},
		{"bad owner filter", "GET", conns + "?owner=bob", nil, 422, "owner", "me"},
		{"bad shared filter", "GET", conns + "?shared=yes", nil, 422, "shared", "true or false"},
		{"bad limit", "GET", conns + "/" + c.ID + "/events?limit=0", nil, 422, "limit", "1 to 500"},
		{"bad audit limit", "GET", "/api/v1/audit?limit=x", nil, 422, "limit", "1 to 1000"},
		{"reconnect without credentials", "POST", conns + "/" + c.ID + "/reconnect", `{}`, 422, "code", "new authorisation code"},
		{"check with fields", "POST", conns + "/" + c.ID + "/check", `{"force":true}`, 400, "force", "not part"},
		{"invoke without URL", "POST", conns + "/" + c.ID + "/invoke", `{}`, 422, "url", "full URL"},
		{"invoke bad method", "POST", conns + "/" + c.ID + "/invoke", map[string]any{"url": "https://x.example/", "method": "TRACE"}, 422, "method", "TRACE"},
		{"invoke both bodies", "POST", conns + "/" + c.ID + "/invoke", map[string]any{"url": "https://x.example/", "body": "a", "body_base64": "YQ=="}, 422, "body_base64", "not both"},
		{"unknown permission", "POST", "/api/v1/api-keys", map[string]any{"name": "x", "permissions": []string{"admin"}}, 422, "permissions", "integrations_management"},
		{"key without name", "POST", "/api/v1/api-keys", map[string]any{"permissions": []string{}}, 422, "name", "name"},
		{"service without key", "POST", "/api/v1/services", map[string]any{"name": "X", "auth_type": "api_key", "base_urls": []string{"https://x.example/"}}, 422, "key", ""},
		{"service with a default key", "POST", "/api/v1/services", map[string]any{"key": "zoho_people", "name": "X", "auth_type": "api_key", "base_urls": []string{"https://x.example/"}}, 422, "key", ""},
		{"service with bad auth type", "POST", "/api/v1/services", map[string]any{"key": "x", "name": "X", "auth_type": "magic", "base_urls": []string{"https://x.example/"}}, 422, "auth_type", ""},
		{"service without base URLs", "POST", "/api/v1/services", map[string]any{"key": "x", "name": "X", "auth_type": "api_key", "param_name": "X-API-Key"}, 422, "base_urls", ""},
		{"oauth2 service without secret", "POST", "/api/v1/services", map[string]any{"key": "x", "name": "X", "auth_type": "oauth2", "base_urls": []string{"https://x.example/"},
			"authorize_url": "https://x.example/oauth/authorize", "token_url": "https://x.example/oauth/token", "client_id": "cid"}, 422, "client_secret", "client secret"},
		{"delete a default service", "DELETE", "/api/v1/services/zoho_people", nil, 409, "", "built-in"},
		{"unknown service", "GET", "/api/v1/services/nope", nil, 404, "", "nope"},
		{"unknown path", "GET", "/api/v1/employees", nil, 404, "", "openapi.json"},
		{"wrong method", "PUT", conns + "/" + c.ID, `{}`, 405, "", "GET or DELETE"},
	} {
		r := e.call(x.method, x.path, e.adminKey, x.body)
		if r.status != x.status {
			t.Errorf("%s: status %d (%s), want %d", x.name, r.status, r.body, x.status)
			continue
		}
		p := e.problem(r, x.status, "")
		if p.Field != x.field {
			t.Errorf("%s: field %q, want %q (%s)", x.name, p.Field, x.field, r.body)
		}
		if !strings.Contains(p.Detail+" "+p.Resolution, x.detail) {
			t.Errorf("%s: detail %q does not say %q", x.name, p.Detail, x.detail)
		}
	}

	// Content-Type must be JSON when there is a body.
	req, err := http.NewRequestWithContext(e.ctx, "POST", e.api.URL+conns, strings.NewReader("service=zoho_people"))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+e.adminKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e.problem(e.send(req), http.StatusUnsupportedMediaType, "")
}

// TestInternalErrorsSayNothing: a failure inside hrconnect is a 500 problem
// that names no cause (the log has it, under the request ID).
func TestInternalErrorsSayNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	must(t, e.db.Close()) // every query now fails inside database/sql
	r := e.call("GET", "/api/v1/connections", e.adminKey, nil)
	// Authentication itself reads the database, so this is the 500 of the
	// key lookup: internal, whatever the route.
	p := e.problem(r, http.StatusInternalServerError, "")
	if p.Code != "internal" || strings.Contains(strings.ToLower(p.Detail+p.Resolution), "sql") || p.RequestID == "" {
		t.Errorf("internal problem = %+v", p)
	}
	if r.header.Get("X-Request-ID") != p.RequestID {
		t.Errorf("X-Request-ID %q, problem's %q", r.header.Get("X-Request-ID"), p.RequestID)
	}
	if logs := e.logs.String(); !strings.Contains(logs, p.RequestID) || !strings.Contains(logs, "closed") {
		t.Errorf("the log does not hold the cause under the request ID: %s", logs)
	}
}
