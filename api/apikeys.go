package api

import (
	_ "embed"
	"net/http"
	"time"

	"hrconnect"
)

// apiKeyJSON describes a key; the key itself is never in it.
type apiKeyJSON struct {
	ID          string                 `json:"id"`
	Name        string                 `json:"name"`
	Prefix      string                 `json:"prefix"`
	Permissions []hrconnect.Permission `json:"permissions"`
	CreatedBy   string                 `json:"created_by,omitempty"`
	CreatedAt   time.Time              `json:"created_at"`
	LastUsedAt  *time.Time             `json:"last_used_at,omitempty"`
}

func toAPIKeyJSON(k *hrconnect.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Permissions: nonNil(k.Permissions), CreatedBy: k.CreatedBy,
		CreatedAt: k.CreatedAt, LastUsedAt: timePtr(k.LastUsedAt)}
}

func (s *server) listAPIKeys(w http.ResponseWriter, r *http.Request, p *principal) error {
	keys, err := s.store.APIKeys(r.Context(), p.tenant())
	if err != nil {
		return err
	}
	out := []apiKeyJSON{}
	for _, k := range keys {
		out = append(out, toAPIKeyJSON(k))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"api_keys": out})
}

type createAPIKeyRequest struct {
	Name        string                 `json:"name"`
	Permissions []hrconnect.Permission `json:"permissions"`
}

// createAPIKeyReply carries the new key, in this reply only.
type createAPIKeyReply struct {
	APIKey apiKeyJSON `json:"api_key"`
	Key    string     `json:"key"`
}

func (s *server) createAPIKey(w http.ResponseWriter, r *http.Request, p *principal) error {
	var in createAPIKeyRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	// A key made by a key acts for the same user as its maker.
	k := &hrconnect.APIKey{TenantID: p.tenant(), Name: in.Name, Permissions: in.Permissions, CreatedBy: p.user()}
	key, err := IssueKey(r.Context(), s.store, k)
	if err != nil {
		return err
	}
	s.audit(r, p.audit("api_key.created", k.ID, k.Name))
	return writeJSON(w, http.StatusCreated, createAPIKeyReply{APIKey: toAPIKeyJSON(k), Key: key})
}

func (s *server) deleteAPIKey(w http.ResponseWriter, r *http.Request, p *principal) error {
	id := r.PathValue("id")
	if err := s.store.DeleteAPIKey(r.Context(), p.tenant(), id); err != nil {
		return err
	}
	s.audit(r, p.audit("api_key.deleted", id, ""))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// auditJSON is one entry of the audit log.
type auditJSON struct {
	ID        int64     `json:"id"`
	ActorID   string    `json:"actor_id,omitempty"`
	ActorName string    `json:"actor_name,omitempty"`
	Action    string    `json:"action"`
	Target    string    `json:"target,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	At        time.Time `json:"at"`
}

func (s *server) listAudit(w http.ResponseWriter, r *http.Request, p *principal) error {
	limit, err := limitParam(r, 100, 1000)
	if err != nil {
		return err
	}
	entries, err := s.store.Audit(r.Context(), p.tenant(), limit)
	if err != nil {
		return err
	}
	out := []auditJSON{}
	for _, e := range entries {
		out = append(out, auditJSON{ID: e.ID, ActorID: e.ActorID, ActorName: e.ActorName, Action: e.Action, Target: e.Target, Detail: e.Detail, At: e.At})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// openAPIDocument is the API's OpenAPI 3.1 description, kept true by the
// tests (openapi_test.go).
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the API's OpenAPI 3.1 document (JSON).
func OpenAPI() []byte { return append([]byte(nil), openAPIDocument...) }

func (s *server) openAPI(w http.ResponseWriter, r *http.Request, _ *principal) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDocument)
	return nil
}
