package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The state's call counts single out "Access Denied" token replies, which
// clients' economy tests count on.
func TestStateCountsAccessDenied(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	post := func(path string, body string, out any) {
		t.Helper()
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var c struct{ ClientID, ClientSecret string }
	post("/_sandbox/clients", `{"dc":"us","client_type":"self"}`, &struct {
		ID     *string `json:"client_id"`
		Secret *string `json:"client_secret"`
	}{&c.ClientID, &c.ClientSecret})
	var g struct {
		Code string `json:"code"`
	}
	post("/_sandbox/self-client/code", `{"client_id":"`+c.ClientID+`","scope":"ZOHOPEOPLE.forms.ALL"}`, &g)
	token := func(params url.Values) map[string]any {
		params.Set("client_id", c.ClientID)
		params.Set("client_secret", c.ClientSecret)
		var out map[string]any
		post("/us/accounts/oauth/v2/token?"+params.Encode(), "", &out)
		return out
	}
	rt := token(url.Values{"grant_type": {"authorization_code"}, "code": {g.Code}})["refresh_token"].(string)
	denied := func() int {
		var st struct {
			Calls map[string]int `json:"calls"`
		}
		resp, err := http.Get(srv.URL + "/_sandbox/state")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(&st)
		return st.Calls[accessDeniedCalls]
	}
	for i := range 11 {
		out := token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		if got := denied(); (i < 10 && got != 0) || (i == 10 && (got != 1 || out["error"] != "Access Denied")) {
			t.Fatalf("refresh %d: %v; access-denied count %d", i+1, out, got)
		}
	}
	post("/_sandbox/faults", `{"endpoint":"accounts.token","kind":"access_denied","count":1}`, nil)
	s.Advance(seconds(601))
	token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if got := denied(); got != 2 {
		t.Fatalf("after an injected Access Denied: count %d, want 2", got)
	}
}
