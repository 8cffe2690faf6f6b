// Package api is hrconnect's REST API, version 1: what the web pages can do
// with services, connections, API keys and the audit log, and the ATS side
// of onboarding (workflows, job posts, applicants, applications, transfers
// and field mappings), for programs such as the ATS itself.
//
// The handler serves full paths, /api/v1/…, so that the paths in the
// OpenAPI document (openapi.json, served at /api/v1/openapi.json) are the
// paths on the wire; mount it as it is, without http.StripPrefix:
//
//	mux.Handle("/api/v1/", api.New(deps))
//
// Every call but the OpenAPI document needs a tenant's API key, sent as
// "Authorization: Bearer hrc_…"; every query is scoped to that key's tenant,
// so another tenant's things are simply not found. Errors are RFC 9457
// problem details (application/problem+json) whose status comes from the
// hrconnect error code, in one place (problem.go). Routes are declared once,
// in routes.go; the same table registers them and lets the tests hold the
// OpenAPI document to what is served. docs/api.md is the guide.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/onboard"
	"hrconnect/webhook"
	"hrconnect/zoho"
)

// Store is what the API reads and writes: connections, custom services, API
// keys and the audit log. *sqlstore.DB implements it. It names only the
// methods the API uses, rather than all of hrconnect.AuthStore, so the API
// does not depend on the signing-in half it never calls.
type Store interface {
	hrconnect.ConnectionStore
	hrconnect.ServiceStore
	KeyStore

	// APIKeyByHash returns the key with this SHA-256 hash and records its
	// use; ENOTFOUND when none.
	APIKeyByHash(ctx context.Context, hash []byte) (*hrconnect.APIKey, error)
	// APIKeys lists a tenant's keys.
	APIKeys(ctx context.Context, tenantID string) ([]*hrconnect.APIKey, error)
	// DeleteAPIKey removes a tenant's key; ENOTFOUND when none.
	DeleteAPIKey(ctx context.Context, tenantID, id string) error
	// AddAudit appends to a tenant's audit log.
	AddAudit(ctx context.Context, e *hrconnect.AuditEntry) error
	// Audit returns a tenant's audit log, newest first, at most limit entries.
	Audit(ctx context.Context, tenantID string, limit int) ([]*hrconnect.AuditEntry, error)
}

// KeyStore stores new API keys; IssueKey needs nothing else.
type KeyStore interface {
	// CreateAPIKey stores a key's hash with its description.
	CreateAPIKey(ctx context.Context, k *hrconnect.APIKey, hash []byte) error
}

// Deps are what the API needs.
type Deps struct {
	// Store is the database (a *sqlstore.DB).
	Store Store
	// Connections creates, reconnects, checks, invokes and deletes
	// connections; it must have been built with connect.WithServices (for
	// custom services) and connect.WithDirectory (to invoke Zoho services).
	Connections *connect.Service
	// Directory is the set of Zoho data centres (real or sandbox) that
	// connections to the default services can choose, listed with those
	// services; nil means Zoho's real ones.
	Directory *zoho.Directory
	// Onboard is the onboarding service: workflows, job posts, applicants,
	// applications, transfers, field mappings and imports of candidates from
	// Zoho Recruit. Nil leaves those routes answering 503.
	Onboard *onboard.Service
	// Logger receives one line per request and every internal error; nil
	// discards them. Secrets are never logged.
	Logger *slog.Logger
	// Now is the clock of audit entries; nil means time.Now.
	Now func() time.Time
	// Webhooks manages the tenant's webhook endpoints and their delivery
	// logs; nil answers the webhook routes with an internal error.
	Webhooks *webhook.Service
}

// server is the API's state, shared by every request.
type server struct {
	store   Store
	conns   *connect.Service
	onboard *onboard.Service
	dir     *zoho.Directory
	log     *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux
	hooks   *webhook.Service
}

// New returns the API's handler, serving /api/v1/… (full paths: see the
// package documentation).
func New(d Deps) http.Handler {
	s := &server{store: d.Store, conns: d.Connections, onboard: d.Onboard, dir: d.Directory, log: d.Logger, now: d.Now}
	s.hooks = d.Webhooks
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.dir == nil {
		s.dir = zoho.Real()
	}
	s.mux = http.NewServeMux()
	for _, rt := range routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	// Anything else under the prefix gets a problem, not the mux's text:
	// 405 for a known path with another method, 404 otherwise.
	s.mux.Handle(Prefix+"/", s.wrap(route{Public: true, handle: (*server).notFound}))
	return s.mux
}

// Prefix is the path every route of the API starts with.
const Prefix = "/api/v1"
