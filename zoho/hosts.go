package zoho

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrHostNotAllowed is wrapped by every error that refuses a URL outside the
// Directory: an accounts-server in a redirect, an api_domain in a token reply,
// or a DataCentre value that is not one of the Directory's own.
var ErrHostNotAllowed = errors.New("zoho: host is not a Zoho data centre")

// Directory is the set of data centres a Client may talk to: either Zoho's real
// ones (the table in dc.go) or those of one sandbox. It is the allow-list for
// secrets: a client secret, a grant code or a token is only ever sent to a URL
// of one of its data centres, and URLs that arrive from outside (the
// accounts-server of an authorization redirect, the api_domain of a token
// reply) are accepted only when they name one of them.
//
// A Directory is immutable and safe for concurrent use.
type Directory struct {
	dcs []DataCentre
	// sandbox is the sandbox's base URL, empty for Zoho's real data centres.
	sandbox string
}

// Real returns the Directory of Zoho's real data centres.
func Real() *Directory {
	return &Directory{dcs: DataCentres()}
}

// ForSandbox returns the Directory of the hrconnect sandbox at base (for
// example "http://127.0.0.1:9090"), with every data centre of the real table
// at base/<location>/... (see SandboxDC). Such a Directory accepts only the
// sandbox's URLs, never Zoho's real ones, so a test can never reach Zoho.
func ForSandbox(base string) (*Directory, error) {
	base = strings.TrimRight(base, "/")
	d := &Directory{sandbox: base}
	for _, real := range dataCentres {
		dc, err := SandboxDC(base, real.Location)
		if err != nil {
			return nil, err
		}
		d.dcs = append(d.dcs, dc)
	}
	return d, nil
}

// IsSandbox reports whether d is a sandbox's Directory.
func (d *Directory) IsSandbox() bool { return d.sandbox != "" }

// DataCentres returns d's data centres, in the order they are offered to people.
func (d *Directory) DataCentres() []DataCentre {
	return append([]DataCentre(nil), d.dcs...)
}

// DC returns the data centre with the given location code ("us", "eu", ...).
func (d *Directory) DC(location string) (DataCentre, error) {
	location = strings.ToLower(strings.TrimSpace(location))
	for _, dc := range d.dcs {
		if dc.Location == location {
			return dc, nil
		}
	}
	return DataCentre{}, fmt.Errorf("unknown Zoho data centre %q: choose one of %s", location, strings.Join(Locations(), ", "))
}

// Has reports whether dc is exactly one of d's data centres. Every Client call
// checks this before it sends anything, so a DataCentre built by hand or read
// back from storage cannot direct a secret elsewhere.
func (d *Directory) Has(dc DataCentre) bool {
	for i := range d.dcs {
		if d.dcs[i] == dc {
			return true
		}
	}
	return false
}

// Allowed reports whether rawURL lies on one of d's hosts: the accounts, People,
// Recruit or API domain URL of one of its data centres, over the same scheme.
// For a sandbox, the URL must also lie under that data centre's path.
func (d *Directory) Allowed(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.User != nil || u.Opaque != "" {
		return false
	}
	for i := range d.dcs {
		dc := &d.dcs[i]
		for _, root := range [...]string{dc.AccountsURL, dc.PeopleURL, dc.RecruitURL, dc.APIDomain} {
			if under(u, root) {
				return true
			}
		}
	}
	return false
}

// under reports whether u is root itself or a path below it, on root's exact
// scheme and host (port included).
func under(u *url.URL, root string) bool {
	r, err := url.Parse(root)
	if err != nil {
		return false
	}
	if !asciiEqualFold(u.Scheme, r.Scheme) || !asciiEqualFold(u.Host, r.Host) {
		return false
	}
	if r.Path == "" {
		return true
	}
	// Compare cleaned paths: "/eu/accounts/../../x" must not pass as being
	// under "/eu/accounts".
	p := u.Path
	if strings.Contains(p, "..") || strings.Contains(p, "//") {
		return false
	}
	return p == r.Path || strings.HasPrefix(p, r.Path+"/")
}

// AccountsServerDC returns the data centre whose accounts server is
// accountsServer, as found in the "accounts-server" parameter of Zoho's
// authorization redirect (for example "https://accounts.zoho.eu").
//
// The value arrives in a URL anyone can craft, and the code exchange that
// follows sends the client secret to it, so only an exact match is accepted:
// same scheme, same host (no user info, no other port), no path beyond the
// accounts server's own, no query or fragment. Anything else is refused with an
// error wrapping ErrHostNotAllowed.
func (d *Directory) AccountsServerDC(accountsServer string) (DataCentre, error) {
	for i := range d.dcs {
		if sameRoot(accountsServer, d.dcs[i].AccountsURL) {
			return d.dcs[i], nil
		}
	}
	return DataCentre{}, fmt.Errorf("%w: accounts-server %q is not the accounts server of any %s; the redirect did not come from Zoho or was altered, so hrconnect will not send the client secret there", ErrHostNotAllowed, clip(accountsServer, 120), d.kind())
}

