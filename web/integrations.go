package web

import (
	"net/http"
	"slices"
	"strings"

	"hrconnect"
)

// provider is one tile of the marketplace.
type provider struct {
	Key, Name, Description string
	Custom                 bool
	// State is "Not connected", "Connected" or "Needs attention".
	State       string
	Connections []*hrconnect.Connection
}

// StateClass is the tile's CSS class for its state.
func (p *provider) StateClass() string {
	return map[string]string{"Connected": "ok", "Needs attention": "warn"}[p.State]
}

// Href is where the tile's Connect or Manage button leads.
func (p *provider) Href() string {
	switch {
	case len(p.Connections) == 1:
		return "/connections/" + p.Connections[0].ID
	case len(p.Connections) > 1:
		return "/connections?service=" + p.Key
	case p.Custom:
		return "/services/" + p.Key + "/connect"
	default:
		return "/integrations/" + p.Key
	}
}

// zohoServices are the default services, with what the tiles say of them.
var zohoServices = []struct{ Key, Name, Description string }{
	{hrconnect.ServiceZohoPeople, "Zoho People", "Create hired applicants as employees in Zoho People."},
	{hrconnect.ServiceZohoRecruit, "Zoho Recruit", "Read candidates from Zoho Recruit."},
}

func zohoServiceName(key string) (string, bool) {
	for _, z := range zohoServices {
		if z.Key == key {
			return z.Name, true
		}
	}
	return "", false
}

// providers lists the tenant's tiles with their state, those whose name
// contains q (without case) when q is not empty.
func (s *Server) providers(r *http.Request, a *actor, q string) ([]*provider, error) {
	ctx := r.Context()
	conns, err := s.store.Connections(ctx, hrconnect.ConnectionFilter{TenantID: a.Tenant.ID})
	if err != nil {
		return nil, err
	}
	var out []*provider
	for _, z := range zohoServices {
		out = append(out, &provider{Key: z.Key, Name: z.Name, Description: z.Description})
	}
	custom, err := s.store.Services(ctx, a.Tenant.ID)
	if err != nil {
		return nil, err
	}
	for _, svc := range custom {
		out = append(out, &provider{Key: svc.Key, Name: svc.Name, Custom: true, Description: "Custom service (" + authLabel(svc.AuthType) + ")."})
	}
	q = strings.ToLower(strings.TrimSpace(q))
	out = slices.DeleteFunc(out, func(p *provider) bool { return q != "" && !strings.Contains(strings.ToLower(p.Name), q) })
	for _, p := range out {
		p.State = "Not connected"
		for _, c := range conns {
			if c.Service != p.Key || c.Status == hrconnect.StatusDisconnected {
				continue
			}
			p.Connections = append(p.Connections, c)
			if c.Status == hrconnect.StatusNeedsReconnect {
				p.State = "Needs attention"
			} else if p.State != "Needs attention" {
				p.State = "Connected"
			}
		}
	}
	return out, nil
}

// marketplace is GET /integrations: a tile per provider, searchable by name.
func (s *Server) marketplace(w http.ResponseWriter, r *http.Request, a *actor) error {
	q := r.URL.Query().Get("q")
	ps, err := s.providers(r, a, q)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "marketplace", &view{Title: "Integrations", Nav: "integrations", Actor: a,
		Data: map[string]any{"Providers": ps, "Q": q}})
	return nil
}

// integration is GET /integrations/{service}: the ways to connect a Zoho
// service, and its connections.
func (s *Server) integration(w http.ResponseWriter, r *http.Request, a *actor) error {
	key := r.PathValue("service")
	name, ok := zohoServiceName(key)
	if !ok {
		if _, err := s.store.Service(r.Context(), a.Tenant.ID, key); err == nil {
			seeOther(w, r, "/services/"+key+"/connect")
			return nil
		}
		return errNotFound
	}
	conns, err := s.store.Connections(r.Context(), hrconnect.ConnectionFilter{TenantID: a.Tenant.ID, Service: key})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "integration", &view{Title: name, Nav: "integrations", Actor: a,
		Data: map[string]any{"Key": key, "Name": name, "Connections": conns, "RedirectURI": s.RedirectURI()}})
	return nil
}

func authLabel(t hrconnect.AuthType) string {
	return map[hrconnect.AuthType]string{hrconnect.AuthBasic: "Basic", hrconnect.AuthAPIKey: "API key", hrconnect.AuthOAuth1: "OAuth 1.0a", hrconnect.AuthOAuth2: "OAuth 2.0"}[t]
}
