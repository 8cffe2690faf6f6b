package sandbox

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"

	"hrconnect/zoho"
)

// The API Console's validation messages, word for word from seed 004.
const (
	msgClientName = "Enter a valid client name"
	msgJSDomain   = "Enter a valid JavaScript Domain URI"
	msgRedirect   = "Enter a valid redirect URI"
	msgHomepage   = "Enter a valid homepage URL"
	msgScope      = "Enter a valid scope"
)

// clientSpec is a client registration, from the console's form or from
// POST /_sandbox/clients.
type clientSpec struct {
	DC           string   `json:"dc"`
	ClientType   string   `json:"client_type"`
	ClientName   string   `json:"client_name"`
	HomepageURL  string   `json:"homepage_url"`
	RedirectURIs []string `json:"redirect_uris"`
	JSDomains    []string `json:"js_domains"`
	MultiDC      bool     `json:"multi_dc"`
	User         string   `json:"user"` // the owner's email; the DC's default user when empty
}

// clientKind is one client type and its mandatory entries: seed 004's table.
type clientKind struct {
	label                       string
	name, homepage, redirect    bool // mandatory
	jsDomains, jsDomainsAllowed bool // mandatory; asked at all (NA otherwise)
}

// clientKinds are the API Console's client types, by the name the JSON
// endpoint takes, in the order the console offers them.
var clientKinds = map[string]clientKind{
	"javascript": {label: "JavaScript", name: true, homepage: true, redirect: true, jsDomains: true, jsDomainsAllowed: true},
	"web":        {label: "Web-based", name: true, homepage: true, redirect: true},
	"mobile":     {label: "Mobile", name: true, homepage: true, redirect: true},
	"device":     {label: "Non-browser (Device)", name: true, homepage: true},
	"self":       {label: "Self Client"},
}

// clientKindOrder lists clientKinds in the console's order.
var clientKindOrder = []string{"javascript", "web", "mobile", "device", "self"}

