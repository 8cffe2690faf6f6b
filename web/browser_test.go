package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hrconnect/internal/testenv"
)

// The browser tests drive Debian's Chromium through the real pages, the
// sandbox's API Console and its consent page included. Each is bounded to a
// minute (the newcomer's, which goes on to the first hire, to two);
// together they run in parallel.

// chrome starts a headless Chromium with a fresh profile and returns a tab's
// context, bounded to a minute.
func chrome(t *testing.T) context.Context { return chromeFor(t, time.Minute) }

// chromeFor is chrome bounded to d.
func chromeFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	path := testenv.Chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	return tab
}

// screenshotDir is $HRCONNECT_ARTIFACTS/screenshots, or artifacts/screenshots
// at the module's root (gitignored).
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("HRCONNECT_ARTIFACTS"); d != "" {
		return filepath.Join(d, "screenshots")
	}
	dir, err := os.Getwd()
	must(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "artifacts", "screenshots")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join("artifacts", "screenshots")
		}
		dir = parent
	}
}

// shot saves a full-page screenshot as a test artifact.
func shot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100)) // 100 makes a PNG; less, a JPEG
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := screenshotDir(t)
	must(t, os.MkdirAll(dir, 0o755))
	file := filepath.Join(dir, t.Name()+"-"+name+".png")
	file = filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(filepath.Base(file)))
	must(t, os.WriteFile(file, png, 0o644))
}

