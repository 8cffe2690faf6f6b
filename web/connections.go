package web

import (
	"net/http"

	"hrconnect"
)

// connectionList is GET /connections: the tenant's connections, split into
// the user's own, those shared with them (per-user connections they have
// authorised), and everyone else's; ?service= narrows it to one service.
func (s *Server) connectionList(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	f := hrconnect.ConnectionFilter{TenantID: a.Tenant.ID, Service: r.URL.Query().Get("service")}
	all, err := s.store.Connections(ctx, f)
	if err != nil {
		return err
	}
	f.AuthorizedBy = a.User.ID
	authorised, err := s.store.Connections(ctx, f)
	if err != nil {
		return err
	}
	shared := map[string]bool{}
	for _, c := range authorised {
		if c.OwnerID != a.User.ID {
			shared[c.ID] = true
		}
	}
	var own, sharedList, others []*hrconnect.Connection
	for _, c := range all {
		switch {
		case c.OwnerID == a.User.ID:
			own = append(own, c)
		case shared[c.ID]:
			sharedList = append(sharedList, c)
		default:
			others = append(others, c)
		}
	}
	s.render(w, r, http.StatusOK, "connections", &view{Title: "Connections", Nav: "connections", Actor: a,
		Data: map[string]any{"Own": own, "Shared": sharedList, "Others": others, "Service": f.Service}})
	return nil
}

// connectionDetail is GET /connections/{id}. Another tenant's connection is
// not found: the ID is looked up in the signed-in tenant only.
func (s *Server) connectionDetail(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	c, err := s.store.Connection(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	events, err := s.store.Events(ctx, a.Tenant.ID, c.ID, 20)
	if err != nil {
		return err
	}
	var owner string
	if c.OwnerID != "" {
		if u, err := s.store.User(ctx, a.Tenant.ID, c.OwnerID); err == nil {
			owner = u.Name
		}
	}
	data := map[string]any{"C": c, "Events": events, "Owner": owner, "RedirectURI": s.RedirectURI()}
	if s.onb != nil && c.Service == hrconnect.ServiceZohoRecruit {
		// The import form offers the job posts its applicants can apply to.
		if data["JobPosts"], err = s.onb.JobPosts(ctx, a.Tenant.ID); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "connection", &view{Title: c.Name, Nav: "connections", Actor: a, Data: data})
	return nil
}

// connectionDelete is POST /connections/{id}/delete: the refresh token is
// revoked at Zoho, then the connection and its secrets are erased.
func (s *Server) connectionDelete(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	c, err := s.store.Connection(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return hrconnect.Invalid("confirm", "Tick the box to confirm that %s should be disconnected.", c.Name)
	}
	if err := s.conns.Delete(ctx, a.Tenant.ID, c.ID, a.User.ID); err != nil {
		return err
	}
	s.audit(r, a, "connection.deleted", c.ID, "Disconnected "+c.Name+"; its refresh token was revoked and its secrets erased.")
	s.flash(w, c.Name+" is disconnected.")
	seeOther(w, r, "/integrations")
	return nil
}
