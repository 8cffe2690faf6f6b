package sandbox

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"hrconnect/zoho"
)

// routeConsole registers the API Console's pages, for people: the list of
// clients, client registration and a client's page, where a Self Client
// generates codes. They do what POST /_sandbox/clients and
// POST /_sandbox/self-client/code do for programs, with the same validation.
func (s *Server) routeConsole(mux *http.ServeMux) {
	csrf := http.NewCrossOriginProtection()
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /console/{$}", s.consoleIndex)
	mux.HandleFunc("GET /console/clients/new", s.consoleNewClient)
	mux.Handle("POST /console/clients", csrf.Handler(http.HandlerFunc(s.consoleCreateClient)))
	mux.HandleFunc("GET /console/clients/{id}", s.consoleClient)
	mux.Handle("POST /console/clients/{id}/code", csrf.Handler(http.HandlerFunc(s.consoleGenerateCode)))
}

// The data of the console's pages.
type (
	consoleIndexPage struct {
		Title   string
		Clients []consoleClientRow
		DCs     []consoleDCRow
	}
	consoleClientRow struct {
		ID, Name, Type, DC string
		MultiDC            bool
	}
	consoleDCRow struct {
		Location, Accounts, Owner string
		Orgs                      []orgView
	}
	consoleNewClientPage struct {
		Title  string
		Errors []string
		Spec   clientSpec
		Kinds  []option
		DCs    []option
	}
	option struct {
		Value, Label string
		Selected     bool
	}
	consoleClientPage struct {
		Title, ID, Secret, Type, DC, Homepage, Owner string
		DCSecrets                                    []dcSecret
		Redirects, JSDomains                         []string
		Self                                         bool
		Orgs                                         []orgView
		Durations                                    []int
		Errors                                       []string
		Scope, Description, Code, CodeExpires        string
	}
	dcSecret struct{ DC, Secret string }
)

// consoleIndex is GET /console/: every client and every DC.
func (s *Server) consoleIndex(w http.ResponseWriter, r *http.Request) {
	page := consoleIndexPage{Title: "API Console"}
	s.mu.Lock()
	for _, c := range s.sortedClientsLocked() {
		page.Clients = append(page.Clients, consoleClientRow{ID: c.id, Name: c.name, Type: clientKinds[c.clientType].label, DC: c.dc, MultiDC: c.multiDC})
	}
	for _, loc := range zoho.Locations() {
		d := s.dcs[loc]
		row := consoleDCRow{Location: loc, Accounts: baseURL(r) + "/" + loc + "/accounts", Owner: d.defaultUser.email}
		for _, o := range d.orgs {
			row.Orgs = append(row.Orgs, orgView{ID: o.id, Name: o.name})
		}
		sort.Slice(row.Orgs, func(i, j int) bool { return row.Orgs[i].ID < row.Orgs[j].ID })
		page.DCs = append(page.DCs, row)
	}
	s.mu.Unlock()
	renderPage(w, http.StatusOK, "console_index", page)
}

// consoleNewClient is GET /console/clients/new[?type=…&dc=…]: the form.
func (s *Server) consoleNewClient(w http.ResponseWriter, r *http.Request) {
	spec := clientSpec{ClientType: r.URL.Query().Get("type"), DC: r.URL.Query().Get("dc")}
	renderPage(w, http.StatusOK, "console_new_client", newClientPage(spec, nil))
}

func newClientPage(spec clientSpec, errs []string) consoleNewClientPage {
	if spec.ClientType == "" {
		spec.ClientType = "web"
	}
	if spec.DC == "" {
		spec.DC = "us"
	}
	page := consoleNewClientPage{Title: "Register a client", Errors: errs, Spec: spec}
	for _, k := range clientKindOrder {
		page.Kinds = append(page.Kinds, option{Value: k, Label: clientKinds[k].label, Selected: k == spec.ClientType})
	}
	for _, dc := range zoho.DataCentres() {
		page.DCs = append(page.DCs, option{Value: dc.Location, Label: dc.Name + " (" + dc.Location + ")", Selected: dc.Location == spec.DC})
	}
	return page
}