// do runs the steps, failing the test (with a screenshot) on the first error.
func do(t *testing.T, tab context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		shot(t, tab, "failed")
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
	// A node found just as the page is replaced by the next one is gone
	// when its text is read: read it again, on the page that stays.
	for deadline := time.Now().Add(5 * time.Second); err != nil && strings.Contains(err.Error(), "No node") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		s, err = chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
	}
	if err != nil {
		shot(t, tab, "failed")
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func attr(t *testing.T, tab context.Context, sel, name string) string {
	t.Helper()
	r, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value
}

func css(s string) chromedp.CSS { return chromedp.CSS(s) }

// signInBrowser signs in through the sign-in page.
func signInBrowser(t *testing.T, tab context.Context, a *app, email, password string) {
	t.Helper()
	do(t, tab, "sign in",
		chromedp.Navigate(a.url+"/signin"),
		chromedp.WaitVisible(css(`form[action="/signin"] #email`)),
		chromedp.SendKeys(css("#email"), email),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#q")),
	)
}

// TestBrowserNewcomer is a newcomer's whole path: first-run setup, signing
// out and in, the marketplace search, a Self Client and its code made on the
// sandbox's API Console page, the secure token form, the tokens shown once
// and saved, and the tile showing Connected; then the first hire, through
// the workflow, job post, applicant and transfer pages (hireInBrowser).
func TestBrowserNewcomer(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	tab := chromeFor(t, 2*time.Minute)
	password := "a newcomer's long password"
	a.secrets.add(password)

	do(t, tab, "first-run setup",
		chromedp.Navigate(a.url+"/"),
		chromedp.WaitVisible(css("#company")),
	)
	shot(t, tab, "01-setup")
	do(t, tab, "fill in setup",
		chromedp.SendKeys(css("#company"), "Acme Ltd"),
		chromedp.SendKeys(css("#name"), "Ada Lovelace"),
		chromedp.SendKeys(css("#email"), "ada@acme.test"),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#q")),
	)
	if got := text(t, tab, "#flash"); !strings.Contains(got, "Welcome") {
		t.Errorf("after setup the flash says %q", got)
	}
	do(t, tab, "sign out",
		chromedp.Click(css(`form[action="/signout"] button`)),
		chromedp.WaitVisible(css(`form[action="/signin"]`)),
	)
	signInBrowser(t, tab, a, "ada@acme.test", password)

	do(t, tab, "search the marketplace",
		chromedp.SendKeys(css("#q"), "Zoho"),
		chromedp.Click(css(`form.search button`)),
		// The tile is on the page before the search too: wait for the
		// search's own page, which renders the query as the field's value
		// (typing sets the property, not the attribute).
		chromedp.WaitVisible(css(`#q[value="Zoho"]`)),
		chromedp.WaitVisible(css("#tile-zoho_people")),
	)
	if got := text(t, tab, "#state-zoho_people"); got != "Not connected" {
		t.Errorf("before connecting the tile says %q", got)
	}
	shot(t, tab, "02-marketplace")
	do(t, tab, "open the token form",
		chromedp.Click(css("#open-zoho_people")),
		chromedp.WaitVisible(css("#way-token")),
		chromedp.Click(css("#way-token")),
		chromedp.WaitVisible(css("#code")),
	)
	tokenForm, err := chromedp.Run(tab, chromedp.Location())
	must(t, err)
	console := attr(t, tab, "#sandbox-console", "href")
	if !strings.HasPrefix(console, a.sbURL) {
		t.Fatalf("the token form links the console at %q, want the sandbox's", console)
	}
	shot(t, tab, "03-token-form")

	// Zoho's side: a Self Client and a code, on the console's pages.
	do(t, tab, "register a Self Client",
		chromedp.Navigate(console),
		chromedp.Click(css(`a[href="/console/clients/new?type=self"]`)),
		chromedp.WaitVisible(css("#client_type")),
		chromedp.SetValue(css("#dc"), "eu"),
		chromedp.Click(css(`form[action="/console/clients"] button[type=submit]`)),
		chromedp.WaitVisible(css("#client-id")),
	)
	clientID, secret := text(t, tab, "#client-id"), text(t, tab, "#client-secret")
	a.secrets.add(secret)
	do(t, tab, "generate a code",
		chromedp.SendKeys(css("#scope"), "ZOHOPEOPLE.forms.ALL"),
		chromedp.SetValue(css("#duration"), "10"),
		chromedp.SendKeys(css("#description"), "Authorisation to send employee information"),
		chromedp.Click(css(`form[action$="/code"] button[type=submit]`)),
		chromedp.WaitVisible(css("#code")),
	)
	code := text(t, tab, "#code")
	a.secrets.add(code)
	shot(t, tab, "04-console-code")

	do(t, tab, "get the tokens",
		chromedp.Navigate(tokenForm),
		chromedp.WaitVisible(css("#code")),
		chromedp.SetValue(css("#dc"), "eu"),
		chromedp.SendKeys(css("#client_id"), clientID),
		chromedp.SendKeys(css("#client_secret"), secret),
		chromedp.SendKeys(css("#code"), code),
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css("#saved")),
	)
	refresh, access := text(t, tab, "#refresh-token"), text(t, tab, "#access-token")
	a.secrets.add(refresh, access)
	if !strings.HasPrefix(refresh, "1000.") || !strings.HasPrefix(access, "1000.") {
		t.Errorf("tokens shown: refresh %q, access %q", refresh, access)
	}
	if got := text(t, tab, "#saved"); !strings.Contains(got, "saved into the connection") {
		t.Errorf("the result says %q", got)
	}
	shot(t, tab, "05-tokens-returned")

	do(t, tab, "back to the marketplace",
		chromedp.Navigate(a.url+"/integrations"),
		chromedp.WaitVisible(css("#state-zoho_people")),
	)
	if got := text(t, tab, "#state-zoho_people"); got != "Connected" {
		t.Errorf("after connecting the tile says %q", got)
	}
	if got := text(t, tab, "#open-zoho_people"); got != "Manage" {
		t.Errorf("the tile's button says %q, want Manage", got)
	}
	shot(t, tab, "06-connected")
	do(t, tab, "open the connection", chromedp.Click(css("#open-zoho_people")), chromedp.WaitVisible(css("#status")))
	if got := text(t, tab, "#status"); got != "Connected" {
		t.Errorf("connection status %q", got)
	}
	shot(t, tab, "07-connection")
	html, err := chromedp.Run(tab, chromedp.OuterHTML(css("html")))
	must(t, err)
	for _, s := range a.secrets.all() {
		if strings.Contains(html, s) {
			t.Errorf("the connection page shows the secret %q", s)
		}
	}
	hireInBrowser(t, tab, a)
}

