// Package sandbox is hrconnect's stand-in for Zoho's servers: Accounts (OAuth
// 2.0), the API Console, People and Recruit, for every data centre, on one
// listener, with a clock that tests can move and faults they can inject.
//
// Every test, benchmark and offline demo of hrconnect talks to it, so it follows
// Zoho's documented behaviour (see shared/zoho/SANDBOX.md) as closely as the
// documents allow: errors in HTTP 200 bodies, token limits, lock-outs.
//
// URL layout, for a sandbox listening on ADDR and a data centre DC ("us", "eu", ...):
//
//	http://ADDR/DC/accounts/...   Zoho Accounts: /oauth/v2/auth, /oauth/v2/token, /oauth/v2/token/revoke
//	http://ADDR/DC/people/...     Zoho People:  /people/api/... and /api/...
//	http://ADDR/DC/recruit/...    Zoho Recruit: /recruit/v2/...
//	http://ADDR/console/...       the API Console pages, for people
//	http://ADDR/_sandbox/...      the JSON control surface, for programs
//
// All state is in memory, guarded by one mutex; a Server is safe for
// concurrent use.
package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"hrconnect/zoho"
)

// Server is one sandbox: every data centre, its clients, users, organisations,
// tokens and records. Create it with New and serve its Handler.
type Server struct {
	mu sync.Mutex

	// offset is how far the sandbox clock has been moved ahead of real time.
	offset time.Duration
	// frozen, when not zero, is the real time at which the clock was frozen:
	// the sandbox clock then reads frozen+offset and moves only by Advance.
	frozen time.Time
	limits Limits

	dcs map[string]*dataCentre // by location

	clients map[string]*client       // by client ID
	grants  map[string]*grantToken   // by code
	refresh map[string]*refreshToken // by token
	access  map[string]*accessToken  // by token

	faults    []*fault
	faultSeq  int                            // source of fault IDs
	calls     map[string]int                 // per endpoint name, e.g. "accounts.token"
	sessions  map[string]*user               // signed-in users, by session cookie
	consented map[userClient]*consent        // who has consented to which client
	userRefr  map[userClient][]*refreshToken // active refresh tokens, oldest first
	newRefr   map[*user]*window              // issue times of a user's new refresh tokens

	seq int64 // source of record IDs
}

// userClient keys what Zoho counts per user per client.
type userClient struct {
	user   *user
	client *client
}

// dataCentre is the sandbox's state of one Zoho DC.
type dataCentre struct {
	location string
	users    map[string]*user // by email (lower case)
	orgs     map[string]*org  // by ID
	// defaultUser owns the API Console when no user is named;
	// defaultOrg is the organisation grants are issued for when none is named.
	defaultUser *user
	defaultOrg  *org
}

// user is a Zoho account in one DC.
type user struct {
	id       string
	dc       string
	email    string
	password string
	orgs     []*org
}

// org is one Zoho organisation: its People and Recruit records live here.
type org struct {
	id      string
	dc      string
	name    string
	people  *peopleData
	recruit *recruitData
}

// New returns a sandbox with every data centre of zoho.DataCentres, each with
// a default user (the API Console's owner) and a default organisation, and the
// default limits of SANDBOX.md.
func New() *Server {
	s := &Server{}
	s.resetLocked()
	return s
}

// resetLocked brings the sandbox back to its initial state. s.mu must be held
// (or s not yet shared).
func (s *Server) resetLocked() {
	s.offset = 0
	s.frozen = time.Time{}
	s.limits = DefaultLimits()
	s.dcs = make(map[string]*dataCentre)
	s.clients = make(map[string]*client)
	s.grants = make(map[string]*grantToken)
	s.refresh = make(map[string]*refreshToken)
	s.access = make(map[string]*accessToken)
	s.faults = nil
	s.faultSeq = 0
	s.calls = make(map[string]int)
	s.sessions = make(map[string]*user)
	s.consented = make(map[userClient]*consent)
	s.userRefr = make(map[userClient][]*refreshToken)
	s.newRefr = make(map[*user]*window)
	for _, z := range zoho.DataCentres() {
		dc := &dataCentre{location: z.Location, users: map[string]*user{}, orgs: map[string]*org{}}
		o := s.newOrgLocked(dc, "Default organisation")
		u := &user{id: s.nextIDLocked(), dc: dc.location, email: "admin@" + dc.location + ".sandbox.test", password: "sandbox", orgs: []*org{o}}
		dc.users[u.email] = u
		dc.defaultUser, dc.defaultOrg = u, o
		s.dcs[dc.location] = dc
	}
}

func (s *Server) newOrgLocked(dc *dataCentre, name string) *org {
	o := &org{id: s.nextIDLocked(), dc: dc.location, name: name, people: newPeopleData(), recruit: newRecruitData()}
	dc.orgs[o.id] = o
	return o
}

// now is the sandbox clock: real time moved ahead by every /_sandbox/clock call,
// or, while frozen, the moment it was frozen moved ahead likewise.
// s.mu must be held.
func (s *Server) nowLocked() time.Time {
	if !s.frozen.IsZero() {
		return s.frozen.Add(s.offset)
	}
	return time.Now().Add(s.offset)
}

// Now returns the sandbox clock's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

// Advance moves the sandbox clock forward by d; token and lock-out expiry follow it.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// nextIDLocked returns a new numeric record ID in Zoho's style (18 digits).
func (s *Server) nextIDLocked() string {
	s.seq++
	return strconv.FormatInt(972601000000000000+s.seq, 10)
}

// randomHex returns n random bytes as lower-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// zohoToken returns a token in Zoho's format: 1000.<32 hex>.<32 hex>.
func zohoToken() string { return "1000." + randomHex(16) + "." + randomHex(16) }

// Handler returns the sandbox's HTTP handler, serving every DC, the console and
// the control surface.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routeAccounts(mux)
	s.routeConsole(mux)
	s.routeControl(mux)
	s.routePeople(mux)
	s.routeRecruit(mux)
	return mux
}

// knownDCs holds every DC location; the set never changes, so reading it
// needs no lock (the token endpoint's hot path checks it on every call).
var knownDCs = func() map[string]bool {
	m := make(map[string]bool)
	for _, loc := range zoho.Locations() {
		m[loc] = true
	}
	return m
}()

// dcFromRequest returns the DC named by the {dc} path segment, or writes 404.
func (s *Server) dcFromRequest(w http.ResponseWriter, r *http.Request) (string, bool) {
	loc := r.PathValue("dc")
	if !knownDCs[loc] {
		http.Error(w, "unknown data centre "+strconv.Quote(loc), http.StatusNotFound)
		return "", false
	}
	return loc, true
}

// baseURL returns the scheme and host the request came in on, so every URL the
// sandbox hands out (accounts-server, api_domain) points back at this sandbox.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
