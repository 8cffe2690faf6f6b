package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/zoho"
)

// This file holds seed 000's two forms: "Enable this Integration" (a refresh
// token obtained elsewhere) and the secure token form (a Self Client's
// authorisation code, exchanged here so nobody copies tokens by hand). Both
// also reconnect an existing connection when the form carries its ID.

// zohoForm is what the Zoho forms share: the service, and when reconnecting,
// the connection.
type zohoForm struct {
	Key, ServiceName string
	// Reconnect is the connection being reconnected; nil for a new one. Its
	// data centre and client ID are fixed.
	Reconnect *hrconnect.Connection
	DCs       []dcOption
	// RedirectURI is shown on the "Connect with Zoho" form, to register.
	RedirectURI string
}

type dcOption struct{ Location, Name string }

// zohoFormFor reads the service from the path and the connection to
// reconnect (if any) from the query or form, scoped to the tenant.
func (s *Server) zohoFormFor(r *http.Request, a *actor) (*zohoForm, error) {
	key := r.PathValue("service")
	name, ok := zohoServiceName(key)
	if !ok {
		return nil, errNotFound
	}
	f := &zohoForm{Key: key, ServiceName: name, RedirectURI: s.RedirectURI()}
	for _, dc := range s.dir.DataCentres() {
		f.DCs = append(f.DCs, dcOption{dc.Location, dc.Name})
	}
	id := r.URL.Query().Get("connection")
	if r.Method == http.MethodPost {
		id = r.PostFormValue("connection")
	}
	if id != "" {
		c, err := s.store.Connection(r.Context(), a.Tenant.ID, id)
		if err != nil {
			return nil, err
		}
		if c.Service != key {
			return nil, errNotFound
		}
		f.Reconnect = c
	}
	return f, nil
}

// formValues returns the non-secret values to show in a Zoho form: entered
// ones, or a reconnected connection's.
func (f *zohoForm) formValues(r *http.Request) url.Values {
	v := url.Values{}
	if r.Method == http.MethodPost {
		for _, k := range []string{"name", "dc", "client_id"} {
			v.Set(k, strings.TrimSpace(r.PostFormValue(k)))
		}
	}
	if c := f.Reconnect; c != nil {
		v.Set("name", c.Name)
		v.Set("dc", c.DataCentre)
		v.Set("client_id", c.ClientID)
		v.Set("connection", c.ID)
	}
	if v.Get("name") == "" {
		v.Set("name", f.ServiceName)
	}
	return v
}

// zohoInput is the entered connection, for connect.Service.
func (f *zohoForm) zohoInput(r *http.Request, a *actor) connect.ZohoConnection {
	return connect.ZohoConnection{
		TenantID: a.Tenant.ID, ActorID: a.User.ID, Service: f.Key,
		Name:     strings.TrimSpace(r.PostFormValue("name")),
		DC:       strings.TrimSpace(r.PostFormValue("dc")),
		ClientID: strings.TrimSpace(r.PostFormValue("client_id")),
		Secret:   strings.TrimSpace(r.PostFormValue("client_secret")),
		PerUser:  r.PostFormValue("per_user") == "yes",
	}
}

func (f *zohoForm) title(what string) string {
	if f.Reconnect != nil {
		return "Reconnect " + f.Reconnect.Name
	}
	return what + ": " + f.ServiceName
}

// enablePage is GET /integrations/{service}/enable.
func (s *Server) enablePage(w http.ResponseWriter, r *http.Request, a *actor) error {
	f, err := s.zohoFormFor(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "enable", &view{Title: f.title("Enable this Integration"), Nav: "integrations", Actor: a, Form: f.formValues(r), Data: f})
	return nil
}

// enableSubmit saves a connection from a refresh token, after connect.Service
// has checked it with a real refresh.
func (s *Server) enableSubmit(w http.ResponseWriter, r *http.Request, a *actor) error {
	f, err := s.zohoFormFor(r, a)
	if err != nil {
		return err
	}
	refresh := r.PostFormValue("refresh_token")
	var c *hrconnect.Connection
	if f.Reconnect != nil {
		c, _, err = s.conns.Reauthorize(r.Context(), a.Tenant.ID, f.Reconnect.ID, a.User.ID, strings.TrimSpace(r.PostFormValue("client_secret")), "", "", "", refresh)
	} else {
		in := f.zohoInput(r, a)
		if err = s.checkNameFree(r, &in, f.ServiceName); err == nil {
			c, err = s.conns.ConnectWithRefreshToken(r.Context(), in, refresh)
		}
	}
	if err != nil {
		v := &view{Title: f.title("Enable this Integration"), Nav: "integrations", Actor: a, Form: f.formValues(r), Data: f}
		s.render(w, r, formStatus(err), "enable", v.withError(err, zohoField(err, "refresh_token")))
		return nil
	}
	s.connected(w, r, a, c, f.Reconnect != nil, "with a refresh token")
	return nil
}

