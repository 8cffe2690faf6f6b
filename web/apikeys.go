package web

import (
	"net/http"
	"net/url"
	"strings"

	"hrconnect"
	"hrconnect/api"
)

// apiKeyList is GET /api-keys: the tenant's REST API keys (their prefixes
// only: a key is shown once, when it is made).
func (s *Server) apiKeyList(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderAPIKeys(w, r, a, http.StatusOK, nil, nil)
}

func (s *Server) renderAPIKeys(w http.ResponseWriter, r *http.Request, a *actor, status int, form url.Values, err error) error {
	keys, lerr := s.store.APIKeys(r.Context(), a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	v := &view{Title: "API keys", Nav: "apikeys", Actor: a, Form: form, Data: map[string]any{"Keys": keys, "Base": s.baseURL + api.Prefix}}
	if err != nil {
		v.withError(err, "name")
	}
	s.render(w, r, status, "apikeys", v)
	return nil
}

// apiKeyCreate is POST /api-keys: a new key, shown once on a no-store page.
func (s *Server) apiKeyCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	k := &hrconnect.APIKey{TenantID: a.Tenant.ID, Name: strings.TrimSpace(r.PostFormValue("name")), CreatedBy: a.User.ID}
	if r.PostFormValue("integrations") == "yes" {
		k.Permissions = []hrconnect.Permission{hrconnect.PermIntegrations}
	}
	key, err := api.IssueKey(r.Context(), s.store, k)
	if err != nil {
		return s.renderAPIKeys(w, r, a, formStatus(err), url.Values{"name": {k.Name}}, err)
	}
	s.audit(r, a, "api_key.created", k.ID, "Created the API key "+k.Name+" ("+k.Prefix+"…).")
	s.render(w, r, http.StatusOK, "apikey_created", &view{Title: "API key created", Nav: "apikeys", Actor: a,
		Data: map[string]any{"Key": key, "APIKey": k, "Base": s.baseURL + api.Prefix}})
	return nil
}

// apiKeyDelete is POST /api-keys/{id}/delete: the key stops working at once.
func (s *Server) apiKeyDelete(w http.ResponseWriter, r *http.Request, a *actor) error {
	id := r.PathValue("id")
	if err := s.store.DeleteAPIKey(r.Context(), a.Tenant.ID, id); err != nil {
		return err
	}
	s.audit(r, a, "api_key.deleted", id, "Deleted an API key.")
	s.flash(w, "The API key was deleted; programs using it are refused from now on.")
	seeOther(w, r, "/api-keys")
	return nil
}
