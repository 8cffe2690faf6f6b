package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCustomServiceAndInvoke defines a custom API-key service whose base URL
// is a loopback server that echoes what it receives, connects it, and
// invokes it: the key reaches the service, is redacted from the reply, and a
// URL outside the base URL is refused. A service in use cannot be deleted.
func TestCustomServiceAndInvoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	var seen []string
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("X-API-Key"))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "key": r.Header.Get("X-API-Key"), "q": r.URL.Query().Get("q")})
	}))
	t.Cleanup(echo.Close)

	svcBody := map[string]any{"key": "Echo_HR ", "name": "Echo HR", "auth_type": "api_key", "param_name": "X-API-Key", "base_urls": []string{echo.URL + "/v2/"}}
	r := e.want(e.call("POST", "/api/v1/services", e.adminKey, svcBody), http.StatusCreated)
	var created map[string]any
	r.decode(t, &created)
	if created["key"] != "echo_hr" || created["param_type"] != "header" || created["default"] != false {
		t.Errorf("created service = %s, want it normalised", r.body)
	}
	e.problem(e.call("POST", "/api/v1/services", e.adminKey, svcBody), http.StatusConflict, "")

	var list struct {
		Services []struct {
			Key         string
			Default     bool
			DataCentres []struct{ Location string } `json:"data_centres"`
		}
	}
	e.want(e.call("GET", "/api/v1/services", e.readKey, nil), http.StatusOK).decode(t, &list)
	var keys []string
	for _, s := range list.Services {
		keys = append(keys, s.Key)
		if s.Default != (len(s.DataCentres) == 9) || (s.Default && s.DataCentres[1].Location != "eu") {
			t.Errorf("service %s: default %v, data centres %v", s.Key, s.Default, s.DataCentres)
		}
	}
	if strings.Join(keys, ",") != "zoho_people,zoho_recruit,echo_hr" {
		t.Errorf("services = %v", keys)
	}
	e.want(e.call("GET", "/api/v1/services/echo_hr", e.readKey, nil), http.StatusOK)
	e.want(e.call("GET", "/api/v1/services/zoho_recruit", e.readKey, nil), http.StatusOK)
	e.problem(e.call("GET", "/api/v1/services/echo_hr", e.otherKey, nil), http.StatusNotFound, "")

	const apiKey = "ECHO-api-key-5b7d1e"
	e.secret(apiKey)
	// Zoho's fields do not apply to custom services.
	e.problem(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{"service": "echo_hr", "api_key": apiKey, "dc": "eu"}), http.StatusUnprocessableEntity, "dc")
	e.problem(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{"service": "echo_hr"}), http.StatusUnprocessableEntity, "api_key")
	var cr struct {
		Connection connectionOut
		Tokens     *tokensOut
	}
	e.want(e.call("POST", "/api/v1/connections", e.adminKey, map[string]any{"service": "echo_hr", "name": "Echo", "api_key": apiKey}), http.StatusCreated).decode(t, &cr)
	if cr.Tokens != nil || cr.Connection.Service != "echo_hr" || cr.Connection.DC != "" {
		t.Errorf("custom connection reply = %+v", cr)
	}

	var inv struct {
		Status  int
		Body    string
		Headers map[string][]string
	}
	e.want(e.call("POST", "/api/v1/connections/"+cr.Connection.ID+"/invoke", e.readKey, map[string]any{
		"url": echo.URL + "/v2/employees", "query": map[string]string{"q": "ada"}}), http.StatusOK).decode(t, &inv)
	if inv.Status != 200 || !strings.Contains(inv.Body, `"path":"/v2/employees"`) || !strings.Contains(inv.Body, `"q":"ada"`) {
		t.Errorf("invoke reply = %+v", inv)
	}
	if len(seen) != 1 || seen[0] != apiKey {
		t.Errorf("the service received keys %q, want the connection's key once", seen)
	}
	if strings.Contains(inv.Body, apiKey) || !strings.Contains(inv.Body, "[REDACTED]") {
		t.Errorf("the echoed key is not redacted: %s", inv.Body)
	}
	// Outside the base URL, and an attempt to set the credential header.
	e.problem(e.call("POST", "/api/v1/connections/"+cr.Connection.ID+"/invoke", e.readKey, map[string]any{"url": echo.URL + "/v1/employees"}), http.StatusUnprocessableEntity, "url")
	e.problem(e.call("POST", "/api/v1/connections/"+cr.Connection.ID+"/invoke", e.readKey, map[string]any{"url": echo.URL + "/v2/x",
		"headers": map[string]string{"X-API-Key": "mine"}}), http.StatusUnprocessableEntity, "header")
	if len(seen) != 1 {
		t.Errorf("refused calls reached the service: %d calls", len(seen))
	}

	// A check of a connection without OAuth tokens says so.
	var check struct{ OK, Refreshed bool }
	e.want(e.call("POST", "/api/v1/connections/"+cr.Connection.ID+"/check", e.readKey, nil), http.StatusOK).decode(t, &check)
	if !check.OK || check.Refreshed {
		t.Errorf("check of an API-key connection = %+v", check)
	}
	// Reconnecting a custom connection is not offered yet.
	e.problem(e.call("POST", "/api/v1/connections/"+cr.Connection.ID+"/reconnect", e.adminKey, map[string]any{"code": "x"}), http.StatusConflict, "")

	e.problem(e.call("DELETE", "/api/v1/services/echo_hr", e.adminKey, nil), http.StatusConflict, "")
	e.want(e.call("DELETE", "/api/v1/connections/"+cr.Connection.ID, e.adminKey, nil), http.StatusNoContent)
	e.want(e.call("DELETE", "/api/v1/services/echo_hr", e.adminKey, nil), http.StatusNoContent)
	e.problem(e.call("GET", "/api/v1/services/echo_hr", e.adminKey, nil), http.StatusNotFound, "")

	var audit struct{ Entries []struct{ Action string } }
	e.want(e.call("GET", "/api/v1/audit?limit=10", e.adminKey, nil), http.StatusOK).decode(t, &audit)
	var actions []string
	for _, a := range audit.Entries {
		actions = append(actions, a.Action)
	}
	if want := "service.deleted connection.deleted connection.created service.created"; strings.Join(actions, " ") != want {
		t.Errorf("audit = %v, want %s", actions, want)
	}
}