// registerClientLocked validates spec and registers the client, or returns
// every reason it cannot, the console's field messages last and in form order.
func (s *Server) registerClientLocked(spec clientSpec) (*client, []string) {
	var errs []string
	if spec.DC == "" {
		spec.DC = "us"
	}
	d := s.dcs[spec.DC]
	if d == nil {
		errs = append(errs, fmt.Sprintf("dc %q is not a data centre; use one of %s", spec.DC, strings.Join(zoho.Locations(), ", ")))
	}
	kindName := strings.ToLower(strings.TrimSpace(spec.ClientType))
	kind, ok := clientKinds[kindName]
	if !ok {
		errs = append(errs, fmt.Sprintf("client_type %q is not a client type; use one of %s", spec.ClientType, strings.Join(clientKindOrder, ", ")))
	}
	var owner *user
	if d != nil {
		owner = d.defaultUser
		if spec.User != "" {
			if owner = d.users[strings.ToLower(spec.User)]; owner == nil {
				errs = append(errs, fmt.Sprintf("user %q has no account in data centre %s; create it with POST /_sandbox/users", spec.User, spec.DC))
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}

	name := strings.TrimSpace(spec.ClientName)
	if (kind.name || name != "") && !validClientName(name) {
		errs = append(errs, msgClientName)
	}
	home := strings.TrimSpace(spec.HomepageURL)
	if (kind.homepage || home != "") && !validHTTPURL(home) {
		errs = append(errs, msgHomepage)
	}
	redirects := trimAll(spec.RedirectURIs)
	if kind.redirect && len(redirects) == 0 {
		errs = append(errs, msgRedirect)
	} else {
		for _, u := range redirects {
			if !validHTTPURL(u) {
				errs = append(errs, msgRedirect)
				break
			}
		}
	}
	var domains []string
	if kind.jsDomainsAllowed {
		domains = trimAll(spec.JSDomains)
		bad := kind.jsDomains && len(domains) == 0
		for _, u := range domains {
			bad = bad || !validHTTPURL(u) // which also makes it start with http
		}
		if bad {
			errs = append(errs, msgJSDomain)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}

	if name == "" {
		name = kind.label // the Self Client is simply "Self Client"
	}
	c := &client{
		id: s.newClientIDLocked(), secret: randomHex(21), dc: spec.DC, clientType: kindName,
		name: name, homepage: home, redirects: redirects, jsDomains: domains,
		multiDC: spec.MultiDC, owner: owner, created: s.nowLocked(),
	}
	if c.multiDC {
		// With Multi-DC each DC holds its own secret; the home DC keeps c.secret.
		c.dcSecrets = make(map[string]string)
		for loc := range s.dcs {
			if loc != c.dc {
				c.dcSecrets[loc] = randomHex(21)
			}
		}
	}
	s.clients[c.id] = c
	return c, nil
}

// newClientIDLocked returns an unused client ID: "1000." and 30 upper-case
// letters and digits, as Zoho's look.
func (s *Server) newClientIDLocked() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for {
		b := make([]byte, 30)
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for i := range b {
			// 256 is not a multiple of 36, so this is very slightly biased;
			// an ID only has to look like Zoho's and be unique.
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		if id := "1000." + string(b); s.clients[id] == nil {
			return id
		}
	}
}

// validClientName reports whether name is non-empty and holds only letters,
// digits, spaces, "_" and "&" (seed 004).
func validClientName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '_' && r != '&' {
			return false
		}
	}
	return true
}

// validHTTPURL reports whether s is an absolute http or https URL with a host.
func validHTTPURL(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Fragment == ""
}

// trimAll trims every string and drops the empty ones.
func trimAll(list []string) []string {
	var out []string
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// codeSpec is a Self Client "Generate Code" request, from the console's form
// or from POST /_sandbox/self-client/code.
type codeSpec struct {
	ClientID        string `json:"client_id"`
	Scope           string `json:"scope"`
	DurationMinutes int    `json:"duration_minutes"`
	Description     string `json:"description"`
	Org             string `json:"org"` // an organisation ID or name; the default organisation when empty
	DC              string `json:"dc"`  // for a Multi-DC client, the DC to issue in; its home DC when empty
}

// codeDurations are the Self Client's choices of code lifetime, in minutes.
var codeDurations = []int{3, 5, 7, 10}

// errGrantLimit reports that a client has had its limit of grant tokens.
const errGrantLimit = "Access Denied: this client has been issued its limit of grant tokens for now; try again after some time (see grant_tokens_per_window and grant_token_window_seconds in GET /_sandbox/limits)"

// selfClientCodeLocked issues a Self Client grant token. It returns the
// reasons it cannot, and throttled when the only reason is the client's
// grant-token limit.
func (s *Server) selfClientCodeLocked(spec codeSpec) (g *grantToken, errs []string, throttled bool) {
	c := s.clients[spec.ClientID]
	if c == nil {
		return nil, []string{fmt.Sprintf("client_id %q is not a client of this sandbox; register one with POST /_sandbox/clients", spec.ClientID)}, false
	}
	if c.clientType != "self" {
		return nil, []string{fmt.Sprintf("client %s is a %s client; Generate Code is only for Self Clients (client_type \"self\")", c.id, clientKinds[c.clientType].label)}, false
	}
	dc, u := c.dc, c.owner
	if spec.DC != "" && spec.DC != c.dc {
		if _, ok := c.secretFor(spec.DC); !ok {
			return nil, []string{fmt.Sprintf("dc %q: the client lives in %s and Multi-DC is not enabled for it", spec.DC, c.dc)}, false
		}
		dc, u = spec.DC, s.dcs[spec.DC].defaultUser
	}
	minutes := spec.DurationMinutes
	if minutes == 0 {
		minutes = 3
	}
	valid := false
	for _, m := range codeDurations {
		valid = valid || m == minutes
	}
	if !valid {
		errs = append(errs, fmt.Sprintf("duration_minutes %d is not offered; choose 3, 5, 7 or 10", spec.DurationMinutes))
	}
	scopes := splitScopeList(spec.Scope)
	if len(scopes) == 0 || len(invalidScopes(scopes)) > 0 {
		errs = append(errs, msgScope)
	}
	o := pickOrg(u, s.dcs[dc], spec.Org)
	if o == nil {
		errs = append(errs, fmt.Sprintf("org %q is not an organisation of %s; give one of its organisation IDs or names", spec.Org, u.email))
	}
	if len(errs) > 0 {
		return nil, errs, false
	}
	if !s.grantRoomLocked(c) {
		return nil, []string{errGrantLimit}, true
	}
	g = s.issueGrantLocked(grantToken{
		client: c, dc: dc, user: u, org: o, scopes: scopes,
		offline: true, selfClient: true, description: spec.Description,
	}, seconds(minutes*60))
	return g, nil, false
}

// pickOrg returns u's organisation named by want (an ID or a name), or when
// want is empty the DC's default organisation if u belongs to it, else u's
// first. It returns nil when u has no such organisation.
func pickOrg(u *user, d *dataCentre, want string) *org {
	if want == "" {
		for _, o := range u.orgs {
			if o == d.defaultOrg {
				return o
			}
		}
		if len(u.orgs) > 0 {
			return u.orgs[0]
		}
		return nil
	}
	for _, o := range u.orgs {
		if o.id == want || strings.EqualFold(o.name, want) {
			return o
		}
	}
	return nil
}

// sortedClientsLocked returns every client, oldest first.
func (s *Server) sortedClientsLocked() []*client {
	out := make([]*client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].created.Equal(out[j].created) {
			return out[i].created.Before(out[j].created)
		}
		return out[i].id < out[j].id
	})
	return out
}
