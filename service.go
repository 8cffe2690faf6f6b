package hrconnect

import (
	"context"
	"time"
)

// AuthType is how a service authenticates its callers.
type AuthType string

const (
	AuthBasic  AuthType = "basic"   // user name and password
	AuthAPIKey AuthType = "api_key" // one key, sent under ParamName
	AuthOAuth1 AuthType = "oauth1"  // OAuth 1.0a, HMAC-SHA1 signed requests
	AuthOAuth2 AuthType = "oauth2"  // OAuth 2.0 bearer tokens, refreshed
)

// ParamType is where a service expects its credentials (and, for OAuth 2.0,
// its access token): Zoho Connections' "Param Type".
type ParamType string

const (
	ParamQuery  ParamType = "query"  // in the URL's query string
	ParamForm   ParamType = "form"   // in an application/x-www-form-urlencoded body
	ParamHeader ParamType = "header" // in a request header
)

// Service is something a connection can be made to: one of the default
// services (Zoho People, Zoho Recruit) or a custom service a tenant defines,
// as in Zoho's Connections (seed 003).
type Service struct {
	// Key is the service's unique handle: ServiceZohoPeople, ServiceZohoRecruit,
	// or, for a custom service, a tenant-unique lower-case name.
	Key      string
	TenantID string // empty for default services
	Name     string
	AuthType AuthType
	// ParamType says where credentials go; ParamName names the query
	// parameter, form field or header that carries them (API key: e.g.
	// "X-API-Key" or "api_key"; OAuth 2.0: "Authorization" by default, with
	// TokenPrefix "Bearer ").
	ParamType   ParamType
	ParamName   string
	TokenPrefix string
	// BaseURLs are the only URL prefixes a call through a connection may go
	// to; credentials are never sent anywhere else.
	BaseURLs []string

	// OAuth 2.0
	AuthorizeURL   string
	TokenURL       string
	RefreshURL     string // defaults to TokenURL
	RevokeURL      string
	Scopes         []string
	ScopeDelimiter string // " " by default; Zoho uses ","
	// OAuth 1.0a
	RequestTokenURL string
	AccessTokenURL  string
	// ClientID is the OAuth consumer key / client ID of the app registered with
	// the service. Its secret is held encrypted, apart from the definition.
	ClientID string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// ServiceStore persists custom services. Default services are built in.
type ServiceStore interface {
	// CreateService inserts a custom service with its client secret (may be
	// empty), encrypted. A key already used in the tenant is ECONFLICT.
	CreateService(ctx context.Context, s *Service, clientSecret string) error
	// Service returns a tenant's custom service by key, or ENOTFOUND.
	Service(ctx context.Context, tenantID, key string) (*Service, error)
	// ServiceSecret returns a custom service's decrypted client secret.
	ServiceSecret(ctx context.Context, tenantID, key string) (string, error)
	// Services lists a tenant's custom services by name.
	Services(ctx context.Context, tenantID string) ([]*Service, error)
	// DeleteService removes a custom service; ECONFLICT while connections use it.
	DeleteService(ctx context.Context, tenantID, key string) error
}
