package api_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"hrconnect"
)

// Webhook endpoints through the API, on both dialects: created with its
// secret shown once, listed without it, refused with a clear message for a
// plain-http URL off loopback, kept to the tenant and to keys with the
// permission, their deliveries listed with payload and attempt log, and
// deleted.
func TestWebhooksAPI(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		e := newEnv(t, b)
		r := e.call("POST", "/api/v1/webhooks", e.adminKey, map[string]any{"url": "http://ats.example.com/hooks", "events": []string{"transfer.failed"}})
		p := e.problem(r, http.StatusUnprocessableEntity, "url")
		if !strings.Contains(p.Detail, "must be an https URL") || !strings.Contains(p.Detail, "localhost, 127.0.0.1 and [::1]") {
			t.Fatalf("problem for an http URL: %+v", p)
		}
		e.problem(e.call("POST", "/api/v1/webhooks", e.adminKey, map[string]any{"url": "https://ats.example.com/hooks", "events": []string{"hire.done"}}), http.StatusUnprocessableEntity, "events")
		e.want(e.call("POST", "/api/v1/webhooks", e.readKey, map[string]any{"url": "https://ats.example.com/hooks", "events": []string{"transfer.failed"}}), http.StatusForbidden)

		r = e.call("POST", "/api/v1/webhooks", e.adminKey, map[string]any{"url": "https://ats.example.com/hooks", "events": []string{"transfer.failed", "connection.recovered"}})
		var created struct {
			Webhook struct {
				ID     string   `json:"id"`
				URL    string   `json:"url"`
				Events []string `json:"events"`
			} `json:"webhook"`
			Secret string `json:"secret"`
		}
		e.want(r, http.StatusCreated).decode(t, &created)
		e.secret(created.Secret)
		e.allowLast(created.Secret)
		if !strings.HasPrefix(created.Secret, "whsec_") || created.Webhook.URL != "https://ats.example.com/hooks" || len(created.Webhook.Events) != 2 {
			t.Fatalf("created: %+v", created)
		}
		if s, err := e.db.WebhookSecret(e.ctx, e.tenant.ID, created.Webhook.ID); err != nil || s != created.Secret {
			t.Fatalf("stored secret: %v", err)
		}
		var list struct {
			Webhooks []struct {
				ID string `json:"id"`
			} `json:"webhooks"`
		}
		e.want(e.call("GET", "/api/v1/webhooks", e.adminKey, nil), http.StatusOK).decode(t, &list)
		if len(list.Webhooks) != 1 || list.Webhooks[0].ID != created.Webhook.ID {
			t.Fatalf("list: %+v", list)
		}
		e.want(e.call("GET", "/api/v1/webhooks", e.otherKey, nil), http.StatusOK).decode(t, &list)
		if len(list.Webhooks) != 0 {
			t.Fatalf("another tenant lists %d endpoints", len(list.Webhooks))
		}
		e.want(e.call("DELETE", "/api/v1/webhooks/"+created.Webhook.ID, e.otherKey, nil), http.StatusNotFound)
		e.want(e.call("GET", "/api/v1/webhooks/"+created.Webhook.ID+"/deliveries", e.otherKey, nil), http.StatusNotFound)

		// A delivery with two attempts, as the worker records them.
		d := &hrconnect.WebhookDelivery{TenantID: e.tenant.ID, EndpointID: created.Webhook.ID, EventID: "evt_x", Event: hrconnect.WebhookTransferFailed,
			Payload: []byte(`{"id":"evt_x","type":"transfer.failed","data":{"transfer_id":"trf_1"}}`)}
		must(t, e.db.InTx(e.ctx, func(tx *sql.Tx) error { return e.db.CreateWebhookDeliveryTx(e.ctx, tx, d) }))
		d.Attempts, d.LastStatus, d.LastError = 1, 502, "The endpoint answered HTTP 502 Bad Gateway."
		must(t, e.db.RecordWebhookAttempt(e.ctx, d, &hrconnect.WebhookAttempt{StatusCode: 502, Error: d.LastError}))
		var ds struct {
			Deliveries []struct {
				EventID string          `json:"event_id"`
				State   string          `json:"state"`
				Payload json.RawMessage `json:"payload"`
				Log     []struct {
					StatusCode int    `json:"status_code"`
					Error      string `json:"error"`
				} `json:"log"`
			} `json:"deliveries"`
		}
		e.want(e.call("GET", "/api/v1/webhooks/"+created.Webhook.ID+"/deliveries?limit=5", e.adminKey, nil), http.StatusOK).decode(t, &ds)
		if len(ds.Deliveries) != 1 || ds.Deliveries[0].EventID != "evt_x" || ds.Deliveries[0].State != "pending" ||
			string(ds.Deliveries[0].Payload) != string(d.Payload) || len(ds.Deliveries[0].Log) != 1 || ds.Deliveries[0].Log[0].StatusCode != 502 {
			t.Fatalf("deliveries: %+v", ds)
		}
		e.problem(e.call("GET", "/api/v1/webhooks/"+created.Webhook.ID+"/deliveries?limit=0", e.adminKey, nil), http.StatusUnprocessableEntity, "limit")

		e.want(e.call("DELETE", "/api/v1/webhooks/"+created.Webhook.ID, e.adminKey, nil), http.StatusNoContent)
		e.want(e.call("DELETE", "/api/v1/webhooks/"+created.Webhook.ID, e.adminKey, nil), http.StatusNotFound)
	})
}
