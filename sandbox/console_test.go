package sandbox_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	pageClientID = regexp.MustCompile(`id="client-id">([^<]+)<`)
	pageSecret   = regexp.MustCompile(`id="client-secret">([^<]+)<`)
	pageCode     = regexp.MustCompile(`id="code">([^<]+)<`)
)

// TestConsolePages registers a Self Client and generates a code through the
// API Console's pages, as a person would, then exchanges the code.
func TestConsolePages(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	if p := b.get(e.base + "/console"); p.status != http.StatusOK || !strings.Contains(p.body, "Register a client") {
		t.Fatalf("GET /console: HTTP %d", p.status)
	}

	// The form refuses a bad registration with the console's messages.
	p := b.post("/console/clients", url.Values{"client_type": {"web"}, "dc": {"us"}, "client_name": {"Bad!"}, "homepage_url": {"nope"}})
	if p.status != http.StatusBadRequest {
		t.Fatalf("bad registration: HTTP %d", p.status)
	}
	for _, msg := range []string{msgName, msgHomepage, msgRedirect} {
		if !strings.Contains(p.body, msg) {
			t.Errorf("the form does not show %q", msg)
		}
	}
	if !strings.Contains(p.body, `value="Bad!"`) {
		t.Error("the form lost what was typed")
	}

	// A web client with two redirect URIs, one per line.
	p = b.post("/console/clients", url.Values{"client_type": {"web"}, "dc": {"eu"}, "client_name": {"HR Sync"},
		"homepage_url": {"https://hr.example.test"}, "redirect_uris": {redirectURI + "\r\nhttps://hr.example.test/cb2"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "https://hr.example.test/cb2") {
		t.Fatalf("web registration: HTTP %d:\n%s", p.status, p.body)
	}

	// A Self Client, then Generate Code.
	p = b.post("/console/clients", url.Values{"client_type": {"self"}, "dc": {"in"}})
	if p.status != http.StatusOK {
		t.Fatalf("self client registration: HTTP %d:\n%s", p.status, p.body)
	}
	id, secret := match(t, pageClientID, p.body), match(t, pageSecret, p.body)
	if !regexpClientID.MatchString(id) || !regexpSecret.MatchString(secret) {
		t.Fatalf("client page shows ID %q secret %q", id, secret)
	}
	p = b.post("/console/clients/"+id+"/code", url.Values{"scope": {"ZohoCRM.modules.ALL"}, "duration_minutes": {"5"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Enter a valid scope") {
		t.Errorf("a bad scope: HTTP %d, want 400 and Enter a valid scope", p.status)
	}
	p = b.post("/console/clients/"+id+"/code", url.Values{"scope": {peopleScope + ", ZOHOPEOPLE.employee.ALL"}, "duration_minutes": {"10"}, "description": {"sync"}})
	if p.status != http.StatusOK {
		t.Fatalf("Generate Code: HTTP %d:\n%s", p.status, p.body)
	}
	code := match(t, pageCode, p.body)
	r := e.exchange("in", clientCreds{ID: id, Secret: secret, dc: "in"}, code)
	if r.AccessToken == "" || r.RefreshToken == "" || r.Scope != peopleScope+" ZOHOPEOPLE.employee.ALL" {
		t.Fatalf("exchanging the console's code: %s", r.Raw)
	}

	// The index lists both clients.
	p = b.get(e.base + "/console/")
	if !strings.Contains(p.body, id) || !strings.Contains(p.body, "HR Sync") {
		t.Error("the console's index does not list the clients")
	}
	if p := b.get(e.base + "/console/clients/1000.NOPE"); p.status != http.StatusNotFound {
		t.Errorf("unknown client page: HTTP %d", p.status)
	}
}

// TestConsoleRefusesCrossOriginPosts checks that the console's and the
// sign-in's forms cannot be posted from another site.
func TestConsoleRefusesCrossOriginPosts(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/console/clients", "/us/accounts/signin", "/us/accounts/oauth/v2/auth"} {
		req, _ := http.NewRequest("POST", e.base+path, strings.NewReader("client_type=self"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site POST %s: HTTP %d, want 403", path, resp.StatusCode)
		}
	}
}

func match(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%v not found in:\n%s", re, body)
	}
	return html.UnescapeString(m[1])
}
