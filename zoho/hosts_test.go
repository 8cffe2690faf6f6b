package zoho_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"hrconnect/zoho"
)

// accounts-server values from a redirect: Zoho's own are accepted, anything
// that could steer the code exchange (and the client secret) elsewhere is
// refused.
func TestAccountsServerDC(t *testing.T) {
	t.Parallel()
	real := zoho.Real()
	for _, tc := range []struct {
		server string
		want   string // location, "" for refused
	}{
		{"https://accounts.zoho.com", "us"},
		{"https://accounts.zoho.eu", "eu"},
		{"https://accounts.zoho.eu/", "eu"},
		{"HTTPS://ACCOUNTS.ZOHO.EU", "eu"},
		{"https://accounts.zohocloud.ca", "ca"},
		{"https://accounts.zoho.com.cn", "cn"},
		{"https://accounts.zoho.sa", "sa"},
		{"http://accounts.zoho.eu", ""},                 // downgraded scheme
		{"https://accounts.zoho.eu.attacker.test", ""},  // suffix
		{"https://attacker.test/accounts.zoho.eu", ""},  // in the path
		{"https://accounts.zoho.eu@attacker.test", ""},  // user info
		{"https://attacker.test@accounts.zoho.eu", ""},  // user info, even with the right host
		{"https://accounts.zoho.eu:8443", ""},           // another port
		{"https://accounts.zoho.eu/oauth/v2/token", ""}, // a path
		{"https://accounts.zoho.eu?x=1", ""},
		{"https://accounts.zoho.eu#frag", ""},
		{`https://accounts.zoho.eu\@attacker.test`, ""},
		{"https://accountſ.zoho.sa", ""}, // long s folds to s in Unicode, not here
		{"https://accounts.zoho.eu.", ""},
		{"//accounts.zoho.eu", ""},
		{"accounts.zoho.eu", ""},
		{"https://www.zohoapis.eu", ""}, // a Zoho host, but not an accounts server
		{"https://accounts.zoho.xx", ""},
		{"", ""},
	} {
		dc, err := real.AccountsServerDC(tc.server)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("AccountsServerDC(%q) accepted as %s", tc.server, dc.Location)
		case tc.want == "" && !errors.Is(err, zoho.ErrHostNotAllowed):
			t.Errorf("AccountsServerDC(%q): %v does not wrap ErrHostNotAllowed", tc.server, err)
		case tc.want != "" && (err != nil || dc.Location != tc.want):
			t.Errorf("AccountsServerDC(%q) = %s, %v; want %s", tc.server, dc.Location, err, tc.want)
		}
	}

	// A sandbox Directory accepts its own accounts servers, not Zoho's, nor
	// another sandbox's.
	sb, err := zoho.ForSandbox("http://127.0.0.1:9090/")
	if err != nil {
		t.Fatal(err)
	}
	if dc, err := sb.AccountsServerDC("http://127.0.0.1:9090/jp/accounts"); err != nil || dc.Location != "jp" || dc.AccountsURL != "http://127.0.0.1:9090/jp/accounts" {
		t.Errorf("sandbox jp: %+v, %v", dc, err)
	}
	for _, s := range []string{"https://accounts.zoho.jp", "http://127.0.0.1:9091/jp/accounts", "http://127.0.0.1:9090/jp/accounts/..", "http://127.0.0.1:9090/jp", "http://127.0.0.1:9090/xx/accounts"} {
		if _, err := sb.AccountsServerDC(s); err == nil {
			t.Errorf("sandbox accepted %q", s)
		}
	}
	if _, err := real.AccountsServerDC("http://127.0.0.1:9090/jp/accounts"); err == nil {
		t.Error("the real Directory accepted a sandbox URL")
	}
}

// The api_domain of a token reply must be one of the Directory's.
func TestAPIDomainDC(t *testing.T) {
	t.Parallel()
	real := zoho.Real()
	if dc, err := real.APIDomainDC("https://www.zohoapis.ca"); err != nil || dc.Location != "ca" {
		t.Errorf("zohoapis.ca: %v, %v", dc.Location, err)
	}
	for _, s := range []string{"https://www.zohoapis.com.attacker.test", "https://accounts.zoho.com", "http://www.zohoapis.com", "https://www.zohoapis.xx"} {
		if _, err := real.APIDomainDC(s); !errors.Is(err, zoho.ErrHostNotAllowed) {
			t.Errorf("APIDomainDC(%q) = %v, want ErrHostNotAllowed", s, err)
		}
	}
}