// connected records a new or reconnected connection in the audit log and
// shows it.
func (s *Server) connected(w http.ResponseWriter, r *http.Request, a *actor, c *hrconnect.Connection, reconnected bool, how string) {
	if reconnected {
		s.audit(r, a, "connection.reconnected", c.ID, "Reconnected "+c.Name+" ("+c.DataCentre+") "+how+".")
		s.flash(w, c.Name+" is reconnected.")
	} else {
		s.audit(r, a, "connection.created", c.ID, "Connected "+c.Name+" ("+c.DataCentre+") "+how+".")
		s.flash(w, c.Name+" is connected.")
	}
	seeOther(w, r, "/connections/"+c.ID)
}

// checkNameFree refuses, before anything is sent to Zoho, a new connection
// whose name (as a link name) is taken in the tenant: finding out after the
// code exchange would waste the code and leave a refresh token behind.
func (s *Server) checkNameFree(r *http.Request, in *connect.ZohoConnection, serviceName string) error {
	name := in.Name
	if name == "" {
		name = serviceName
	}
	link := connect.LinkNameFrom(name)
	c, err := s.store.ConnectionByLinkName(r.Context(), in.TenantID, link)
	switch hrconnect.ErrorCode(err) {
	case hrconnect.ENOTFOUND:
		return nil
	case "":
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: "name",
			Message:    "There is already a connection called " + c.Name + ".",
			Resolution: "Give this one another name (such as \"" + serviceName + " " + strings.ToUpper(in.DC) + "\"), or reconnect the existing one from its page."}
	default:
		return err
	}
}

// zohoField names the form field a refusal by Zoho is about, for errors
// that name none themselves: invalid_client is about the client ID, secret
// or data centre, shown at the secret; anything else at def.
func zohoField(err error, def string) string {
	var ze *zoho.Error
	if errors.As(err, &ze) && ze.Code == "invalid_client" {
		return "client_secret"
	}
	return def
}

// tokenPage is GET /integrations/{service}/token: the secure token form.
// Every response of this page is no-store (see routes): the POST's shows
// tokens.
func (s *Server) tokenPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	f, err := s.zohoFormFor(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "token", &view{Title: f.title("Generate tokens"), Nav: "integrations", Actor: a, Form: f.formValues(r), Data: f})
	return nil
}

// tokenResult is the one-time display of a code exchange's tokens.
type tokenResult struct {
	Connection   *hrconnect.Connection
	AccessToken  string
	RefreshToken string
	Expires      time.Time
	Reconnected  bool
}

// tokenSubmit is "Get Access Token": it exchanges the code at the chosen data
// centre, saves the refresh token into the connection, and shows the tokens
// once.
func (s *Server) tokenSubmit(w http.ResponseWriter, r *http.Request, a *actor) error {
	f, err := s.zohoFormFor(r, a)
	if err != nil {
		return err
	}
	code := r.PostFormValue("code")
	var c *hrconnect.Connection
	var issued *connect.IssuedTokens
	if f.Reconnect != nil {
		c, issued, err = s.conns.Reauthorize(r.Context(), a.Tenant.ID, f.Reconnect.ID, a.User.ID, strings.TrimSpace(r.PostFormValue("client_secret")), code, "", "", "")
	} else {
		in := f.zohoInput(r, a)
		if err = s.checkNameFree(r, &in, f.ServiceName); err == nil {
			c, issued, err = s.conns.ConnectWithCode(r.Context(), in, code, "", "")
		}
	}
	if err != nil {
		v := &view{Title: f.title("Generate tokens"), Nav: "integrations", Actor: a, Form: f.formValues(r), Data: f}
		s.render(w, r, formStatus(err), "token", v.withError(err, zohoField(err, "code")))
		return nil
	}
	if f.Reconnect != nil {
		s.audit(r, a, "connection.reconnected", c.ID, "Reconnected "+c.Name+" ("+c.DataCentre+") with an authorisation code.")
	} else {
		s.audit(r, a, "connection.created", c.ID, "Connected "+c.Name+" ("+c.DataCentre+") with an authorisation code.")
	}
	s.render(w, r, http.StatusOK, "token_result", &view{Title: "Tokens returned", Nav: "integrations", Actor: a,
		Data: &tokenResult{Connection: c, AccessToken: issued.AccessToken, RefreshToken: issued.RefreshToken,
			Expires: s.now().Add(issued.Lifetime), Reconnected: f.Reconnect != nil}})
	return nil
}
