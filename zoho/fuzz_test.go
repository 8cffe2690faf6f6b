package zoho

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// The decoders below read whatever a server (or something posing as one)
// sends. Whatever the bytes, they must not panic, must refuse what is not a
// well-formed reply, and must produce a classified error with a message.

func checkErr(t *testing.T, e *Error) {
	t.Helper()
	if e.Class == ClassNone || e.Message == "" || e.Op == "" {
		t.Fatalf("unclassified or empty error: %#v", e)
	}
}

// FuzzDecodeTokenReply fuzzes the reading of Zoho Accounts token replies.
func FuzzDecodeTokenReply(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"1000.a.b","refresh_token":"1000.c.d","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600,"scope":"ZOHOPEOPLE.forms.ALL"}`))
	f.Add(200, []byte(`{"error":"invalid_code"}`))
	f.Add(200, []byte(`{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}`))
	f.Add(200, []byte(`<html><body>Access Denied: Maximum request limit reached</body></html>`))
	f.Add(200, []byte(`{"access_token":"x","expires_in":"3600","expires_in_sec":3600}`))
	f.Add(200, []byte(`{"access_token":["x"],"expires_in":{}}`))
	f.Add(503, []byte(`Service Unavailable`))
	f.Add(200, []byte(``))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r, fail := decodeTokenReply(status, body)
		valid := json.Valid(body) && strings.HasPrefix(strings.TrimSpace(string(body)), "{")
		if !valid && fail == nil {
			t.Fatalf("garbage %q accepted as a token", body)
		}
		if fail == nil {
			if r.AccessToken == "" || r.Error != "" || status < 200 || status > 299 {
				t.Fatalf("accepted a reply without a token: status %d %q", status, body)
			}
			if r.lifetime() < 0 && r.ExpiresIn >= 0 && r.ExpiresInSec >= 0 {
				t.Fatalf("negative lifetime from %q", body)
			}
			return
		}
		dc := DataCentre{Location: "eu", Name: "Europe"}
		for _, refresh := range []bool{false, true} {
			checkErr(t, tokenError("accounts.token", dc, refresh, fail))
		}
	})
}

// FuzzDecodePeople fuzzes the reading of Zoho People envelopes.
func FuzzDecodePeople(f *testing.F) {
	f.Add(200, []byte(`{"response":{"result":{"pkId":"972601000000317016","message":"Successfully Added"},"message":"Data added successfully","uri":"/api/forms/json/employee/insertRecord","status":0}}`))
	f.Add(200, []byte(`{"response":{"message":"Error occurred","uri":"/api/forms/json/employee/insertRecord","errors":{"code":7052,"message":"Mandatory field missing: LastName needs a value"},"status":1}}`))
	f.Add(401, []byte(`{"response":{"message":"Error occurred","uri":"/api/x","errors":{"code":"INVALID_OAUTHTOKEN","message":"Invalid OAuthtoken"},"status":1}}`))
	f.Add(200, []byte(`{"response":{"errors":[{"code":"7051","message":{"EmailID":"value already exists"}}],"status":"1"}}`))
	f.Add(200, []byte(`{"response":{"result":[{"1":[{"EmailID":"a@b.c"}]}],"status":0}}`))
	f.Add(200, []byte(`{"response":{"status":0,"result":{"pkId":12345678901234567890}}}`))
	f.Add(500, []byte(`<html>oops</html>`))
	f.Add(200, []byte(`{"response":null}`))
	f.Add(200, []byte(`{"response":{"result":{"pkId":"1","message":"x"},"message":"y","uri":"/z","status":0}}`))
	f.Add(200, []byte(`{"response":{"result":{"pkId":"1"},"errors":{"code":7052},"status":0}}`))
	f.Add(200, []byte(`{"response":{"result":{"pkId":"1"},"status":1,"status":0}}`))
	fields := []Field{{"EmployeeID", "E1"}, {"EmailID", "a@b.c"}}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		result, e := decodePeople("people.insertRecord", "eu", status, body, fields)
		if !json.Valid(body) && e == nil {
			t.Fatalf("garbage %q accepted", body)
		}
		if e != nil {
			if id, ok := writtenID(body); ok && status == 200 {
				t.Fatalf("writtenID accepts %q (pkId %s) that decodePeople refuses: %v", body, id, e)
			}
			checkErr(t, e)
			if result != nil {
				t.Fatal("both a result and an error")
			}
			return
		}
		if status < 200 || status > 299 {
			t.Fatalf("HTTP %d accepted as success: %q", status, body)
		}
		// The insert fast path never disagrees with the full decoder.
		if id, ok := writtenID(body); ok {
			var res struct {
				PKID flexString `json:"pkId"`
			}
			if json.Unmarshal(result, &res) != nil || string(res.PKID) != id {
				t.Fatalf("writtenID says %q, the envelope's result is %s", id, result)
			}
		}
		if result != nil && !json.Valid(result) {
			t.Fatalf("result %q is not JSON", result)
		}
	})
}

// FuzzDecodeRecruit fuzzes the reading of Zoho Recruit v2 replies.
func FuzzDecodeRecruit(f *testing.F) {
	f.Add(200, []byte(`{"data":[{"id":"1","Email":"a@b.c"}],"info":{"per_page":200,"count":1,"page":1,"more_records":false}}`))
	f.Add(201, []byte(`{"data":[{"code":"SUCCESS","details":{"id":"14501000002081101"},"message":"record added","status":"success"}]}`))
	f.Add(207, []byte(`{"data":[{"code":"DUPLICATE_DATA","details":{"api_name":"Email"},"message":"duplicate data","status":"error"}]}`))
	f.Add(401, []byte(`{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`))
	f.Add(204, []byte(``))
	f.Add(200, []byte(`{"data":"x","info":{"more_records":"true","page":"2"}}`))
	f.Add(502, []byte(`Bad Gateway`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r, e := decodeRecruit("recruit.listCandidates", "eu", status, body)
		empty := status == 204 || (len(body) == 0 && status >= 200 && status < 300)
		if !empty && !json.Valid(body) && e == nil {
			t.Fatalf("garbage %q accepted", body)
		}
		if e != nil {
			checkErr(t, e)
			return
		}
		_ = r.info()
		for _, raw := range r.Data {
			var item recruitItem
			if json.Unmarshal(raw, &item) == nil && !strings.EqualFold(string(item.Status), "success") {
				checkErr(t, recruitError("recruit.insertCandidates", "eu", status, string(item.Code), string(item.Message), item.Details.APIName, true))
			}
		}
	})
}

// FuzzAccountsServerDC fuzzes the check of a redirect's accounts-server: an
// accepted value must name exactly a table DC's accounts host over https.
func FuzzAccountsServerDC(f *testing.F) {
	for _, s := range []string{"https://accounts.zoho.eu", "https://accounts.zoho.eu.attacker.test", "https://a@accounts.zoho.eu", `https://accounts.zoho.eu\@x`, "https://accounts.zoho.com:443", "https://ACCOUNTS.zoho.com/"} {
		f.Add(s)
	}
	real := Real()
	f.Fuzz(func(t *testing.T, s string) {
		dc, err := real.AccountsServerDC(s)
		if err != nil {
			return
		}
		u, perr := url.Parse(s)
		want, _ := url.Parse(dc.AccountsURL)
		if perr != nil || !strings.EqualFold(u.Scheme, "https") || !strings.EqualFold(u.Host, want.Host) || u.User != nil {
			t.Fatalf("accepted %q as %s", s, dc.AccountsURL)
		}
		if !real.Has(dc) {
			t.Fatalf("returned a DC outside the table: %+v", dc)
		}
	})
}
