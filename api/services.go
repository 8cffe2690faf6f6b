package api

import (
	"net/http"
	"strings"
	"time"

	"hrconnect"
)

// serviceJSON is a service as the API shows it. A custom service's client
// secret is never shown.
type serviceJSON struct {
	Key             string   `json:"key"`
	Name            string   `json:"name"`
	Default         bool     `json:"default"`
	AuthType        string   `json:"auth_type"`
	ParamType       string   `json:"param_type"`
	ParamName       string   `json:"param_name,omitempty"`
	TokenPrefix     string   `json:"token_prefix,omitempty"`
	BaseURLs        []string `json:"base_urls"`
	AuthorizeURL    string   `json:"authorize_url,omitempty"`
	TokenURL        string   `json:"token_url,omitempty"`
	RefreshURL      string   `json:"refresh_url,omitempty"`
	RevokeURL       string   `json:"revoke_url,omitempty"`
	Scopes          []string `json:"scopes"`
	ScopeDelimiter  string   `json:"scope_delimiter,omitempty"`
	RequestTokenURL string   `json:"request_token_url,omitempty"`
	AccessTokenURL  string   `json:"access_token_url,omitempty"`
	ClientID        string   `json:"client_id,omitempty"`
	// DataCentres are the Zoho data centres a connection to a default
	// service can choose (its "dc"); absent for custom services.
	DataCentres []dataCentreJSON `json:"data_centres,omitempty"`
	CreatedAt   *time.Time       `json:"created_at,omitempty"`
}

// dataCentreJSON is a Zoho data centre a connection can be made in.
type dataCentreJSON struct {
	Location string `json:"location"`
	Name     string `json:"name"`
}

func toServiceJSON(s *hrconnect.Service) serviceJSON {
	return serviceJSON{
		Key: s.Key, Name: s.Name, Default: s.IsDefault(), AuthType: string(s.AuthType), ParamType: string(s.ParamType),
		ParamName: s.ParamName, TokenPrefix: s.TokenPrefix, BaseURLs: nonNil(s.BaseURLs), AuthorizeURL: s.AuthorizeURL,
		TokenURL: s.TokenURL, RefreshURL: s.RefreshURL, RevokeURL: s.RevokeURL, Scopes: nonNil(s.Scopes),
		ScopeDelimiter: s.ScopeDelimiter, RequestTokenURL: s.RequestTokenURL, AccessTokenURL: s.AccessTokenURL,
		ClientID: s.ClientID, CreatedAt: timePtr(s.CreatedAt),
	}
}

// nonNil makes a nil slice an empty one, so JSON shows [] rather than null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// toServiceJSON returns svc as shown, with the data centres of the
// directory for the default services.
func (s *server) toServiceJSON(svc *hrconnect.Service) serviceJSON {
	out := toServiceJSON(svc)
	if svc.IsDefault() {
		for _, dc := range s.dir.DataCentres() {
			out.DataCentres = append(out.DataCentres, dataCentreJSON{Location: dc.Location, Name: dc.Name})
		}
	}
	return out
}

func (s *server) listServices(w http.ResponseWriter, r *http.Request, p *principal) error {
	custom, err := s.store.Services(r.Context(), p.tenant())
	if err != nil {
		return err
	}
	out := []serviceJSON{}
	for _, svc := range hrconnect.DefaultServices() {
		out = append(out, s.toServiceJSON(svc))
	}
	for _, svc := range custom {
		out = append(out, s.toServiceJSON(svc))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"services": out})
}

// service returns the tenant's service with this key: a default one, or a
// custom one of the tenant.
func (s *server) service(r *http.Request, p *principal, key string) (*hrconnect.Service, error) {
	if svc, ok := hrconnect.LookupDefaultService(key); ok {
		return svc, nil
	}
	return s.store.Service(r.Context(), p.tenant(), key)
}

func (s *server) getService(w http.ResponseWriter, r *http.Request, p *principal) error {
	svc, err := s.service(r, p, r.PathValue("key"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toServiceJSON(svc))
}

// createServiceRequest is a custom service's definition as entered.
type createServiceRequest struct {
	Key             string   `json:"key"`
	Name            string   `json:"name"`
	AuthType        string   `json:"auth_type"`
	ParamType       string   `json:"param_type"`
	ParamName       string   `json:"param_name"`
	TokenPrefix     string   `json:"token_prefix"`
	BaseURLs        []string `json:"base_urls"`
	AuthorizeURL    string   `json:"authorize_url"`
	TokenURL        string   `json:"token_url"`
	RefreshURL      string   `json:"refresh_url"`
	RevokeURL       string   `json:"revoke_url"`
	Scopes          []string `json:"scopes"`
	ScopeDelimiter  string   `json:"scope_delimiter"`
	RequestTokenURL string   `json:"request_token_url"`
	AccessTokenURL  string   `json:"access_token_url"`
	ClientID        string   `json:"client_id"`
	ClientSecret    string   `json:"client_secret"`
}

func (s *server) createService(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in createServiceRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	svc := &hrconnect.Service{
		Key: in.Key, TenantID: p.tenant(), Name: in.Name, AuthType: hrconnect.AuthType(in.AuthType),
		ParamType: hrconnect.ParamType(in.ParamType), ParamName: in.ParamName, TokenPrefix: in.TokenPrefix,
		BaseURLs: in.BaseURLs, AuthorizeURL: in.AuthorizeURL, TokenURL: in.TokenURL, RefreshURL: in.RefreshURL,
		RevokeURL: in.RevokeURL, Scopes: in.Scopes, ScopeDelimiter: in.ScopeDelimiter,
		RequestTokenURL: in.RequestTokenURL, AccessTokenURL: in.AccessTokenURL, ClientID: in.ClientID,
	}
	svc.Normalize()
	if err := svc.Validate(); err != nil {
		return err
	}
	secret := strings.TrimSpace(in.ClientSecret)
	if (svc.AuthType == hrconnect.AuthOAuth1 || svc.AuthType == hrconnect.AuthOAuth2) && secret == "" {
		return hrconnect.Invalid("client_secret", "Enter the client secret (OAuth 1.0a: consumer secret) of the app registered with %s; it is stored encrypted and never shown again.", svc.Name)
	}
	if err := s.store.CreateService(r.Context(), svc, secret); err != nil {
		return err
	}
	s.audit(r, p.audit("service.created", svc.Key, svc.Name+" ("+string(svc.AuthType)+")"))
	return writeJSON(w, http.StatusCreated, toServiceJSON(svc))
}

func (s *server) deleteService(w http.ResponseWriter, r *http.Request, p *principal) error {
	key := r.PathValue("key")
	if _, ok := hrconnect.LookupDefaultService(key); ok {
		return hrconnect.Errorf(hrconnect.ECONFLICT, "%s is a built-in service and cannot be deleted.", key)
	}
	svc, err := s.store.Service(r.Context(), p.tenant(), key)
	if err != nil {
		return err
	}
	if err := s.store.DeleteService(r.Context(), p.tenant(), key); err != nil {
		return err
	}
	s.audit(r, p.audit("service.deleted", key, svc.Name))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// audit records an entry in the tenant's audit log. The change it records
// has been made by then, so a failure to record it is logged rather than
// reported as the change failing.
func (s *server) audit(r *http.Request, e *hrconnect.AuditEntry) {
	e.At = s.now()
	if err := s.store.AddAudit(r.Context(), e); err != nil {
		s.log.Error("record audit entry", "tenant", e.TenantID, "action", e.Action, "target", e.Target, "err", err.Error())
	}
}
