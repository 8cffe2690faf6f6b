package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAPIsEndToEndWithSelfClientTokens uses People and Recruit with tokens
// from a real Self Client code exchange, refresh and revocation at the
// sandbox's Accounts endpoints, a lock-out injected through the control
// surface, and reads the records back from GET /_sandbox/state.
func TestAPIsEndToEndWithSelfClientTokens(t *testing.T) {
	h := newAPIHarness(t)
	control := func(path string, body any, into any) {
		t.Helper()
		status, b := h.postJSON(path, "", body)
		if status != 200 {
			t.Fatalf("%s: HTTP %d %s", path, status, b)
		}
		if into != nil {
			if err := json.Unmarshal(b, into); err != nil {
				t.Fatalf("%s: %v %s", path, err, b)
			}
		}
	}
	var client struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	control("/_sandbox/clients", map[string]any{"dc": "eu", "client_type": "self"}, &client)
	var code struct{ Code string }
	control("/_sandbox/self-client/code", map[string]any{"client_id": client.ClientID, "scope": "ZOHOPEOPLE.forms.ALL,ZohoRecruit.modules.candidate.ALL"}, &code)

	// The exchange, with every parameter in the query string, as seed 004 shows.
	type tokenReply struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
	}
	token := func(params url.Values) tokenReply {
		t.Helper()
		status, _, b := h.do("POST", "/eu/accounts/oauth/v2/token?"+params.Encode(), "", "", nil)
		var r tokenReply
		if err := json.Unmarshal(b, &r); status != 200 || err != nil || r.AccessToken == "" {
			t.Fatalf("token: HTTP %d %s", status, b)
		}
		return r
	}
	first := token(url.Values{"grant_type": {"authorization_code"}, "client_id": {client.ClientID}, "client_secret": {client.ClientSecret}, "code": {code.Code}})
	if first.RefreshToken == "" {
		t.Fatal("no refresh token from a Self Client exchange")
	}
	refreshed := token(url.Values{"grant_type": {"refresh_token"}, "client_id": {client.ClientID}, "client_secret": {client.ClientSecret}, "refresh_token": {first.RefreshToken}})

	const eu = "/eu/people/api/forms/json/employee/insertRecord"
	insert := func(tok, id string) (int, peopleReply) {
		status, b := h.postForm(eu, tok, url.Values{"inputData": {employeeJSON(id, strings.ToLower(id)+"@example.eu")}})
		return status, decodePeople(t, b)
	}
	if status, r := insert(first.AccessToken, "EU1"); status != 200 || r.Response.Status != 0 {
		t.Fatalf("insert with the exchanged token: HTTP %d %+v", status, r.Response)
	}
	if status, r := insert(refreshed.AccessToken, "EU2"); status != 200 || r.Response.Status != 0 {
		t.Fatalf("insert with the refreshed token: HTTP %d %+v", status, r.Response)
	}
	status, b := h.postJSON("/eu/recruit/recruit/v2/Candidates", refreshed.AccessToken, map[string]any{"data": []any{map[string]any{"Last_Name": "Curie", "Email": "marie@example.eu"}}})
	if status != 201 {
		t.Fatalf("Recruit insert with the refreshed token: HTTP %d %s", status, b)
	}
	// The token is the EU's: the US People host refuses it.
	if status, _ := h.postForm("/us/people/api/forms/json/employee/insertRecord", first.AccessToken, url.Values{"inputData": {employeeJSON("US1", "us1@example.com")}}); status != 401 {
		t.Errorf("EU token at the US host: HTTP %d, want 401", status)
	}

	// A lock-out fault on the next insert: that insert gets 7209.
	control("/_sandbox/faults", map[string]any{"endpoint": "people.insertRecord", "kind": "lockout", "count": 1}, nil)
	if _, r := insert(first.AccessToken, "EU3"); r.errorCode() != "7209" {
		t.Errorf("insert under an injected lock-out: %+v, want 7209", r.Response)
	}

	// The state shows what was stored, in the token's organisation.
	_, _, state := h.do("GET", "/_sandbox/state", "", "", nil)
	for _, want := range []string{`"EmployeeID":"EU1"`, `"EmployeeID":"EU2"`, `"Email":"marie@example.eu"`} {
		if !strings.Contains(string(state), want) {
			t.Errorf("GET /_sandbox/state lacks %s", want)
		}
	}
	if strings.Contains(string(state), `"EmployeeID":"EU3"`) {
		t.Error("the locked-out insert was stored")
	}

	// Revoking the refresh token kills the access tokens made from it.
	status, _, b = h.do("POST", "/eu/accounts/oauth/v2/token/revoke?token="+url.QueryEscape(first.RefreshToken), "", "", nil)
	if status != 200 {
		t.Fatalf("revoke: HTTP %d %s", status, b)
	}
	if status, r := insert(refreshed.AccessToken, "EU4"); status != http.StatusUnauthorized || r.errorCode() != `"INVALID_OAUTHTOKEN"` {
		t.Errorf("People with a revoked token: HTTP %d %+v", status, r.Response)
	}
	status, b = h.get("/eu/recruit/recruit/v2/Candidates", refreshed.AccessToken, nil)
	if status != http.StatusUnauthorized || !strings.Contains(string(b), `"INVALID_TOKEN"`) {
		t.Errorf("Recruit with a revoked token: HTTP %d %s", status, b)
	}
}
