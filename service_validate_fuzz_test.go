package hrconnect_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"

	"hrconnect"
)

// FuzzServiceDefinition feeds arbitrary JSON, as a tenant's API client could
// send it, through Normalize and Validate. Neither may panic; a refusal is
// always an EINVALID *hrconnect.Error naming a field, with a message; and a
// definition that passes keeps passing, with every base URL an absolute
// http(s) URL without user info (what connect's URL guard relies on).
func FuzzServiceDefinition(f *testing.F) {
	seeds := []string{
		`{}`,
		`null`,
		`{"Key":"acme","TenantID":"t","Name":"Acme","AuthType":"api_key","ParamType":"query","ParamName":"api_key","BaseURLs":["https://api.acme.test/v1/"]}`,
		`{"Key":"acme","TenantID":"t","Name":"Acme","AuthType":"basic","BaseURLs":["http://127.0.0.1:8080"]}`,
		`{"Key":"acme","TenantID":"t","Name":"Acme","AuthType":"oauth2","BaseURLs":["https://api.acme.test"],"AuthorizeURL":"https://a.test/auth","TokenURL":"https://a.test/token","Scopes":["a","b"],"ScopeDelimiter":",","ClientID":"c"}`,
		`{"Key":"acme","TenantID":"t","Name":"Acme","AuthType":"oauth1","ParamType":"form","BaseURLs":["https://api.acme.test"],"RequestTokenURL":"https://a.test/rt","AuthorizeURL":"https://a.test/auth","AccessTokenURL":"https://a.test/at","ClientID":"c"}`,
		`{"Key":"zoho_people","Name":"Zoho People","AuthType":"oauth2","TokenPrefix":"Zoho-oauthtoken ","ScopeDelimiter":","}`,
		`{"Key":"x","Name":"x","AuthType":"api_key","ParamName":"X-K","BaseURLs":["https://u:p@h/%2e%2e?q#f"]}`,
		`{"Name":"\u0000","AuthType":"OAUTH2","ParamType":"HEADER","TokenPrefix":"a\r\nb","BaseURLs":["https://[::1"]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s hrconnect.Service
		if err := json.Unmarshal(data, &s); err != nil {
			return // not a definition at all; the JSON decoder refuses it
		}
		// Validate must cope with a definition nobody has normalised.
		checkInvalid(t, (&s).Validate())

		s.Normalize()
		err := s.Validate()
		checkInvalid(t, err)

		again := s
		again.BaseURLs = append([]string(nil), s.BaseURLs...)
		again.Scopes = append([]string(nil), s.Scopes...)
		again.Normalize()
		if !reflect.DeepEqual(again, s) {
			t.Fatalf("Normalize is not idempotent:\n%#v\n%#v", s, again)
		}
		if err != nil {
			return
		}
		if err := again.Validate(); err != nil {
			t.Fatalf("a valid definition became invalid after Normalize: %v", err)
		}
		for _, b := range s.BaseURLs {
			u, perr := url.Parse(b)
			if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" {
				t.Fatalf("valid definition has unusable base URL %q", b)
			}
		}
		if !s.IsDefault() && len(s.BaseURLs) == 0 {
			t.Fatal("valid custom definition without base URLs")
		}
	})
}

func checkInvalid(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *hrconnect.Error
	if !errors.As(err, &e) {
		t.Fatalf("Validate() = %v (%T), want *hrconnect.Error", err, err)
	}
	if e.Code != hrconnect.EINVALID || e.Message == "" || e.Field == "" {
		t.Fatalf("Validate() = %#v, want EINVALID with a field and a message", e)
	}
}
