package hrconnect_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"hrconnect"
)

// validAPIKeyService is a complete custom definition that each case below
// breaks in one way.
func validAPIKeyService() *hrconnect.Service {
	return &hrconnect.Service{
		Key:       "acme_hr",
		TenantID:  "t1",
		Name:      "Acme HR & Payroll",
		AuthType:  hrconnect.AuthAPIKey,
		ParamType: hrconnect.ParamHeader,
		ParamName: "X-API-Key",
		BaseURLs:  []string{"https://api.acme.test/v1"},
	}
}

func validOAuth2Service() *hrconnect.Service {
	return &hrconnect.Service{
		Key:          "acme_oauth",
		TenantID:     "t1",
		Name:         "Acme OAuth",
		AuthType:     hrconnect.AuthOAuth2,
		ParamType:    hrconnect.ParamHeader,
		BaseURLs:     []string{"https://api.acme.test"},
		AuthorizeURL: "https://login.acme.test/authorize",
		TokenURL:     "https://login.acme.test/token",
		Scopes:       []string{"read", "write"},
		ClientID:     "client-123",
	}
}

func validOAuth1Service() *hrconnect.Service {
	return &hrconnect.Service{
		Key:             "acme_o1",
		TenantID:        "t1",
		Name:            "Acme One",
		AuthType:        hrconnect.AuthOAuth1,
		ParamType:       hrconnect.ParamHeader,
		BaseURLs:        []string{"https://api.acme.test/1.1"},
		RequestTokenURL: "https://api.acme.test/oauth/request_token",
		AuthorizeURL:    "https://api.acme.test/oauth/authorize",
		AccessTokenURL:  "https://api.acme.test/oauth/access_token",
		ClientID:        "consumer-key",
	}
}

func TestServiceValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		base   func() *hrconnect.Service
		change func(s *hrconnect.Service)
		field  string // "" means valid
		want   string // part of the message
	}{
		{"api key valid", validAPIKeyService, func(*hrconnect.Service) {}, "", ""},
		{"oauth2 valid", validOAuth2Service, func(*hrconnect.Service) {}, "", ""},
		{"oauth1 valid", validOAuth1Service, func(*hrconnect.Service) {}, "", ""},
		{"basic valid", validAPIKeyService, func(s *hrconnect.Service) { s.AuthType = hrconnect.AuthBasic; s.ParamName = "" }, "", ""},
		{"http on localhost", validAPIKeyService, func(s *hrconnect.Service) {
			s.BaseURLs = []string{"http://127.0.0.1:8080/api", "http://localhost/x", "http://[::1]:9/"}
		}, "", ""},
		{"unicode letters in name", validAPIKeyService, func(s *hrconnect.Service) { s.Name = "Société Générale_2" }, "", ""},

		{"empty name", validAPIKeyService, func(s *hrconnect.Service) { s.Name = "" }, "name", "Enter a service name"},
		{"name with punctuation", validAPIKeyService, func(s *hrconnect.Service) { s.Name = "Acme <script>" }, "name", "letters, digits, spaces, '_' and '&' only"},
		{"name only spaces and marks", validAPIKeyService, func(s *hrconnect.Service) { s.Name = "_ & _" }, "name", "Enter a valid service name"},
		{"name too long", validAPIKeyService, func(s *hrconnect.Service) { s.Name = strings.Repeat("a", 51) }, "name", "at most 50"},
		{"empty key", validAPIKeyService, func(s *hrconnect.Service) { s.Key = "" }, "key", `"acme_hr_payroll"`},
		{"key with dash", validAPIKeyService, func(s *hrconnect.Service) { s.Key = "acme-hr" }, "key", "lower-case letters, digits and '_'"},
		{"key starting with digit", validAPIKeyService, func(s *hrconnect.Service) { s.Key = "1acme" }, "key", "starting with a letter"},
		{"key upper case", validAPIKeyService, func(s *hrconnect.Service) { s.Key = "Acme" }, "key", "lower-case"},
		{"custom service takes default key", validAPIKeyService, func(s *hrconnect.Service) { s.Key = hrconnect.ServiceZohoPeople }, "key", "built-in service"},

		{"no auth type", validAPIKeyService, func(s *hrconnect.Service) { s.AuthType = "" }, "auth_type", "Choose an authentication type"},
		{"unknown auth type", validAPIKeyService, func(s *hrconnect.Service) { s.AuthType = "digest" }, "auth_type", `"digest" is not supported`},
		{"unknown param type", validAPIKeyService, func(s *hrconnect.Service) { s.ParamType = "cookie" }, "param_type", "choose header, query or form"},
		{"basic in query", validAPIKeyService, func(s *hrconnect.Service) { s.AuthType = hrconnect.AuthBasic; s.ParamType = hrconnect.ParamQuery }, "param_type", "Authorization header"},
		{"basic in form", validAPIKeyService, func(s *hrconnect.Service) { s.AuthType = hrconnect.AuthBasic; s.ParamType = hrconnect.ParamForm }, "param_type", "choose param type header"},
		{"api key without name", validAPIKeyService, func(s *hrconnect.Service) { s.ParamName = "" }, "param_name", "API key services need the name of the parameter or header that carries the key"},
		{"api key query without name suggests api_key", validAPIKeyService, func(s *hrconnect.Service) { s.ParamType = hrconnect.ParamQuery; s.ParamName = "" }, "param_name", `"api_key"`},
		{"header name with space", validAPIKeyService, func(s *hrconnect.Service) { s.ParamName = "X API Key" }, "param_name", "Header name"},
		{"header name with newline", validAPIKeyService, func(s *hrconnect.Service) { s.ParamName = "X-Key\r\nX-Evil" }, "param_name", "not valid"},
		{"framing header", validAPIKeyService, func(s *hrconnect.Service) { s.ParamName = "Content-Length" }, "param_name", "cannot carry credentials"},
		{"query name with space", validAPIKeyService, func(s *hrconnect.Service) { s.ParamType = hrconnect.ParamQuery; s.ParamName = "api key" }, "param_name", "without spaces"},
		{"query name oauth_", validAPIKeyService, func(s *hrconnect.Service) { s.ParamType = hrconnect.ParamForm; s.ParamName = "oauth_token" }, "param_name", "reserved for OAuth 1.0a"},
		{"token prefix with newline", validOAuth2Service, func(s *hrconnect.Service) { s.TokenPrefix = "Bearer\n" }, "token_prefix", "no line breaks"},

		{"no base url", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = nil }, "base_urls", "at least one base URL"},
		{"http base url", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"http://api.acme.test"} }, "base_urls", `Base URL "http://api.acme.test" must be an https URL (http is allowed only for localhost)`},
		{"ftp base url", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"ftp://api.acme.test"} }, "base_urls", "must be an https URL"},
		{"relative base url", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"/v1"} }, "base_urls", "not a valid URL"},
		{"base url with userinfo", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"https://bob:hunter2@api.acme.test"} }, "base_urls", "user name or password"},
		{"base url with query", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"https://api.acme.test/v1?x=1"} }, "base_urls", "must not contain a query"},
		{"base url with dot segment", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"https://api.acme.test/v1/../admin"} }, "base_urls", "'..' path segments"},
		{"base url with encoded dot segment", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"https://api.acme.test/v1/%2e%2e"} }, "base_urls", "'..' path segments"},
		{"base url with bad port", validAPIKeyService, func(s *hrconnect.Service) { s.BaseURLs = []string{"https://api.acme.test:99999"} }, "base_urls", "invalid port"},

		{"oauth2 no token url", validOAuth2Service, func(s *hrconnect.Service) { s.TokenURL = "" }, "token_url", "OAuth 2.0 services need an authorize URL and a token URL"},
		{"oauth2 no authorize url", validOAuth2Service, func(s *hrconnect.Service) { s.AuthorizeURL = "" }, "authorize_url", "need an authorize URL"},
		{"oauth2 http token url", validOAuth2Service, func(s *hrconnect.Service) { s.TokenURL = "http://login.acme.test/token" }, "token_url", "must be an https URL"},
		{"oauth2 bad revoke url", validOAuth2Service, func(s *hrconnect.Service) { s.RevokeURL = "revoke" }, "revoke_url", "not a valid URL"},
		{"oauth2 bad delimiter", validOAuth2Service, func(s *hrconnect.Service) { s.ScopeDelimiter = ";" }, "scope_delimiter", "choose a space, ',' or '+'"},
		{"oauth2 comma delimiter", validOAuth2Service, func(s *hrconnect.Service) { s.ScopeDelimiter = "," }, "", ""},
		{"oauth2 plus delimiter", validOAuth2Service, func(s *hrconnect.Service) { s.ScopeDelimiter = "+" }, "", ""},
		{"scope containing delimiter", validOAuth2Service, func(s *hrconnect.Service) { s.ScopeDelimiter = ","; s.Scopes = []string{"a,b"} }, "scopes", "contains the scope delimiter"},
		{"scope with space", validOAuth2Service, func(s *hrconnect.Service) { s.Scopes = []string{"read write"} }, "scopes", "one scope per entry"},
		{"oauth2 no client id", validOAuth2Service, func(s *hrconnect.Service) { s.ClientID = "" }, "client_id", "client ID"},
		{"oauth1 no access token url", validOAuth1Service, func(s *hrconnect.Service) { s.AccessTokenURL = "" }, "access_token_url", "request token URL, an authorize URL and an access token URL"},
		{"oauth1 no request token url", validOAuth1Service, func(s *hrconnect.Service) { s.RequestTokenURL = "" }, "request_token_url", "OAuth 1.0a services need"},
		{"oauth1 http authorize url", validOAuth1Service, func(s *hrconnect.Service) { s.AuthorizeURL = "http://api.acme.test/oauth/authorize" }, "authorize_url", "must be an https URL"},
		{"oauth1 no consumer key", validOAuth1Service, func(s *hrconnect.Service) { s.ClientID = "" }, "client_id", "consumer key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.base()
			tt.change(s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *hrconnect.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate() = %v (%T), want *hrconnect.Error", err, err)
			}
			if e.Code != hrconnect.EINVALID {
				t.Errorf("code = %q, want %q", e.Code, hrconnect.EINVALID)
			}
			if e.Field != tt.field {
				t.Errorf("field = %q, want %q (message %q)", e.Field, tt.field, e.Message)
			}
			if !strings.Contains(e.Error(), tt.want) {
				t.Errorf("message = %q, want it to contain %q", e.Error(), tt.want)
			}
		})
	}
}

