package hrconnect

import (
	"context"
	"time"
)

// ConnectionStatus is where a connection stands with its service.
type ConnectionStatus string

const (
	// StatusConnected: the credentials work (or have not failed yet).
	StatusConnected ConnectionStatus = "connected"
	// StatusNeedsReconnect: the service refused the stored credentials (a
	// revoked or replaced refresh token, a changed client secret); a person must
	// authorise again. Work for the connection is parked, not failed.
	StatusNeedsReconnect ConnectionStatus = "needs_reconnect"
	// StatusDisconnected: a person disconnected it; its secrets are erased.
	StatusDisconnected ConnectionStatus = "disconnected"
)

// Connection is a named, authorised link to one account of a service: for
// Zoho, a data centre and a client whose refresh token hrconnect keeps. Its
// secrets are held apart, in Credentials, and only ever stored encrypted.
type Connection struct {
	ID       string
	TenantID string
	// OwnerID is the user who created the connection.
	OwnerID string
	// Name is what people call it; LinkName is its unique, stable handle in the
	// tenant (lower case, digits and underscores), used by the API and by invoke.
	Name     string
	LinkName string
	// Service is the key of the service it connects to: ServiceZohoPeople,
	// ServiceZohoRecruit, or a custom service's key.
	Service string
	Scopes  []string
	// DataCentre is the Zoho data centre's location code ("us", "eu", ...);
	// empty for services that are not Zoho's.
	DataCentre string
	// ClientID is the OAuth client's ID (not a secret: it is shown to people).
	ClientID string
	// PerUser is Zoho's "use credentials of login user": each user authorises
	// their own copy; otherwise everyone uses the owner's credentials.
	PerUser bool

	Status ConnectionStatus
	// LastError, LastResolution and LastErrorAt describe the latest failure in
	// words a person can act on; empty once it recovers.
	LastError      string
	LastResolution string
	LastErrorAt    time.Time
	// LastRefreshAt is when an access token was last obtained.
	LastRefreshAt time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Default services.
const (
	ServiceZohoPeople  = "zoho_people"
	ServiceZohoRecruit = "zoho_recruit"
)

// IsZoho reports whether the connection is to one of Zoho's default services.
func (c *Connection) IsZoho() bool {
	return c.Service == ServiceZohoPeople || c.Service == ServiceZohoRecruit
}

// CredentialKey names one set of credentials: a connection's owner
// credentials (UserID empty), or one user's own copy of a per-user connection.
type CredentialKey struct {
	TenantID     string
	ConnectionID string
	UserID       string
}

// Credentials are the secrets of one CredentialKey. They exist in plaintext
// only in memory; stores encrypt every field, bound to the key.
type Credentials struct {
	ClientSecret string
	RefreshToken string
	// APIKey, Username and Password are for custom services (API key, Basic).
	APIKey   string
	Username string
	Password string
	// OAuth1Token and OAuth1TokenSecret are an OAuth 1.0a access token.
	OAuth1Token       string
	OAuth1TokenSecret string
}

// Token is the cached OAuth 2.0 access token of one CredentialKey, and the
// record of recent refreshes that keeps the connection inside the provider's
// limits (Zoho: at most 10 access tokens from one refresh token in 10 minutes).
type Token struct {
	AccessToken string
	Expiry      time.Time
	// Refreshes are the times of recent refreshes, newest last, for the budget.
	Refreshes []time.Time
	// Generation increases with every refresh; it lets a caller that saw a
	// token rejected tell whether someone has refreshed since.
	Generation int64
	// Refused, when set, is why the provider refused the credentials (a revoked
	// refresh token, a changed client secret). No refresh is tried again until
	// the credentials are replaced, which drops this token: that is what keeps a
	// revoked connection from causing a storm of refreshes.
	Refused string
}

// Valid reports whether the token can still be used at now with margin to spare.
func (t *Token) Valid(now time.Time, margin time.Duration) bool {
	return t != nil && t.AccessToken != "" && now.Add(margin).Before(t.Expiry)
}

// EventKind is what happened to a connection, for its history and the audit log.
type EventKind string

const (
	EventCreated        EventKind = "created"
	EventUpdated        EventKind = "updated"
	EventAuthorized     EventKind = "authorized"
	EventRefreshed      EventKind = "refreshed"
	EventRefreshFailed  EventKind = "refresh_failed"
	EventNeedsReconnect EventKind = "needs_reconnect"
	EventRecovered      EventKind = "recovered"
	EventChecked        EventKind = "checked"
	EventRevoked        EventKind = "revoked"
	EventDeleted        EventKind = "deleted"
)

// ConnectionEvent is one entry of a connection's history.
type ConnectionEvent struct {
	ID           int64
	TenantID     string
	ConnectionID string
	// ActorID is the user who acted, empty for hrconnect itself.
	ActorID string
	Kind    EventKind
	Message string
	At      time.Time
}

// ConnectionFilter selects connections. Zero fields match everything.
type ConnectionFilter struct {
	TenantID string // required: no query crosses tenants
	Service  string
	Status   ConnectionStatus
	OwnerID  string
	// AuthorizedBy selects connections for which this user holds credentials
	// of their own (per-user connections they authorised: "shared" ones).
	AuthorizedBy string
}

// ConnectionStore persists connections, their encrypted credentials, their
// cached tokens and their history. Implementations: sqlstore on SQLite and
// PostgreSQL, both held to one conformance suite.
type ConnectionStore interface {
	// CreateConnection inserts c (assigning ID and times) and, when creds is
	// not nil, its owner credentials, in one transaction. A LinkName already
	// used in the tenant is ECONFLICT.
	CreateConnection(ctx context.Context, c *Connection, creds *Credentials) error
	// Connection returns one connection of the tenant, or ENOTFOUND.
	Connection(ctx context.Context, tenantID, id string) (*Connection, error)
	// ConnectionByLinkName returns one connection of the tenant by link name, or ENOTFOUND.
	ConnectionByLinkName(ctx context.Context, tenantID, linkName string) (*Connection, error)
	// Connections lists the connections the filter selects, by name.
	Connections(ctx context.Context, f ConnectionFilter) ([]*Connection, error)
	// UpdateConnection saves c's name, scopes, client ID, status and last
	// error/refresh fields.
	UpdateConnection(ctx context.Context, c *Connection) error
	// DeleteConnection removes the connection, its credentials and its token.
	// Its events stay, for the audit trail.
	DeleteConnection(ctx context.Context, tenantID, id string) error

	// Credentials returns the decrypted credentials of k, or ENOTFOUND.
	Credentials(ctx context.Context, k CredentialKey) (*Credentials, error)
	// SetCredentials stores (replacing) the credentials of k, encrypted, and
	// drops k's cached token, which belonged to the old credentials.
	SetCredentials(ctx context.Context, k CredentialKey, creds *Credentials) error

	// CachedToken returns k's cached token without locking; nil when none.
	CachedToken(ctx context.Context, k CredentialKey) (*Token, error)
	// LockToken runs fn while holding k's token lock, across every process
	// sharing the database, with the token as stored at that moment (nil when
	// none). When fn returns a token, it is stored before the lock is
	// released; LockToken then returns the stored token: fn's, or the current
	// one when fn returned nil. When fn returns an error, nothing is stored and
	// LockToken returns that error. Only one fn runs per key at a time, so a
	// refresh done in fn is the only one. fn must not call the store.
	LockToken(ctx context.Context, k CredentialKey, fn func(current *Token) (*Token, error)) (*Token, error)

	// AddEvent appends an event to a connection's history.
	AddEvent(ctx context.Context, e *ConnectionEvent) error
	// Events returns a connection's history, newest first, at most limit.
	Events(ctx context.Context, tenantID, connectionID string, limit int) ([]*ConnectionEvent, error)
}

// TenantStore persists tenants and their users.
type TenantStore interface {
	CreateTenant(ctx context.Context, t *Tenant) error
	Tenant(ctx context.Context, id string) (*Tenant, error)
	// Tenants lists every tenant, for hrconnect's own work across them
	// (the daily connection check); never for serving a person.
	Tenants(ctx context.Context) ([]*Tenant, error)
	CreateUser(ctx context.Context, u *User) error
	User(ctx context.Context, tenantID, id string) (*User, error)
}