// ParseRedirect: the DC comes from accounts-server (checked) or location;
// a location that contradicts accounts-server is refused.
func TestParseRedirect(t *testing.T) {
	t.Parallel()
	real := zoho.Real()
	q := func(s string) url.Values { v, _ := url.ParseQuery(s); return v }

	r, err := real.ParseRedirect(q("code=1000.abc&location=in&accounts-server=https%3A%2F%2Faccounts.zoho.in&state=xyz"))
	if err != nil || r.Code != "1000.abc" || r.State != "xyz" || r.DC.Location != "in" {
		t.Errorf("Zoho's own redirect: %+v, %v", r, err)
	}
	if s := fmt.Sprintf("%v %+v", r, r); strings.Contains(s, "1000.abc") {
		t.Errorf("a printed Redirect shows its code: %s", s)
	}
	r, err = real.ParseRedirect(q("code=1000.abc&location=jp"))
	if err != nil || r.DC.Location != "jp" {
		t.Errorf("location only: %+v, %v", r, err)
	}
	for _, bad := range []string{
		"code=1000.abc&location=eu&accounts-server=https%3A%2F%2Faccounts.attacker.test",
		"code=1000.abc&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.com",
		"code=1000.abc&location=xx",
		"code=1000.abc",
		"location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu",
	} {
		r, err := real.ParseRedirect(q(bad))
		ze := zerr(t, err, zoho.ClassConfig)
		if r.Code != "" || r.DC != (zoho.DataCentre{}) {
			t.Errorf("ParseRedirect(%s) returned %+v with the error %v", bad, r, ze)
		}
	}
	_, err = real.ParseRedirect(q("error=access_denied&state=xyz"))
	zerr(t, err, zoho.ClassReconnect)
}

// Allowed is the allow-list every secret passes: the Directory's hosts, on
// their scheme, and nothing else.
func TestAllowed(t *testing.T) {
	t.Parallel()
	real := zoho.Real()
	for s, want := range map[string]bool{
		"https://accounts.zoho.eu/oauth/v2/token":               true,
		"https://people.zoho.com/people/api/forms/employee":     true,
		"https://recruit.zohocloud.ca/recruit/v2/Candidates":    true,
		"https://www.zohoapis.in":                               true,
		"http://accounts.zoho.eu/oauth/v2/token":                false,
		"https://accounts.zoho.eu.attacker.test/oauth/v2/token": false,
		"https://user@accounts.zoho.eu/oauth/v2/token":          false,
		"https://attacker.test/accounts.zoho.eu":                false,
	} {
		if got := real.Allowed(s); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", s, got, want)
		}
	}
	sb, _ := zoho.ForSandbox("http://127.0.0.1:9090")
	for s, want := range map[string]bool{
		"http://127.0.0.1:9090/eu/accounts/oauth/v2/token":        true,
		"http://127.0.0.1:9090/eu/people/people/api/x":            true,
		"http://127.0.0.1:9090/_sandbox/state":                    false,
		"http://127.0.0.1:9090/eu/accounts/../../_sandbox/state":  false,
		"http://127.0.0.1:9090/eu/accounts/%2e%2e/_sandbox/state": false,
		"https://accounts.zoho.eu/oauth/v2/token":                 false,
	} {
		if got := sb.Allowed(s); got != want {
			t.Errorf("sandbox Allowed(%q) = %v, want %v", s, got, want)
		}
	}
}

// ClassOf and its helpers on errors that are not the package's own.
func TestClassOfForeignErrors(t *testing.T) {
	t.Parallel()
	if zoho.ClassOf(nil) != zoho.ClassNone || zoho.IsRetryable(nil) {
		t.Error("nil has a class")
	}
	if zoho.ClassOf(errors.New("something")) != zoho.ClassConfig {
		t.Error("an unexplained error is not ClassConfig")
	}
	for c, name := range map[zoho.Class]string{zoho.ClassRetry: "retry", zoho.ClassReauth: "reauth", zoho.ClassReconnect: "reconnect", zoho.ClassData: "data", zoho.ClassConfig: "config"} {
		if c.String() != name {
			t.Errorf("%d.String() = %q, want %q", c, c.String(), name)
		}
	}
}
