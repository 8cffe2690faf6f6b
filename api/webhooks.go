package api

import (
	"encoding/json"
	"net/http"
	"time"

	"hrconnect"
)

// webhookJSON is an endpoint as the API shows it; its signing secret is
// only in the reply that creates it.
type webhookJSON struct {
	ID        string                   `json:"id"`
	URL       string                   `json:"url"`
	Events    []hrconnect.WebhookEvent `json:"events"`
	Enabled   bool                     `json:"enabled"`
	CreatedBy string                   `json:"created_by,omitempty"`
	CreatedAt time.Time                `json:"created_at"`
}

func toWebhookJSON(e *hrconnect.WebhookEndpoint) webhookJSON {
	return webhookJSON{ID: e.ID, URL: e.URL, Events: nonNil(e.Events), Enabled: e.Enabled, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt}
}

// webhooksConfigured returns an error when the server has no webhook
// service (Deps.Webhooks).
func (s *server) webhooksConfigured() error {
	if s.hooks == nil {
		return hrconnect.Errorf(hrconnect.EINTERNAL, "webhooks are not configured on this server")
	}
	return nil
}

func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.webhooksConfigured(); err != nil {
		return err
	}
	eps, err := s.hooks.Endpoints(r.Context(), p.tenant())
	if err != nil {
		return err
	}
	out := []webhookJSON{}
	for _, e := range eps {
		out = append(out, toWebhookJSON(e))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

type createWebhookRequest struct {
	URL    string                   `json:"url"`
	Events []hrconnect.WebhookEvent `json:"events"`
}

// createWebhookReply carries the signing secret, in this reply only.
type createWebhookReply struct {
	Webhook webhookJSON `json:"webhook"`
	Secret  string      `json:"secret"`
}

func (s *server) createWebhook(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.webhooksConfigured(); err != nil {
		return err
	}
	var in createWebhookRequest
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	e := &hrconnect.WebhookEndpoint{TenantID: p.tenant(), URL: in.URL, Events: in.Events, CreatedBy: p.user()}
	secret, err := s.hooks.CreateEndpoint(r.Context(), e)
	if err != nil {
		return err
	}
	s.audit(r, p.audit("webhook.created", e.ID, e.URL))
	return writeJSON(w, http.StatusCreated, createWebhookReply{Webhook: toWebhookJSON(e), Secret: secret})
}

func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.webhooksConfigured(); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.hooks.DeleteEndpoint(r.Context(), p.tenant(), id); err != nil {
		return err
	}
	s.audit(r, p.audit("webhook.deleted", id, ""))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// webhookDeliveryJSON is one event's delivery to the endpoint, with the
// payload sent and the log of its attempts.
type webhookDeliveryJSON struct {
	ID          string                         `json:"id"`
	EventID     string                         `json:"event_id"`
	Event       hrconnect.WebhookEvent         `json:"event"`
	State       hrconnect.WebhookDeliveryState `json:"state"`
	Attempts    int                            `json:"attempts"`
	LastStatus  int                            `json:"last_status,omitempty"`
	LastError   string                         `json:"last_error,omitempty"`
	Payload     json.RawMessage                `json:"payload"`
	Log         []webhookAttemptJSON           `json:"log"`
	CreatedAt   time.Time                      `json:"created_at"`
	UpdatedAt   time.Time                      `json:"updated_at"`
	DeliveredAt *time.Time                     `json:"delivered_at,omitempty"`
}

type webhookAttemptJSON struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

func (s *server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, p *principal) error {
	if err := s.webhooksConfigured(); err != nil {
		return err
	}
	limit, err := limitParam(r, 20, 100)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ep, err := s.hooks.Endpoint(ctx, p.tenant(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ds, err := s.hooks.Deliveries(ctx, hrconnect.WebhookDeliveryFilter{TenantID: p.tenant(), EndpointID: ep.ID, Limit: limit})
	if err != nil {
		return err
	}
	out := []webhookDeliveryJSON{}
	for _, d := range ds {
		log, err := s.hooks.Attempts(ctx, p.tenant(), d.ID)
		if err != nil {
			return err
		}
		dj := webhookDeliveryJSON{ID: d.ID, EventID: d.EventID, Event: d.Event, State: d.State, Attempts: d.Attempts,
			LastStatus: d.LastStatus, LastError: d.LastError, Payload: json.RawMessage(d.Payload), Log: []webhookAttemptJSON{},
			CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, DeliveredAt: timePtr(d.DeliveredAt)}
		for _, a := range log {
			dj.Log = append(dj.Log, webhookAttemptJSON{At: a.At, StatusCode: a.StatusCode, Error: a.Error, DurationMS: a.Duration.Milliseconds()})
		}
		out = append(out, dj)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}