// APIDomainDC returns the data centre whose api_domain is apiDomain, as found in
// a token reply. A value outside the Directory is refused with an error
// wrapping ErrHostNotAllowed.
func (d *Directory) APIDomainDC(apiDomain string) (DataCentre, error) {
	for i := range d.dcs {
		if sameRoot(apiDomain, d.dcs[i].APIDomain) {
			return d.dcs[i], nil
		}
	}
	return DataCentre{}, fmt.Errorf("%w: api_domain %q in the token reply is not the API domain of any %s", ErrHostNotAllowed, clip(apiDomain, 120), d.kind())
}

func (d *Directory) kind() string {
	if d.sandbox != "" {
		return "data centre of the sandbox at " + d.sandbox
	}
	return "Zoho data centre"
}

// sameRoot reports whether raw names exactly the root URL want: equal scheme
// and host (compared without case), and an equal path once a trailing slash
// is dropped; user info, queries and fragments make it unequal.
func sameRoot(raw, want string) bool {
	if strings.ContainsAny(raw, "\\@ \t\r\n") {
		// Backslashes and "@" are how crafted URLs make parsers disagree
		// about the host; no Zoho root URL contains one.
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return false
	}
	w, err := url.Parse(want)
	if err != nil {
		return false
	}
	return asciiEqualFold(u.Scheme, w.Scheme) &&
		asciiEqualFold(u.Host, w.Host) &&
		strings.TrimSuffix(u.EscapedPath(), "/") == strings.TrimSuffix(w.EscapedPath(), "/")
}

// Redirect is what Zoho's authorization server sent back to the redirect URI.
type Redirect struct {
	// Code is the grant token, to be exchanged with ExchangeCode. It is a
	// secret for its short life: never log it.
	Code string
	// State is the opaque value sent with the authorization request; the
	// caller must compare it with the one it sent.
	State string
	// DC is the data centre named by accounts-server (or, when Zoho sent
	// none, by location); the code must be exchanged there.
	DC DataCentre
}

// String describes r without its code.
func (r Redirect) String() string {
	return "zoho.Redirect{dc:" + r.DC.Location + " state:" + strconv.Quote(r.State) + " code:" + mask(r.Code) + "}"
}

// ParseRedirect reads the query of Zoho's redirect back to hrconnect: code,
// state, location and accounts-server. The accounts-server must be one of d's
// accounts servers (see AccountsServerDC) and agree with location when both are
// present. A refusal by the person (error=access_denied) comes back as an
// *Error of class ClassReconnect.
func (d *Directory) ParseRedirect(query url.Values) (Redirect, error) {
	const op = "accounts.redirect"
	if e := query.Get("error"); e != "" {
		return Redirect{State: query.Get("state")}, &Error{
			Op: op, Class: ClassReconnect, Code: clip(e, 64),
			Message:    "The Zoho authorization did not complete: " + clip(e, 64) + ".",
			Resolution: "The person who connected declined access or closed the consent page. Start the connection again and choose Accept on Zoho's consent page.",
		}
	}
	r := Redirect{Code: query.Get("code"), State: query.Get("state")}
	if r.Code == "" {
		return r, &Error{Op: op, Class: ClassConfig, Message: "Zoho's redirect carries no authorization code.",
			Resolution: "Start the connection again from hrconnect; the redirect URI must only be reached through Zoho's consent page."}
	}
	server, loc := query.Get("accounts-server"), query.Get("location")
	var err error
	switch {
	case server != "":
		r.DC, err = d.AccountsServerDC(server)
		if err == nil && loc != "" && !strings.EqualFold(loc, r.DC.Location) {
			err = fmt.Errorf("%w: location %q does not match accounts-server %q", ErrHostNotAllowed, clip(loc, 16), r.DC.AccountsURL)
		}
	case loc != "":
		r.DC, err = d.DC(loc)
	default:
		err = errors.New("Zoho's redirect names no data centre (neither accounts-server nor location)")
	}
	if err != nil {
		msg := "Zoho's redirect does not name a data centre hrconnect knows."
		if errors.Is(err, ErrHostNotAllowed) {
			msg = "The redirect names an accounts server that is not Zoho's, so hrconnect refused to send the client secret there."
		}
		return Redirect{State: r.State}, &Error{Op: op, Class: ClassConfig, Message: msg, Err: err,
			Resolution: "Start the connection again from hrconnect. If it happens again, the link to this page was not made by Zoho: do not follow it."}
	}
	return r, nil
}

// clip shortens s for an error message, so a crafted value cannot flood logs.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// asciiEqualFold is strings.EqualFold for host names and schemes, without
// Unicode folding: "ſ" (long s) must not pass for "s" in a host name.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
