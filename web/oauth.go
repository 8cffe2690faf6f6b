package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/zoho"
)

// This file is seed 004's redirect flow, "Connect with Zoho": the form that
// starts it, and the OAuth callback that finishes it.

// PendingTTL is how long a started "Connect with Zoho" may take to come back.
const PendingTTL = 10 * time.Minute

// authorizePage is GET /integrations/{service}/authorize.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request, a *actor) error {
	f, err := s.zohoFormFor(r, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "authorize", &view{Title: f.title("Connect with Zoho"), Nav: "integrations", Actor: a, Form: f.formValues(r), Data: f})
	return nil
}

// authorizeSubmit stores a pending authorisation under a fresh state, bound
// to this session, and sends the browser to Zoho's consent page with PKCE.
func (s *Server) authorizeSubmit(w http.ResponseWriter, r *http.Request, a *actor) error {
	f, err := s.zohoFormFor(r, a)
	if err != nil {
		return err
	}
	in := f.zohoInput(r, a)
	scopes := []string{zoho.ScopePeopleForms}
	if f.Key == hrconnect.ServiceZohoRecruit {
		scopes = []string{zoho.ScopeRecruitCandidates}
	}
	if c := f.Reconnect; c != nil {
		in.Name, in.DC, in.ClientID, scopes = c.Name, c.DataCentre, c.ClientID, c.Scopes
	}
	if in.Name == "" {
		in.Name = f.ServiceName
	}
	fail := func(err error) error {
		v := &view{Title: f.title("Connect with Zoho"), Nav: "integrations", Actor: a, Form: f.formValues(r), Data: f}
		s.render(w, r, formStatus(err), "authorize", v.withError(err, ""))
		return nil
	}
	dc, err := s.dir.DC(in.DC)
	switch {
	case err != nil:
		return fail(hrconnect.Invalid("dc", "Choose the Zoho data centre your account is in."))
	case in.ClientID == "" || strings.ContainsAny(in.ClientID, " \t\r\n"):
		return fail(hrconnect.Invalid("client_id", "Enter the Client ID of a Web Based client from Zoho's API Console."))
	case in.Secret == "" && f.Reconnect == nil:
		return fail(hrconnect.Invalid("client_secret", "Enter the Client Secret shown in Zoho's API Console next to the Client ID."))
	}
	if f.Reconnect == nil {
		if err := s.checkNameFree(r, &in, f.ServiceName); err != nil {
			return fail(err)
		}
	}
	state, verifier := newToken(), zoho.NewCodeVerifier()
	now := s.now()
	p := &hrconnect.PendingAuthorization{
		State: hashToken(state), SessionID: a.Session.ID, TenantID: a.Tenant.ID, UserID: a.User.ID,
		Service: f.Key, Name: in.Name, DataCentre: dc.Location, ClientID: in.ClientID,
		ClientSecret: in.Secret, CodeVerifier: verifier, Scopes: scopes,
		CreatedAt: now, ExpiresAt: now.Add(PendingTTL),
	}
	if f.Reconnect != nil {
		p.ConnectionID = f.Reconnect.ID
	}
	to, err := s.zoho.AuthCodeURL(dc, in.ClientID, s.RedirectURI(), scopes, state, zoho.CodeChallengeS256(verifier))
	if err != nil {
		return fail(zohoError(err))
	}
	if err := s.store.CreatePendingAuthorization(r.Context(), p); err != nil {
		return err
	}
	seeOther(w, r, to)
	return nil
}

// callbackSignedIn serves the callback to a signed-in person. Anyone else
// gets a page saying so, rather than the usual trip through the sign-in page,
// which would carry Zoho's code along in its URL; the authorisation is bound
// to the session that started it, so it could not be finished anyway.
func (s *Server) callbackSignedIn(w http.ResponseWriter, r *http.Request) {
	a, err := s.currentActor(r)
	if hrconnect.ErrorCode(err) == hrconnect.EUNAUTHORIZED {
		s.render(w, r, http.StatusUnauthorized, "callback_error", &view{Title: "The connection was not made", Error: &hrconnect.Error{
			Code: hrconnect.EUNAUTHORIZED, Message: "Your hrconnect session ended before Zoho sent you back.",
			Resolution: "Sign in again and start the connection again with Connect with Zoho."}})
		return
	} else if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	if err := s.callback(w, r, a); err != nil {
		s.fail(w, r, a, err)
	}
}

