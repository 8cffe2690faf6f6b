package hrconnect

import (
	"context"
	"time"
)

// Session is a signed-in browser. Its ID is the hash of the cookie's token;
// the token itself is never stored.
type Session struct {
	ID        string
	TenantID  string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// APIKey lets the ATS call the REST API for one tenant. Only a hash of the key
// is stored; the key is shown once, when it is created.
type APIKey struct {
	ID       string
	TenantID string
	Name     string
	// Prefix is the key's first characters, to tell keys apart in lists.
	Prefix    string
	CreatedBy string
	// Permissions are what the key may do, like a user's.
	Permissions []Permission
	CreatedAt   time.Time
	LastUsedAt  time.Time
}

// Can reports whether the key holds permission p.
func (k *APIKey) Can(p Permission) bool {
	for _, q := range k.Permissions {
		if q == p {
			return true
		}
	}
	return false
}

// AuditEntry records who did what to which thing, and when.
type AuditEntry struct {
	ID       int64
	TenantID string
	// ActorID is a user's or API key's ID; empty for hrconnect itself.
	ActorID   string
	ActorName string
	// Action is what happened, such as "connection.created",
	// "connection.reconnected", "connection.deleted", "api_key.created".
	Action string
	// Target is the ID of the thing acted on.
	Target string
	Detail string
	At     time.Time
}

// PendingAuthorization is a "Connect with Zoho" redirect in progress: what the
// callback needs, under a single-use state bound to the browser session. The
// client secret and PKCE verifier are stored encrypted.
type PendingAuthorization struct {
	State        string // the hash of the state parameter sent to Zoho
	SessionID    string
	TenantID     string
	UserID       string
	Service      string
	Name         string
	DataCentre   string
	ClientID     string
	ClientSecret string
	CodeVerifier string
	Scopes       []string
	// ConnectionID is set when the redirect reconnects an existing connection.
	ConnectionID string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// AuthStore persists what signing in and the REST API need: passwords,
// sessions, API keys, the audit log and pending authorisations.
type AuthStore interface {
	// TenantCount returns how many tenants exist (zero means first-run setup).
	TenantCount(ctx context.Context) (int, error)
	// UserByEmail finds a user by email (unique across tenants, case
	// insensitive) with their password hash; ENOTFOUND when none.
	UserByEmail(ctx context.Context, email string) (*User, string, error)
	// SetPassword stores a user's password hash.
	SetPassword(ctx context.Context, tenantID, userID, hash string) error
	// Users lists a tenant's users by email.
	Users(ctx context.Context, tenantID string) ([]*User, error)
	// UpdateUser saves a user's name and permissions.
	UpdateUser(ctx context.Context, u *User) error

	CreateSession(ctx context.Context, s *Session) error
	// Session returns a live session by ID; ENOTFOUND when unknown or expired.
	Session(ctx context.Context, id string) (*Session, error)
	DeleteSession(ctx context.Context, id string) error

	// CreateAPIKey stores a key's hash with its description.
	CreateAPIKey(ctx context.Context, k *APIKey, hash []byte) error
	// APIKeyByHash returns the key with this hash and records its use; ENOTFOUND when none.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	APIKeys(ctx context.Context, tenantID string) ([]*APIKey, error)
	DeleteAPIKey(ctx context.Context, tenantID, id string) error

	AddAudit(ctx context.Context, e *AuditEntry) error
	// Audit returns a tenant's audit log, newest first, at most limit entries.
	Audit(ctx context.Context, tenantID string, limit int) ([]*AuditEntry, error)

	// CreatePendingAuthorization stores p, sealing its secrets.
	CreatePendingAuthorization(ctx context.Context, p *PendingAuthorization) error
	// TakePendingAuthorization returns and deletes the pending authorisation
	// with this state hash, in one step, so a state works once; ENOTFOUND when
	// unknown, used or expired.
	TakePendingAuthorization(ctx context.Context, state string) (*PendingAuthorization, error)
}
