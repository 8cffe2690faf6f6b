package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"time"

	"hrconnect/zoho"
)

// stateView is GET /_sandbox/state: everything the sandbox holds.
type stateView struct {
	Now           time.Time      `json:"now"`
	OffsetSeconds float64        `json:"offset_seconds"`
	Limits        Limits         `json:"limits"`
	DataCentres   []dcState      `json:"data_centres"`
	Clients       []clientState  `json:"clients"`
	Tokens        tokensState    `json:"tokens"`
	Calls         map[string]int `json:"calls"` // per endpoint name
	Faults        []faultView    `json:"faults"`
}

// dcState is one DC: its users and organisations with their records.
type dcState struct {
	Location    string     `json:"location"`
	DefaultUser string     `json:"default_user"`
	DefaultOrg  string     `json:"default_org"`
	Users       []userView `json:"users"`
	Orgs        []orgState `json:"orgs"`
}

// orgState is one organisation with its People records (by form) and its
// Recruit candidates, as the People and Recruit code snapshot them.
type orgState struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	People     any    `json:"people"`
	Candidates any    `json:"candidates"`
}

// clientState is one registered client, secrets included: this is a sandbox.
type clientState struct {
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret"`
	DCSecrets    map[string]string `json:"dc_secrets,omitempty"`
	DC           string            `json:"dc"`
	ClientType   string            `json:"client_type"`
	ClientName   string            `json:"client_name"`
	HomepageURL  string            `json:"homepage_url,omitempty"`
	RedirectURIs []string          `json:"redirect_uris,omitempty"`
	JSDomains    []string          `json:"js_domains,omitempty"`
	MultiDC      bool              `json:"multi_dc"`
	Owner        string            `json:"owner"`
	Created      time.Time         `json:"created"`
}

// tokensState lists every token issued, oldest first within each kind.
type tokensState struct {
	Grant   []tokenState `json:"grant"`
	Refresh []tokenState `json:"refresh"`
	Access  []tokenState `json:"access"`
}

// tokenState is one token. Expires is absent for refresh tokens, which do not
// expire; Used is for grant tokens; Refresh links an access token to its
// refresh token.
type tokenState struct {
	Token      string     `json:"token"`
	DC         string     `json:"dc"`
	ClientID   string     `json:"client_id,omitempty"`
	User       string     `json:"user"`
	Org        string     `json:"org"`
	Scopes     []string   `json:"scopes"`
	Issued     time.Time  `json:"issued"`
	Expires    *time.Time `json:"expires,omitempty"`
	Revoked    bool       `json:"revoked"`
	Used       bool       `json:"used,omitempty"`
	SelfClient bool       `json:"self_client,omitempty"`
	Refresh    string     `json:"refresh_token,omitempty"`
}

// controlState is GET /_sandbox/state.
func (s *Server) controlState(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	s.mu.Lock()
	// Encode under the lock: the snapshots are copies, but encoding here
	// keeps the answer one consistent moment whatever they share.
	err := json.NewEncoder(&buf).Encode(s.stateLocked())
	s.mu.Unlock()
	if err != nil {
		writeControlErrors(w, http.StatusInternalServerError, "cannot encode the state: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = buf.WriteTo(w)
}

// stateLocked collects the whole state.
func (s *Server) stateLocked() stateView {
	v := stateView{
		Now: s.nowLocked(), OffsetSeconds: s.offset.Seconds(), Limits: s.limits,
		Calls: make(map[string]int, len(s.calls)), Faults: s.faultViewsLocked(),
		Clients: []clientState{},
	}
	for k, n := range s.calls {
		v.Calls[k] = n
	}
	for _, dc := range zoho.Locations() {
		d := s.dcs[dc]
		ds := dcState{Location: dc, DefaultUser: d.defaultUser.email, DefaultOrg: d.defaultOrg.id}
		for _, u := range d.users {
			ds.Users = append(ds.Users, viewUser(u))
		}
		sort.Slice(ds.Users, func(i, j int) bool { return ds.Users[i].ID < ds.Users[j].ID })
		for _, o := range d.orgs {
			ds.Orgs = append(ds.Orgs, orgState{ID: o.id, Name: o.name, People: o.people.snapshot(), Candidates: o.recruit.snapshot()})
		}
		sort.Slice(ds.Orgs, func(i, j int) bool { return ds.Orgs[i].ID < ds.Orgs[j].ID })
		v.DataCentres = append(v.DataCentres, ds)
	}
	for _, c := range s.sortedClientsLocked() {
		v.Clients = append(v.Clients, clientState{
			ClientID: c.id, ClientSecret: c.secret, DCSecrets: c.dcSecrets, DC: c.dc, ClientType: c.clientType,
			ClientName: c.name, HomepageURL: c.homepage, RedirectURIs: c.redirects, JSDomains: c.jsDomains,
			MultiDC: c.multiDC, Owner: c.owner.email, Created: c.created,
		})
	}
	v.Tokens = tokensState{Grant: []tokenState{}, Refresh: []tokenState{}, Access: []tokenState{}}
	for _, g := range s.grants {
		exp := g.expires
		v.Tokens.Grant = append(v.Tokens.Grant, tokenState{
			Token: g.code, DC: g.dc, ClientID: g.client.id, User: g.user.email, Org: g.org.id, Scopes: g.scopes,
			Issued: g.issued, Expires: &exp, Used: g.used, SelfClient: g.selfClient,
		})
	}
	for _, rt := range s.refresh {
		v.Tokens.Refresh = append(v.Tokens.Refresh, tokenState{
			Token: rt.token, DC: rt.dc, ClientID: rt.client.id, User: rt.user.email, Org: rt.org.id, Scopes: rt.scopes,
			Issued: rt.issued, Revoked: rt.revoked,
		})
	}
	for _, at := range s.access {
		exp := at.expires
		ts := tokenState{
			Token: at.token, DC: at.dc, User: at.user.email, Org: at.org.id, Scopes: at.scopes,
			Issued: at.issued, Expires: &exp, Revoked: at.revoked || (at.refresh != nil && at.refresh.revoked),
		}
		if at.client != nil {
			ts.ClientID = at.client.id
		}
		if at.refresh != nil {
			ts.Refresh = at.refresh.token
		}
		v.Tokens.Access = append(v.Tokens.Access, ts)
	}
	for _, list := range [][]tokenState{v.Tokens.Grant, v.Tokens.Refresh, v.Tokens.Access} {
		sort.Slice(list, func(i, j int) bool {
			if !list[i].Issued.Equal(list[j].Issued) {
				return list[i].Issued.Before(list[j].Issued)
			}
			return list[i].Token < list[j].Token
		})
	}
	return v
}