// callback is GET /oauth/zoho/callback, where Zoho's consent page sends the
// browser back. The state must name a pending authorisation of this very
// session (it works once), and the code is exchanged only at the data centre
// the redirect names, when that is one of the Directory's.
func (s *Server) callback(w http.ResponseWriter, r *http.Request, a *actor) error {
	q := r.URL.Query()
	fail := func(status int, err error) error {
		s.render(w, r, status, "callback_error", &view{Title: "The connection was not made", Nav: "integrations", Actor: a, Error: appError(err)})
		return nil
	}
	state := q.Get("state")
	if state == "" {
		return fail(http.StatusBadRequest, &hrconnect.Error{Code: hrconnect.EINVALID,
			Message:    "This page was opened without the state hrconnect sent to Zoho.",
			Resolution: "Start the connection again with Connect with Zoho."})
	}
	p, err := s.store.TakePendingAuthorization(r.Context(), hashToken(state))
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return fail(http.StatusBadRequest, &hrconnect.Error{Code: hrconnect.EINVALID,
			Message:    "This authorisation link has already been used, has expired, or was not started here.",
			Resolution: "Each link from Zoho works once, for 10 minutes. Start the connection again with Connect with Zoho."})
	} else if err != nil {
		return err
	}
	if p.SessionID != a.Session.ID || p.TenantID != a.Tenant.ID {
		return fail(http.StatusForbidden, &hrconnect.Error{Code: hrconnect.EFORBIDDEN,
			Message:    "This authorisation was started by another sign-in, so hrconnect did not use it.",
			Resolution: "Start the connection again from this browser with Connect with Zoho."})
	}
	redirect, err := s.dir.ParseRedirect(q)
	if err != nil {
		var ze *zoho.Error
		if q.Get("error") == "access_denied" {
			return fail(http.StatusBadRequest, &hrconnect.Error{Code: hrconnect.EINVALID,
				Message:    "You declined access in Zoho, so nothing was connected.",
				Resolution: "To connect, start again with Connect with Zoho and choose Accept on Zoho's consent page."})
		}
		if errors.As(err, &ze) {
			return fail(http.StatusBadRequest, &hrconnect.Error{Code: hrconnect.EINVALID, Message: ze.Message, Resolution: ze.Resolution})
		}
		return fail(http.StatusBadRequest, zohoError(err))
	}
	var c *hrconnect.Connection
	if p.ConnectionID != "" {
		old, err := s.store.Connection(r.Context(), a.Tenant.ID, p.ConnectionID)
		if err != nil {
			return err
		}
		if old.DataCentre != redirect.DC.Location {
			return fail(http.StatusBadRequest, &hrconnect.Error{Code: hrconnect.EINVALID,
				Message:    "Zoho answered from the " + redirect.DC.Name + " data centre, but this connection is in " + old.DataCentre + ".",
				Resolution: "Sign in to Zoho with an account of the connection's data centre, or create a new connection."})
		}
		c, _, err = s.conns.Reauthorize(r.Context(), a.Tenant.ID, p.ConnectionID, a.User.ID, p.ClientSecret, redirect.Code, s.RedirectURI(), p.CodeVerifier, "")
		if err != nil {
			return fail(formStatus(err), err)
		}
	} else {
		in := connect.ZohoConnection{TenantID: a.Tenant.ID, ActorID: a.User.ID, Service: p.Service, Name: p.Name,
			DC: redirect.DC.Location, ClientID: p.ClientID, Secret: p.ClientSecret, Scopes: p.Scopes}
		c, _, err = s.conns.ConnectWithCode(r.Context(), in, redirect.Code, s.RedirectURI(), p.CodeVerifier)
		if err != nil {
			return fail(formStatus(err), err)
		}
	}
	s.connected(w, r, a, c, p.ConnectionID != "", "through Zoho's consent page")
	return nil
}

// zohoError turns an error of the zoho client into an application error
// that says what to do.
func zohoError(err error) error {
	var ze *zoho.Error
	if errors.As(err, &ze) {
		return &hrconnect.Error{Code: hrconnect.EINVALID, Message: ze.Message, Resolution: ze.Resolution, Err: err}
	}
	return err
}
