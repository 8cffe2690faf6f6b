package web

import (
	"net/http"
	"net/url"
	"slices"

	"hrconnect"
)

// webhookList is GET /webhooks: the tenant's webhook endpoints, and a form
// to add one (for people with Integrations Management).
func (s *Server) webhookList(w http.ResponseWriter, r *http.Request, a *actor) error {
	return s.renderWebhooks(w, r, a, http.StatusOK, nil, nil)
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, a *actor, status int, form url.Values, err error) error {
	if s.hooks == nil {
		return errNotFound
	}
	eps, lerr := s.hooks.Endpoints(r.Context(), a.Tenant.ID)
	if lerr != nil {
		return lerr
	}
	// The event boxes: all checked on a fresh form, as sent on a re-shown one.
	type eventBox struct {
		Event   hrconnect.WebhookEvent
		Checked bool
	}
	var boxes []eventBox
	for _, ev := range hrconnect.WebhookEvents {
		boxes = append(boxes, eventBox{ev, form == nil || slices.Contains(form["events"], string(ev))})
	}
	v := &view{Title: "Webhooks", Nav: "webhooks", Actor: a, Form: form,
		Data: map[string]any{"Endpoints": eps, "Events": boxes}}
	if err != nil {
		v.withError(err, "url")
	}
	s.render(w, r, status, "webhooks", v)
	return nil
}

// webhookCreate is POST /webhooks: a new endpoint, its signing secret shown
// once on a no-store page.
func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request, a *actor) error {
	if s.hooks == nil {
		return errNotFound
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	e := &hrconnect.WebhookEndpoint{TenantID: a.Tenant.ID, URL: r.PostForm.Get("url"), CreatedBy: a.User.ID}
	for _, ev := range r.PostForm["events"] {
		e.Events = append(e.Events, hrconnect.WebhookEvent(ev))
	}
	secret, err := s.hooks.CreateEndpoint(r.Context(), e)
	if err != nil {
		return s.renderWebhooks(w, r, a, formStatus(err), url.Values{"url": {e.URL}, "events": r.PostForm["events"]}, err)
	}
	s.audit(r, a, "webhook.created", e.ID, "Added the webhook endpoint "+e.URL+".")
	s.render(w, r, http.StatusOK, "webhook_created", &view{Title: "Webhook endpoint added", Nav: "webhooks", Actor: a,
		Data: map[string]any{"Secret": secret, "Endpoint": e}})
	return nil
}

// webhookDetail is GET /webhooks/{id}: an endpoint and its latest
// deliveries, each with the log of its attempts.
func (s *Server) webhookDetail(w http.ResponseWriter, r *http.Request, a *actor) error {
	if s.hooks == nil {
		return errNotFound
	}
	ctx := r.Context()
	ep, err := s.hooks.Endpoint(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	ds, err := s.hooks.Deliveries(ctx, hrconnect.WebhookDeliveryFilter{TenantID: a.Tenant.ID, EndpointID: ep.ID, Limit: 50})
	if err != nil {
		return err
	}
	type delivery struct {
		*hrconnect.WebhookDelivery
		Log []*hrconnect.WebhookAttempt
	}
	var out []delivery
	for _, d := range ds {
		log, err := s.hooks.Attempts(ctx, a.Tenant.ID, d.ID)
		if err != nil {
			return err
		}
		out = append(out, delivery{d, log})
	}
	s.render(w, r, http.StatusOK, "webhook", &view{Title: "Webhook " + ep.URL, Nav: "webhooks", Actor: a,
		Data: map[string]any{"Endpoint": ep, "Deliveries": out}})
	return nil
}

// webhookDelete is POST /webhooks/{id}/delete.
func (s *Server) webhookDelete(w http.ResponseWriter, r *http.Request, a *actor) error {
	if s.hooks == nil {
		return errNotFound
	}
	id := r.PathValue("id")
	if err := s.hooks.DeleteEndpoint(r.Context(), a.Tenant.ID, id); err != nil {
		return err
	}
	s.audit(r, a, "webhook.deleted", id, "Deleted a webhook endpoint.")
	s.flash(w, "The webhook endpoint was deleted; it receives no more events.")
	seeOther(w, r, "/webhooks")
	return nil
}