// TestBrowserConnectWithZoho is seed 004's redirect flow in the browser:
// hrconnect's form, the sandbox's sign-in and consent pages, Accept, and back
// to a saved connection.
func TestBrowserConnectWithZoho(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, password := a.user(nil, "ada@acme.test", true)
	id, secret := a.webClient("eu")
	tab := chrome(t)
	signInBrowser(t, tab, a, "ada@acme.test", password)

	do(t, tab, "fill in Connect with Zoho",
		chromedp.Navigate(a.url+"/integrations/zoho_people/authorize"),
		chromedp.WaitVisible(css("#redirect-uri")),
		chromedp.SetValue(css("#dc"), "eu"),
		chromedp.SendKeys(css("#client_id"), id),
		chromedp.SendKeys(css("#client_secret"), secret),
	)
	shot(t, tab, "01-connect-form")
	do(t, tab, "sign in at Zoho",
		chromedp.Click(css("#submit")),
		chromedp.WaitVisible(css(`form[action="/eu/accounts/signin"]`)),
		chromedp.SendKeys(css("#email"), "admin@eu.sandbox.test"),
		chromedp.SendKeys(css("#password"), "sandbox"),
		chromedp.Click(css(`form[action="/eu/accounts/signin"] button[type=submit]`)),
		chromedp.WaitVisible(css("#accept")),
	)
	shot(t, tab, "02-consent")
	do(t, tab, "accept", chromedp.Click(css("#accept")), chromedp.WaitVisible(css("#status")))
	loc, err := chromedp.Run(tab, chromedp.Location())
	must(t, err)
	if !strings.HasPrefix(loc, a.url+"/connections/con_") {
		t.Errorf("after consent the browser is at %s", loc)
	}
	if got := text(t, tab, "#status"); got != "Connected" {
		t.Errorf("status %q", got)
	}
	if got := text(t, tab, "#flash"); !strings.Contains(got, "is connected") {
		t.Errorf("flash %q", got)
	}
	if got := text(t, tab, "#dc"); got != "eu" {
		t.Errorf("data centre %q", got)
	}
	shot(t, tab, "03-connected")
	refresh, access := a.sandboxTokens()
	if len(refresh) != 1 {
		t.Fatalf("%d refresh tokens issued, want 1", len(refresh))
	}
	for _, tok := range append(refresh, access...) {
		a.secrets.add(tok.Token)
	}

	// Disconnect: the box must be ticked; then the token is revoked at Zoho.
	do(t, tab, "disconnect",
		chromedp.Click(css("#confirm")),
		chromedp.Click(css("#disconnect")),
		chromedp.WaitVisible(css("#state-zoho_people")),
	)
	if got := text(t, tab, "#state-zoho_people"); got != "Not connected" {
		t.Errorf("after disconnecting the tile says %q", got)
	}
	if refresh, _ := a.sandboxTokens(); !refresh[0].Revoked {
		t.Error("disconnecting did not revoke the refresh token at Zoho")
	}
	shot(t, tab, "04-disconnected")
}

// TestBrowserTokenFormErrors: a wrong code, the wrong data centre and a
// wrong client secret each show Zoho's resolution on the page.
func TestBrowserTokenFormErrors(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	_, _, password := a.user(nil, "ada@acme.test", true)
	id, secret := a.selfClient("eu")
	tab := chrome(t)
	signInBrowser(t, tab, a, "ada@acme.test", password)

	cases := []struct{ name, dc, secret, code, want string }{
		{"wrong-code", "eu", secret, "1000.0000.0000", "Start the connection again and complete it promptly"},
		{"wrong-dc", "us", secret, a.code(id), "registered in the data centre chosen here"},
		{"wrong-secret", "eu", secret + "0", a.code(id), "Check both in the Zoho API Console"},
	}
	a.secrets.add(secret + "0")
	for _, c := range cases {
		do(t, tab, c.name,
			chromedp.Navigate(a.url+"/integrations/zoho_people/token"),
			chromedp.WaitVisible(css("#code")),
			chromedp.SetValue(css("#dc"), c.dc),
			chromedp.SendKeys(css("#client_id"), id),
			chromedp.SendKeys(css("#client_secret"), c.secret),
			chromedp.SendKeys(css("#code"), c.code),
			chromedp.Click(css("#submit")),
			chromedp.WaitVisible(css("#error")),
		)
		if got := text(t, tab, "#error"); !strings.Contains(got, c.want) {
			t.Errorf("%s: the page says %q, want %q", c.name, got, c.want)
		}
		if got := text(t, tab, ".field-error"); !strings.Contains(got, c.want) {
			t.Errorf("%s: next to the field: %q", c.name, got)
		}
		shot(t, tab, c.name)
	}
	if n := len(a.allConnections()); n != 0 {
		t.Errorf("%d connections saved", n)
	}
}
