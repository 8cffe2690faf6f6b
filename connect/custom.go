package connect

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"hrconnect"
	"hrconnect/zoho"
)

// Refreshers picks the refresher for a connection's service: Zoho's for the
// default services, OAuth 2.0's refresh grant at the token URL of a custom
// service otherwise.
type Refreshers struct {
	Zoho     Refresher
	Services hrconnect.ServiceStore
	// HTTPClient calls custom services' token endpoints; nil means a client
	// with DefaultTimeout.
	HTTPClient *http.Client
}

var _ Refresher = (*Refreshers)(nil)

// Refresh makes a new access token for the connection.
func (r *Refreshers) Refresh(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) (string, time.Duration, error) {
	if c.IsZoho() {
		return r.Zoho.Refresh(ctx, c, creds)
	}
	svc, secret, err := r.oauth2Service(ctx, c)
	if err != nil {
		return "", 0, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, r.client())
	tok, err := OAuth2RefreshConfig(svc, secret).TokenSource(ctx, &oauth2.Token{RefreshToken: creds.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client") {
			return "", 0, &RefreshError{Reconnect: true,
				Message:    fmt.Sprintf("%s refused the connection's credentials (%s).", svc.Name, re.ErrorCode),
				Resolution: "Reconnect the connection: authorise it again at " + svc.Name + "."}
		}
		return "", 0, &RefreshError{Message: fmt.Sprintf("Could not refresh the access token at %s.", svc.Name), Resolution: "hrconnect will try again shortly.", Err: redactErr(err, creds)}
	}
	lifetime := time.Hour // the common default when a service gives no expires_in
	if !tok.Expiry.IsZero() {
		lifetime = time.Until(tok.Expiry)
	}
	return tok.AccessToken, lifetime, nil
}