// A message about a URL with a password in it must not repeat the password.
func TestServiceValidateDoesNotEchoURLPassword(t *testing.T) {
	t.Parallel()
	s := validAPIKeyService()
	s.BaseURLs = []string{"https://bob:hunter2@api.acme.test"}
	err := s.Validate()
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Validate() = %v, want an error without the password", err)
	}
}

func TestServiceNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   hrconnect.Service
		want hrconnect.Service
	}{
		{
			name: "oauth2 header defaults",
			in:   hrconnect.Service{Key: " Acme ", Name: "  Acme   HR ", AuthType: " OAuth2 ", TokenURL: "https://a.test/token ", Scopes: []string{" read", "", "read", "write"}, BaseURLs: []string{"https://api.a.test/v1/", " ", "https://api.a.test/v1"}},
			want: hrconnect.Service{Key: "acme", Name: "Acme HR", AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamHeader, ParamName: "Authorization", TokenPrefix: "Bearer ", TokenURL: "https://a.test/token", RefreshURL: "https://a.test/token", Scopes: []string{"read", "write"}, ScopeDelimiter: " ", BaseURLs: []string{"https://api.a.test/v1"}},
		},
		{
			name: "oauth2 query uses access_token and no prefix",
			in:   hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamQuery},
			want: hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamQuery, ParamName: "access_token", ScopeDelimiter: " "},
		},
		{
			name: "oauth2 form uses access_token",
			in:   hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamForm, ScopeDelimiter: ","},
			want: hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamForm, ParamName: "access_token", ScopeDelimiter: ","},
		},
		{
			name: "oauth2 custom header keeps no prefix",
			in:   hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamName: "X-Token", RefreshURL: "https://a.test/refresh", TokenURL: "https://a.test/token"},
			want: hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamHeader, ParamName: "X-Token", TokenURL: "https://a.test/token", RefreshURL: "https://a.test/refresh", ScopeDelimiter: " "},
		},
		{
			name: "explicit prefix kept",
			in:   hrconnect.Service{AuthType: hrconnect.AuthOAuth2, TokenPrefix: "Zoho-oauthtoken "},
			want: hrconnect.Service{AuthType: hrconnect.AuthOAuth2, ParamType: hrconnect.ParamHeader, ParamName: "Authorization", TokenPrefix: "Zoho-oauthtoken ", ScopeDelimiter: " "},
		},
		{
			name: "api key gets no oauth defaults",
			in:   hrconnect.Service{AuthType: hrconnect.AuthAPIKey, ParamType: "QUERY"},
			want: hrconnect.Service{AuthType: hrconnect.AuthAPIKey, ParamType: hrconnect.ParamQuery},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.in
			got.Normalize()
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalize() =\n%+v\nwant\n%+v", got, tt.want)
			}
			again := got
			again.Normalize()
			if !reflect.DeepEqual(again, got) {
				t.Errorf("Normalize is not idempotent:\n%+v\n%+v", again, got)
			}
		})
	}
}