// TestAPIKeys: a key is shown once, at creation, and works at once; lists
// show its prefix and never the key; a key made by a key acts for the same
// user; every change is audited.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteOnly)
	var created struct {
		APIKey struct {
			ID, Name, Prefix string
			Permissions      []string
			CreatedBy        string `json:"created_by"`
		} `json:"api_key"`
		Key string
	}
	r := e.want(e.call("POST", "/api/v1/api-keys", e.adminKey, map[string]any{"name": " CI ", "permissions": []string{"integrations_management"}}), http.StatusCreated)
	r.decode(t, &created)
	e.secret(created.Key)
	e.allowLast(created.Key)
	k := created.APIKey
	if !strings.HasPrefix(created.Key, "hrc_") || len(created.Key) != 47 || !strings.HasPrefix(created.Key, k.Prefix) || len(k.Prefix) != 12 ||
		k.Name != "CI" || k.CreatedBy != e.admin.ID || len(k.Permissions) != 1 {
		t.Errorf("created key = %+v (key %d chars)", k, len(created.Key))
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the reply showing a key may be cached: Cache-Control %q", r.header.Get("Cache-Control"))
	}
	// The new key works, with its permission.
	e.want(e.call("GET", "/api/v1/api-keys", created.Key, nil), http.StatusOK)

	var list struct {
		APIKeys []struct {
			ID, Prefix string
			LastUsedAt string `json:"last_used_at"`
		} `json:"api_keys"`
	}
	e.want(e.call("GET", "/api/v1/api-keys", e.adminKey, nil), http.StatusOK).decode(t, &list)
	if len(list.APIKeys) != 3 {
		t.Errorf("listed %d keys, want this tenant's 3", len(list.APIKeys))
	}
	for _, x := range list.APIKeys {
		if x.ID == k.ID && x.LastUsedAt == "" {
			t.Error("the new key's use is not recorded")
		}
	}
	e.want(e.call("DELETE", "/api/v1/api-keys/"+k.ID, e.adminKey, nil), http.StatusNoContent)
	e.problem(e.call("DELETE", "/api/v1/api-keys/"+k.ID, e.adminKey, nil), http.StatusNotFound, "")
	e.problem(e.call("GET", "/api/v1/api-keys", created.Key, nil), http.StatusUnauthorized, "")

	var audit struct {
		Entries []struct {
			Action, Target string
			ActorName      string `json:"actor_name"`
		}
	}
	e.want(e.call("GET", "/api/v1/audit", e.adminKey, nil), http.StatusOK).decode(t, &audit)
	if len(audit.Entries) != 2 || audit.Entries[0].Action != "api_key.deleted" || audit.Entries[1].Action != "api_key.created" ||
		audit.Entries[1].Target != k.ID || audit.Entries[1].ActorName != "API key ATS admin" {
		t.Errorf("audit = %+v", audit.Entries)
	}
	// Every request was logged, and the logs hold no key (checked at the
	// end of the test, with every other secret).
	if n := strings.Count(e.logs.String(), `"msg":"api request"`); n != 7 {
		t.Errorf("%d request log lines, want one per request", n)
	}
}