// Revoke revokes the refresh token at Zoho, or at a custom service's revoke
// URL (RFC 7009) when it has one.
func (r *Refreshers) Revoke(ctx context.Context, c *hrconnect.Connection, creds *hrconnect.Credentials) error {
	if c.IsZoho() {
		return r.Zoho.Revoke(ctx, c, creds)
	}
	svc, err := r.Services.Service(ctx, c.TenantID, c.Service)
	if err != nil || svc.AuthType != hrconnect.AuthOAuth2 || svc.RevokeURL == "" || creds.RefreshToken == "" {
		return nil // nothing to revoke remotely
	}
	form := url.Values{"token": {creds.RefreshToken}, "token_type_hint": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, svc.RevokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := r.client().Do(req)
	if err != nil {
		return redactErr(err, creds)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return fmt.Errorf("revoke at %s: HTTP %d", svc.Name, resp.StatusCode)
	}
	return nil
}

func (r *Refreshers) client() *http.Client {
	if r.HTTPClient != nil {
		return r.HTTPClient
	}
	return &http.Client{Timeout: DefaultTimeout}
}

func (r *Refreshers) oauth2Service(ctx context.Context, c *hrconnect.Connection) (*hrconnect.Service, string, error) {
	if r.Services == nil {
		return nil, "", &RefreshError{Reconnect: true, Message: "Unknown service " + c.Service + "."}
	}
	svc, err := r.Services.Service(ctx, c.TenantID, c.Service)
	if err != nil {
		return nil, "", &RefreshError{Reconnect: true, Message: "The connection's service " + c.Service + " no longer exists.", Resolution: "Define the service again, or remove the connection.", Err: err}
	}
	if svc.AuthType != hrconnect.AuthOAuth2 {
		return nil, "", &RefreshError{Reconnect: true, Message: svc.Name + " does not use OAuth 2.0 tokens."}
	}
	secret, err := r.Services.ServiceSecret(ctx, c.TenantID, c.Service)
	if err != nil {
		return nil, "", err
	}
	return svc, secret, nil
}

func redactErr(err error, creds *hrconnect.Credentials) error {
	return NewRedactor(creds.ClientSecret, creds.RefreshToken, creds.APIKey, creds.Password, creds.OAuth1Token, creds.OAuth1TokenSecret).Error(err)
}

// CustomConnection is what a person enters to connect a custom service.
type CustomConnection struct {
	TenantID string
	ActorID  string
	Service  string // the custom service's key
	Name     string
	LinkName string
	Scopes   []string
	PerUser  bool
	// Credentials for Basic (Username, Password), API key (APIKey) and OAuth
	// 1.0a (OAuth1Token, OAuth1TokenSecret, from OAuth1Flow.Finish); OAuth 2.0
	// connections pass a code to ConnectCustom instead.
	Credentials hrconnect.Credentials
}

// ConnectCustom creates a connection to a custom service. For OAuth 2.0
// services, code (with redirectURI and codeVerifier of the authorisation) is
// exchanged at the service's token URL; the other auth types take the
// credentials as entered.
func (s *Service) ConnectCustom(ctx context.Context, in CustomConnection, code, redirectURI, codeVerifier string) (*hrconnect.Connection, error) {
	if s.services == nil {
		return nil, hrconnect.Errorf(hrconnect.EINTERNAL, "custom services are not configured")
	}
	svc, err := s.services.Service(ctx, in.TenantID, in.Service)
	if err != nil {
		return nil, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = svc.Name
	}
	if in.LinkName == "" {
		in.LinkName = LinkNameFrom(in.Name)
	}
	if !linkNameRE.MatchString(in.LinkName) {
		return nil, hrconnect.Invalid("link_name", "Enter a valid link name: lower-case letters, digits and underscores, starting with a letter.")
	}
	creds := in.Credentials
	var issued *oauth2.Token
	switch svc.AuthType {
	case hrconnect.AuthBasic:
		if creds.Username == "" {
			return nil, hrconnect.Invalid("username", "Enter the user name for %s.", svc.Name)
		}
	case hrconnect.AuthAPIKey:
		if creds.APIKey == "" {
			return nil, hrconnect.Invalid("api_key", "Enter the API key for %s.", svc.Name)
		}
	case hrconnect.AuthOAuth1:
		if creds.OAuth1Token == "" || creds.OAuth1TokenSecret == "" {
			return nil, hrconnect.Invalid("oauth1_token", "Authorise %s first: the OAuth 1.0a flow gives the token and its secret.", svc.Name)
		}
	case hrconnect.AuthOAuth2:
		if strings.TrimSpace(code) == "" {
			return nil, hrconnect.Invalid("code", "Authorise %s first: its consent page returns the code to exchange.", svc.Name)
		}
		secret, err := s.services.ServiceSecret(ctx, in.TenantID, in.Service)
		if err != nil {
			return nil, err
		}
		opts := []oauth2.AuthCodeOption{}
		if codeVerifier != "" {
			opts = append(opts, oauth2.VerifierOption(codeVerifier))
		}
		issued, err = OAuth2Config(svc, secret, redirectURI).Exchange(context.WithValue(ctx, oauth2.HTTPClient, s.httpClient()), strings.TrimSpace(code), opts...)
		if err != nil {
			return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: "code",
				Message:    fmt.Sprintf("%s did not accept the authorisation code.", svc.Name),
				Resolution: "Authorise again: codes are short-lived and work once.", Err: NewRedactor(secret, code, codeVerifier).Error(err)}
		}
		creds.RefreshToken = issued.RefreshToken
	}
	c := &hrconnect.Connection{TenantID: in.TenantID, OwnerID: in.ActorID, Name: in.Name, LinkName: in.LinkName,
		Service: svc.Key, Scopes: in.Scopes, ClientID: svc.ClientID, PerUser: in.PerUser, Status: hrconnect.StatusConnected}
	if err := s.store.CreateConnection(ctx, c, nil); err != nil {
		return nil, err
	}
	k := hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
	if in.PerUser {
		k.UserID = in.ActorID
	}
	if err := s.store.SetCredentials(ctx, k, &creds); err != nil {
		return nil, err
	}
	if issued != nil && issued.AccessToken != "" {
		lifetime := time.Hour
		if !issued.Expiry.IsZero() {
			lifetime = time.Until(issued.Expiry)
		}
		if err := s.cacheToken(ctx, k, issued.AccessToken, lifetime); err != nil {
			return nil, err
		}
	}
	s.event(ctx, c, in.ActorID, hrconnect.EventCreated, fmt.Sprintf("Connected to %s.", svc.Name))
	return c, nil
}