func TestDefaultServices(t *testing.T) {
	t.Parallel()
	svcs := hrconnect.DefaultServices()
	if len(svcs) != 2 {
		t.Fatalf("DefaultServices() returned %d services, want 2", len(svcs))
	}
	want := map[string]string{
		hrconnect.ServiceZohoPeople:  "ZOHOPEOPLE.forms.ALL",
		hrconnect.ServiceZohoRecruit: "ZohoRecruit.modules.candidate.ALL",
	}
	for _, s := range svcs {
		scope, ok := want[s.Key]
		if !ok {
			t.Fatalf("unexpected default service %q", s.Key)
		}
		if s.AuthType != hrconnect.AuthOAuth2 || s.ParamType != hrconnect.ParamHeader || s.ParamName != "Authorization" ||
			s.TokenPrefix != "Zoho-oauthtoken " || s.ScopeDelimiter != "," || len(s.BaseURLs) != 0 ||
			!reflect.DeepEqual(s.Scopes, []string{scope}) {
			t.Errorf("default service %q = %+v", s.Key, s)
		}
		if !s.IsDefault() {
			t.Errorf("%q: IsDefault() = false", s.Key)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%q: Validate() = %v", s.Key, err)
		}
		// Normalize must not change a built-in definition.
		n := *s
		n.Normalize()
		if !reflect.DeepEqual(&n, s) {
			t.Errorf("%q: Normalize changed it: %+v", s.Key, n)
		}
	}

	// Copies are independent: changing one must not change the built-in.
	svcs[0].Scopes[0] = "changed"
	svcs[0].Name = "changed"
	again, ok := hrconnect.LookupDefaultService(svcs[0].Key)
	if !ok || again.Scopes[0] == "changed" || again.Name == "changed" {
		t.Errorf("LookupDefaultService returned a shared copy: %+v", again)
	}
	if _, ok := hrconnect.LookupDefaultService("acme"); ok {
		t.Error(`LookupDefaultService("acme") found a service`)
	}
	// A tenant's service is never a built-in one, whatever its key.
	custom := validAPIKeyService()
	if custom.IsDefault() {
		t.Error("custom service reports IsDefault")
	}
}
