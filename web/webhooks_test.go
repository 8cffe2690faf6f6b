package web_test

import (
	"database/sql"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/sqlstore"
	"hrconnect/web"
	"hrconnect/webhook"
)

var webhookSecretRE = regexp.MustCompile(`<code id="webhook-secret">(whsec_[0-9a-f]+)</code>`)

// The webhooks page: a plain-http URL off loopback is refused with the
// reason next to the field; a good one is added and its signing secret shown
// once, on a no-store page, never again; the endpoint's page lists its
// deliveries with their attempts; only a manager may delete it.
func TestWebhooksPage(t *testing.T) {
	t.Parallel()
	var hooks *webhook.Service
	a := newApp(t, func(d *web.Deps) {
		hooks = webhook.NewService(d.Store.(*sqlstore.DB), webhook.Config{})
		d.Webhooks = hooks
	})
	_, tenant, pa := a.user(nil, "ada@acme.test", true)
	_, _, pb := a.user(tenant, "bob@acme.test", false)
	b := a.signedIn("ada@acme.test", pa)
	b.get("/webhooks")
	wantContains(t, b.last, `href="/webhooks" aria-current="page"`, "No webhook endpoint yet.", `value="transfer.failed" checked`)

	res := b.post("/webhooks", url.Values{"url": {"http://ats.example.com/hooks"}, "events": {"transfer.failed"}})
	wantStatus(t, res, http.StatusUnprocessableEntity, b.last)
	wantContains(t, b.last, "must be an https URL", "localhost, 127.0.0.1 and [::1]", `value="http://ats.example.com/hooks"`)
	if strings.Contains(b.last, `value="transfer.succeeded" checked`) {
		t.Error("the re-shown form checks an event that was not chosen")
	}

	res = b.post("/webhooks", url.Values{"url": {"https://ats.example.com/hooks"}, "events": {"transfer.failed", "connection.recovered"}})
	wantStatus(t, res, http.StatusOK, b.last)
	if res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the secret's page is cacheable: %q", res.Header.Get("Cache-Control"))
	}
	m := webhookSecretRE.FindStringSubmatch(b.last)
	if m == nil {
		t.Fatalf("no secret shown:\n%s", clip(b.last))
	}
	a.secrets.add(m[1])

	b.get("/webhooks")
	wantContains(t, b.last, "https://ats.example.com/hooks", "<code>transfer.failed</code>, <code>connection.recovered</code>")
	if strings.Contains(b.last, m[1]) {
		t.Fatal("the list shows the secret")
	}
	id := regexp.MustCompile(`/webhooks/(whe_[a-z0-9]+)/delete`).FindStringSubmatch(b.last)
	if id == nil {
		t.Fatal("no delete button")
	}

	// A delivery as the worker records it shows on the endpoint's page.
	d := &hrconnect.WebhookDelivery{TenantID: tenant.ID, EndpointID: id[1], EventID: "evt_page", Event: hrconnect.WebhookTransferFailed, Payload: []byte(`{}`)}
	must(t, a.db.InTx(testContext(t), func(tx *sql.Tx) error { return a.db.CreateWebhookDeliveryTx(testContext(t), tx, d) }))
	d.Attempts, d.LastStatus, d.LastError = 1, 503, "The endpoint answered HTTP 503 Service Unavailable."
	must(t, a.db.RecordWebhookAttempt(testContext(t), d, &hrconnect.WebhookAttempt{StatusCode: 503, Error: d.LastError}))
	b.get("/webhooks/" + id[1])
	wantContains(t, b.last, "evt_page", "HTTP 503", "Service Unavailable", "pending")
	if strings.Contains(b.last, m[1]) {
		t.Fatal("the endpoint's page shows the secret")
	}

	bob := a.signedIn("bob@acme.test", pb)
	bob.get("/webhooks")
	if strings.Contains(bob.last, "/delete") || strings.Contains(bob.last, `action="/webhooks"`) {
		t.Error("a user without Integrations Management is offered changes")
	}
	wantStatus(t, bob.post("/webhooks/"+id[1]+"/delete", nil), http.StatusForbidden, bob.last)
	wantStatus(t, b.post("/webhooks/"+id[1]+"/delete", nil), http.StatusSeeOther, b.last)
	if eps, _ := hooks.Endpoints(testContext(t), tenant.ID); len(eps) != 0 {
		t.Fatalf("%d endpoints after deleting", len(eps))
	}
	b.get("/audit")
	wantContains(t, b.last, "webhook.created", "webhook.deleted")
}
