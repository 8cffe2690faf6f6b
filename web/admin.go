package web

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"hrconnect"
)

// userList is GET /users: the tenant's people, and for managers a form to
// add one.
func (s *Server) userList(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderUsers(w, r, a, http.StatusOK, nil, nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, a *actor, status int, form url.Values, err error) error {
	users, lerr := s.store.Users(r.Context(), a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	v := &view{Title: "Users", Nav: "users", Actor: a, Data: users, Form: form}
	if err != nil {
		v.withError(err, "")
	}
	s.render(w, r, status, "users", v)
	return nil
}

// userCreate is POST /users: a new person of the tenant, with or without
// Integrations Management.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	u := &hrconnect.User{TenantID: a.Tenant.ID, Name: strings.TrimSpace(r.PostFormValue("name")), Email: strings.TrimSpace(r.PostFormValue("email"))}
	if r.PostFormValue("integrations") == "yes" {
		u.Permissions = []hrconnect.Permission{hrconnect.PermIntegrations}
	}
	password := r.PostFormValue("password")
	form := url.Values{"name": {u.Name}, "email": {u.Email}, "integrations": {r.PostFormValue("integrations")}}
	err := checkUser(u, password)
	var hash []byte
	if err == nil {
		hash, err = bcrypt.GenerateFromPassword([]byte(password), s.cost)
	}
	if err == nil {
		err = s.createUser(r, u, string(hash))
	}
	if err != nil {
		return s.renderUsers(w, r, a, formStatus(err), form, err)
	}
	perm := "without"
	if u.Can(hrconnect.PermIntegrations) {
		perm = "with"
	}
	s.audit(r, a, "user.created", u.ID, "Added "+u.Name+" <"+u.Email+"> "+perm+" Integrations Management.")
	s.flash(w, u.Name+" can now sign in.")
	seeOther(w, r, "/users")
	return nil
}

// userPermissions is POST /users/{id}/permissions: gives or takes away
// Integrations Management. Nobody takes it from themselves, so a company
// always keeps someone who can manage its connections.
func (s *Server) userPermissions(w http.ResponseWriter, r *http.Request, a *actor) error {
	u, err := s.store.User(r.Context(), a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	grant := r.PostFormValue("integrations") == "yes"
	if !grant && u.ID == a.User.ID {
		return s.renderUsers(w, r, a, http.StatusConflict, nil, &hrconnect.Error{Code: hrconnect.ECONFLICT,
			Message:    "You cannot take Integrations Management away from yourself.",
			Resolution: "Ask another user with the permission to do it, so that someone can always manage the connections."})
	}
	u.Permissions = nil
	what := "Took Integrations Management away from "
	if grant {
		u.Permissions = []hrconnect.Permission{hrconnect.PermIntegrations}
		what = "Gave Integrations Management to "
	}
	if err := s.store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	s.audit(r, a, "user.updated", u.ID, what+u.Name+".")
	s.flash(w, u.Name+"'s permissions are saved.")
	seeOther(w, r, "/users")
	return nil
}

// auditLog is GET /audit: who connected, changed, reconnected or removed
// what, and when.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, a *actor) error {
	entries, err := s.store.Audit(r.Context(), a.Tenant.ID, 200)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "audit", &view{Title: "Audit log", Nav: "audit", Actor: a, Data: entries})
	return nil
}

// audit records an action of a in the audit log. A failure to record is
// logged, not shown: the action itself has happened.
func (s *Server) audit(r *http.Request, a *actor, action, target, detail string) {
	e := &hrconnect.AuditEntry{TenantID: a.Tenant.ID, ActorID: a.User.ID, ActorName: a.User.Name,
		Action: action, Target: target, Detail: detail, At: s.now()}
	if err := s.store.AddAudit(r.Context(), e); err != nil {
		s.log.Error("record audit entry", "action", action, "target", target, "err", err)
	}
}