// consoleCreateClient is POST /console/clients: registers the client and
// shows its page, or shows the form again with the console's messages.
func (s *Server) consoleCreateClient(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the form: "+err.Error(), http.StatusBadRequest)
		return
	}
	f := r.PostForm
	spec := clientSpec{
		DC: f.Get("dc"), ClientType: f.Get("client_type"), ClientName: f.Get("client_name"),
		HomepageURL: f.Get("homepage_url"), RedirectURIs: splitList(f.Get("redirect_uris")),
		JSDomains: splitList(f.Get("js_domains")), MultiDC: f.Get("multi_dc") == "true",
	}
	s.mu.Lock()
	c, errs := s.registerClientLocked(spec)
	s.mu.Unlock()
	if errs != nil {
		renderPage(w, http.StatusBadRequest, "console_new_client", newClientPage(spec, errs))
		return
	}
	http.Redirect(w, r, "/console/clients/"+c.id, http.StatusSeeOther)
}

// splitList splits a form field holding a list, one per line or separated
// by commas.
func splitList(v string) []string {
	return trimAll(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }))
}

// consoleClient is GET /console/clients/{id}: the client's credentials, and
// for a Self Client the Generate Code form.
func (s *Server) consoleClient(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	page, ok := s.clientPageLocked(r.PathValue("id"))
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no such client; see /console/", http.StatusNotFound)
		return
	}
	renderPage(w, http.StatusOK, "console_client", page)
}

// consoleGenerateCode is POST /console/clients/{id}/code: the Self Client's
// Generate Code, showing the code on the client's page.
func (s *Server) consoleGenerateCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "cannot read the form: "+err.Error(), http.StatusBadRequest)
		return
	}
	f := r.PostForm
	minutes, _ := strconv.Atoi(f.Get("duration_minutes")) // a bad number becomes 0, the default
	spec := codeSpec{ClientID: r.PathValue("id"), Scope: f.Get("scope"), DurationMinutes: minutes, Description: f.Get("description"), Org: f.Get("org")}
	s.mu.Lock()
	page, ok := s.clientPageLocked(spec.ClientID)
	var g *grantToken
	var errs []string
	if ok {
		g, errs, _ = s.selfClientCodeLocked(spec)
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "no such client; see /console/", http.StatusNotFound)
		return
	}
	page.Scope, page.Description = spec.Scope, spec.Description
	status := http.StatusOK
	if errs != nil {
		page.Errors, status = errs, http.StatusBadRequest
	} else {
		page.Code = g.code
		page.CodeExpires = "at " + g.expires.UTC().Format(time.RFC1123) + " (sandbox clock)"
	}
	renderPage(w, status, "console_client", page)
}

// clientPageLocked builds the page of client id.
func (s *Server) clientPageLocked(id string) (consoleClientPage, bool) {
	c := s.clients[id]
	if c == nil {
		return consoleClientPage{}, false
	}
	page := consoleClientPage{
		Title: c.name, ID: c.id, Secret: c.secret, Type: clientKinds[c.clientType].label, DC: c.dc,
		Homepage: c.homepage, Owner: c.owner.email, Redirects: c.redirects, JSDomains: c.jsDomains,
		Self: c.clientType == "self", Durations: codeDurations,
	}
	for _, loc := range zoho.Locations() {
		if sec, ok := c.dcSecrets[loc]; ok {
			page.DCSecrets = append(page.DCSecrets, dcSecret{DC: loc, Secret: sec})
		}
	}
	for _, o := range c.owner.orgs {
		page.Orgs = append(page.Orgs, orgView{ID: o.id, Name: o.name})
	}
	return page, true
}
