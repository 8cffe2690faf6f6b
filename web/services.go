package web

import (
	"net/http"
	"net/url"
	"strings"

	"hrconnect"
	"hrconnect/connect"
)

// serviceList is GET /services: the tenant's custom services.
func (s *Server) serviceList(w http.ResponseWriter, r *http.Request, a *actor) error {
	svcs, err := s.store.Services(r.Context(), a.Tenant.ID)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "services", &view{Title: "Custom services", Nav: "services", Actor: a, Data: svcs})
	return nil
}

// serviceForm is what the new-service form offers.
var serviceForm = map[string]any{
	"AuthTypes":  []hrconnect.AuthType{hrconnect.AuthAPIKey, hrconnect.AuthBasic, hrconnect.AuthOAuth2, hrconnect.AuthOAuth1},
	"ParamTypes": []hrconnect.ParamType{hrconnect.ParamHeader, hrconnect.ParamQuery, hrconnect.ParamForm},
}

func (s *Server) serviceNewPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	s.render(w, r, http.StatusOK, "service_new", &view{Title: "New custom service", Nav: "services", Actor: a, Data: serviceForm,
		Form: url.Values{"param_type": {"header"}, "auth_type": {"api_key"}}})
	return nil
}

// serviceCreate is POST /services: a custom service, normalised and
// validated by the domain, its client secret stored sealed.
func (s *Server) serviceCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	svc := &hrconnect.Service{
		TenantID: a.Tenant.ID, Key: get("key"), Name: get("name"),
		AuthType: hrconnect.AuthType(get("auth_type")), ParamType: hrconnect.ParamType(get("param_type")), ParamName: get("param_name"),
		BaseURLs:     strings.Fields(get("base_urls")),
		AuthorizeURL: get("authorize_url"), TokenURL: get("token_url"), RevokeURL: get("revoke_url"),
		RequestTokenURL: get("request_token_url"), AccessTokenURL: get("access_token_url"),
		Scopes: strings.FieldsFunc(get("scopes"), func(r rune) bool { return r == ',' || r == ' ' }), ClientID: get("client_id"),
	}
	svc.Normalize()
	err := svc.Validate()
	if err == nil {
		err = s.store.CreateService(r.Context(), svc, get("client_secret"))
	}
	if err != nil {
		form := url.Values{}
		for _, k := range []string{"key", "name", "auth_type", "param_type", "param_name", "base_urls", "authorize_url", "token_url", "revoke_url", "request_token_url", "access_token_url", "scopes", "client_id"} {
			form.Set(k, get(k))
		}
		v := &view{Title: "New custom service", Nav: "services", Actor: a, Data: serviceForm, Form: form}
		s.render(w, r, formStatus(err), "service_new", v.withError(err, ""))
		return nil
	}
	s.audit(r, a, "service.created", svc.Key, "Added the custom service "+svc.Name+".")
	s.flash(w, svc.Name+" was added.")
	seeOther(w, r, "/services")
	return nil
}

func (s *Server) serviceDelete(w http.ResponseWriter, r *http.Request, a *actor) error {
	key := r.PathValue("key")
	svc, err := s.store.Service(r.Context(), a.Tenant.ID, key)
	if err != nil {
		return err
	}
	if err := s.store.DeleteService(r.Context(), a.Tenant.ID, key); err != nil {
		return err
	}
	s.audit(r, a, "service.deleted", key, "Removed the custom service "+svc.Name+".")
	s.flash(w, svc.Name+" was removed.")
	seeOther(w, r, "/services")
	return nil
}

// customConnectPage is GET /services/{key}/connect: credentials for a Basic
// or API-key service. OAuth services are connected through the REST API.
func (s *Server) customConnectPage(w http.ResponseWriter, r *http.Request, a *actor) error {
	svc, err := s.store.Service(r.Context(), a.Tenant.ID, r.PathValue("key"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "custom_connect", &view{Title: "Connect " + svc.Name, Nav: "integrations", Actor: a, Data: svc,
		Form: url.Values{"name": {svc.Name}}})
	return nil
}

func (s *Server) customConnectSubmit(w http.ResponseWriter, r *http.Request, a *actor) error {
	svc, err := s.store.Service(r.Context(), a.Tenant.ID, r.PathValue("key"))
	if err != nil {
		return err
	}
	in := connect.CustomConnection{TenantID: a.Tenant.ID, ActorID: a.User.ID, Service: svc.Key,
		Name: strings.TrimSpace(r.PostFormValue("name")), PerUser: r.PostFormValue("per_user") == "yes",
		Credentials: hrconnect.Credentials{APIKey: r.PostFormValue("api_key"), Username: r.PostFormValue("username"), Password: r.PostFormValue("password")}}
	c, err := s.conns.ConnectCustom(r.Context(), in, "", "", "")
	if err != nil {
		v := &view{Title: "Connect " + svc.Name, Nav: "integrations", Actor: a, Data: svc,
			Form: url.Values{"name": {in.Name}, "username": {in.Credentials.Username}}}
		s.render(w, r, formStatus(err), "custom_connect", v.withError(err, ""))
		return nil
	}
	s.connected(w, r, a, c, false, "with credentials entered by hand")
	return nil
}