// Invoke calls a URL of the connection's service with its credentials
// injected, as Zoho's invokeUrl does: a URL outside the service's base URLs is
// refused, and an OAuth 2.0 token the service refuses (HTTP 401) is refreshed
// once and the call retried once. userID picks the user's own credentials on
// a per-user connection.
func (s *Service) Invoke(ctx context.Context, tenantID, connID, userID string, req *InvokeRequest) (*InvokeResponse, error) {
	c, err := s.store.Connection(ctx, tenantID, connID)
	if err != nil {
		return nil, err
	}
	svc, consumerSecret, err := s.serviceOf(ctx, c)
	if err != nil {
		return nil, err
	}
	k := hrconnect.CredentialKey{TenantID: tenantID, ConnectionID: connID}
	if c.PerUser {
		k.UserID = userID
	}
	creds, err := s.store.Credentials(ctx, k)
	if err != nil {
		if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND && c.PerUser {
			return nil, &hrconnect.Error{Code: hrconnect.ECONFLICT, Message: "You have not authorised this connection yet.", Resolution: "It uses each user's own credentials: open it and connect your account first."}
		}
		return nil, err
	}
	in := Injection{Username: creds.Username, Password: creds.Password, APIKey: creds.APIKey,
		ConsumerKey: svc.ClientID, ConsumerSecret: consumerSecret, Token: creds.OAuth1Token, TokenSecret: creds.OAuth1TokenSecret}
	if svc.AuthType == hrconnect.AuthOAuth2 {
		if in.AccessToken, err = s.tokens.AccessToken(ctx, k); err != nil {
			return nil, err
		}
	}
	resp, err := Invoke(ctx, s.httpClient(), svc, in, req)
	if err != nil || svc.AuthType != hrconnect.AuthOAuth2 || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	if in.AccessToken, err = s.tokens.Rejected(ctx, k, in.AccessToken); err != nil {
		return nil, err
	}
	return Invoke(ctx, s.httpClient(), svc, in, req)
}

// serviceOf returns the connection's service definition, with a Zoho
// service's base URL set from its data centre, and the OAuth 1.0a consumer
// secret when the service has one.
func (s *Service) serviceOf(ctx context.Context, c *hrconnect.Connection) (*hrconnect.Service, string, error) {
	if c.IsZoho() {
		def, ok := hrconnect.LookupDefaultService(c.Service)
		if !ok || s.dir == nil {
			return nil, "", hrconnect.Errorf(hrconnect.EINTERNAL, "Zoho services are not configured")
		}
		dc, err := s.dir.DC(c.DataCentre)
		if err != nil {
			return nil, "", hrconnect.Invalid("dc", "%v", err)
		}
		svc := *def
		if c.Service == hrconnect.ServiceZohoRecruit {
			svc.BaseURLs = []string{dc.RecruitURL + "/recruit/"}
		} else {
			svc.BaseURLs = []string{dc.PeopleURL + "/people/api/", dc.PeopleURL + "/api/"}
		}
		return &svc, "", nil
	}
	if s.services == nil {
		return nil, "", hrconnect.Errorf(hrconnect.EINTERNAL, "custom services are not configured")
	}
	svc, err := s.services.Service(ctx, c.TenantID, c.Service)
	if err != nil {
		return nil, "", err
	}
	var secret string
	if svc.AuthType == hrconnect.AuthOAuth1 {
		if secret, err = s.services.ServiceSecret(ctx, c.TenantID, c.Service); err != nil {
			return nil, "", err
		}
	}
	return svc, secret, nil
}

func (s *Service) httpClient() *http.Client {
	if s.client != nil {
		return s.client
	}
	return &http.Client{Timeout: DefaultTimeout}
}

// ServiceOption configures a Service.
type ServiceOption func(*Service)

// WithServices lets the service create and call custom services' connections.
func WithServices(ss hrconnect.ServiceStore) ServiceOption {
	return func(s *Service) { s.services = ss }
}

// WithDirectory sets the Zoho data centres (real or sandbox) that Invoke
// calls Zoho People and Recruit at.
func WithDirectory(d *zoho.Directory) ServiceOption { return func(s *Service) { s.dir = d } }

// WithHTTPClient sets the client for calls to custom services.
func WithHTTPClient(c *http.Client) ServiceOption { return func(s *Service) { s.client = c } }
