package webhook_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hrconnect"
	"hrconnect/sqlstore"
	"hrconnect/webhook"
)

// A transfer that succeeds and one that fails each reach the subscribed
// endpoint once, as a signed POST whose body and headers are as documented:
// the event ID in the header and the body, the type, the timestamp, and the
// transfer's data; the failed one carries the error and its resolution.
func TestTransferEvents(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t))
		r := newReceiver(t, nil)
		ep := e.endpoint(r, hrconnect.WebhookTransferSucceeded, hrconnect.WebhookTransferFailed)

		ok := e.waitTransfer(e.hire(1))
		// A field Zoho does not know: Zoho refuses the record, and the
		// transfer fails with its message and a resolution.
		m := hrconnect.DefaultFieldMapping(e.tenant.ID, e.conn.ID)
		m.Fields = append(m.Fields, hrconnect.FieldMap{Target: "Shirt_Size", Value: "M"})
		must(t, e.db.SetFieldMapping(e.ctx, m))
		bad := e.waitTransfer(e.hire(2))
		if ok.State != hrconnect.TransferSucceeded || bad.State != hrconnect.TransferFailed {
			t.Fatalf("transfers: %s, %s", ok.State, bad.State)
		}

		succ := r.waitRequests(1, 20*time.Second, ofType(hrconnect.WebhookTransferSucceeded))[0]
		fail := r.waitRequests(1, 20*time.Second, ofType(hrconnect.WebhookTransferFailed))[0]
		for _, q := range []request{succ, fail} {
			if !q.verified {
				t.Errorf("%s: the signature %q does not verify with the endpoint's secret", q.event["type"], q.header.Get("Hrconnect-Signature"))
			}
			if id := q.header.Get("Hrconnect-Event-Id"); !strings.HasPrefix(id, "evt_") || q.event["id"] != id {
				t.Errorf("event ID header %q, body %v", id, q.event["id"])
			}
			if q.header.Get("Hrconnect-Event") != q.event["type"] || q.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers: %v", q.header)
			}
			if d := time.Since(unix(q.header.Get("Hrconnect-Timestamp"))); d < -time.Minute || d > time.Minute {
				t.Errorf("timestamp %s is %s from now", q.header.Get("Hrconnect-Timestamp"), d)
			}
			if q.event["tenant_id"] != e.tenant.ID || q.event["created_at"] == nil {
				t.Errorf("event: %v", q.event)
			}
			if !webhook.Verify(mustSecret(t, e, ep), q.header.Get("Hrconnect-Timestamp"), q.header.Get("Hrconnect-Signature"), q.body, time.Now(), 5*time.Minute) {
				t.Error("webhook.Verify refuses a genuine request")
			}
		}
		d := data(succ)
		want := map[string]any{"transfer_id": ok.ID, "state": "succeeded", "applicant_id": "A00001", "application_id": ok.ApplicationID,
			"connection_id": e.conn.ID, "zoho_record_id": ok.ZohoRecordID}
		for k, v := range want {
			if d[k] != v {
				t.Errorf("transfer.succeeded data.%s = %v, want %v", k, d[k], v)
			}
		}
		if ok.ZohoRecordID == "" || d["error"] != nil {
			t.Errorf("succeeded data: %v", d)
		}
		d = data(fail)
		if d["transfer_id"] != bad.ID || d["state"] != "failed" || d["applicant_id"] != "A00002" || d["zoho_record_id"] != nil ||
			d["error"] != bad.LastError || !strings.Contains(bad.LastError, "Shirt_Size") || bad.Resolution == "" || d["resolution"] != bad.Resolution {
			t.Errorf("transfer.failed data: %v (transfer: %q / %q)", d, bad.LastError, bad.Resolution)
		}

		// Exactly one request each, and the log says delivered at the first
		// attempt with status 200.
		time.Sleep(200 * time.Millisecond)
		if n := len(r.requests()); n != 2 {
			t.Fatalf("the receiver got %d requests, want 2", n)
		}
		ds, err := e.hooks.Deliveries(e.ctx, hrconnect.WebhookDeliveryFilter{TenantID: e.tenant.ID, EndpointID: ep.ID})
		must(t, err)
		if len(ds) != 2 {
			t.Fatalf("%d deliveries, want 2", len(ds))
		}
		for _, dl := range ds {
			if dl.State != hrconnect.WebhookDelivered || dl.Attempts != 1 || dl.LastStatus != 200 || dl.DeliveredAt.IsZero() {
				t.Errorf("delivery %s: %s, %d attempts, status %d", dl.ID, dl.State, dl.Attempts, dl.LastStatus)
			}
		}
	})
}

func mustSecret(t *testing.T, e *env, ep *hrconnect.WebhookEndpoint) string {
	s, err := e.db.WebhookSecret(e.ctx, e.tenant.ID, ep.ID)
	must(t, err)
	return s
}

// A receiver that answers 500 twice and then 200 gets the same event three
// times, same ID and same body, each signed anew; the delivery's log has
// the three attempts with their statuses.
func TestFailedDeliveryIsRetried(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t))
		r := newReceiver(t, func(n int) int {
			if n <= 2 {
				return 500
			}
			return 200
		})
		ep := e.endpoint(r, hrconnect.WebhookTransferSucceeded)
		e.waitTransfer(e.hire(1))
		got := r.waitRequests(3, 20*time.Second, nil)
		for i, q := range got {
			if !q.verified {
				t.Errorf("request %d: signature does not verify", i+1)
			}
			if q.header.Get("Hrconnect-Event-Id") != got[0].header.Get("Hrconnect-Event-Id") || !bytes.Equal(q.body, got[0].body) {
				t.Errorf("request %d: event %s, want the first's %s with the same body", i+1, q.header.Get("Hrconnect-Event-Id"), got[0].header.Get("Hrconnect-Event-Id"))
			}
		}
		var dl *hrconnect.WebhookDelivery
		deadline := time.Now().Add(10 * time.Second)
		for {
			ds, err := e.hooks.Deliveries(e.ctx, hrconnect.WebhookDeliveryFilter{TenantID: e.tenant.ID, EndpointID: ep.ID})
			must(t, err)
			if len(ds) == 1 && ds[0].State == hrconnect.WebhookDelivered {
				dl = ds[0]
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deliveries: %+v", ds)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if dl.Attempts != 3 || dl.LastStatus != 200 || dl.LastError != "" || dl.EventID != got[0].header.Get("Hrconnect-Event-Id") {
			t.Fatalf("delivery: %+v", dl)
		}
		log, err := e.hooks.Attempts(e.ctx, e.tenant.ID, dl.ID)
		must(t, err)
		if len(log) != 3 || log[0].StatusCode != 500 || log[1].StatusCode != 500 || log[2].StatusCode != 200 ||
			!strings.Contains(log[0].Error, "HTTP 500") || log[2].Error != "" {
			t.Fatalf("attempts: %+v", log)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(r.requests()); n != 3 {
			t.Fatalf("%d requests after the delivery, want 3", n)
		}
	})
}

// A receiver that never answers 2xx gets MaxAttempts requests, and then the
// delivery is failed, its job cancelled rather than retried for ever.
func TestDeliveryGivesUp(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	r := newReceiver(t, func(int) int { return 503 })
	ep := e.endpoint(r, hrconnect.WebhookTransferSucceeded)
	e.waitTransfer(e.hire(1))
	r.waitRequests(5, 20*time.Second, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := e.hooks.Deliveries(e.ctx, hrconnect.WebhookDeliveryFilter{TenantID: e.tenant.ID, EndpointID: ep.ID})
		must(t, err)
		if len(ds) == 1 && ds[0].State == hrconnect.WebhookFailed {
			if ds[0].Attempts != 5 || !strings.Contains(ds[0].LastError, "Gave up after 5 attempts") {
				t.Fatalf("delivery: %+v", ds[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		jobs, err := e.river.JobList(e.ctx, river.NewJobListParams().Kinds("webhook_delivery"))
		must(t, err)
		if len(jobs.Jobs) != 1 {
			t.Fatalf("%d delivery jobs, want 1", len(jobs.Jobs))
		}
		if j := jobs.Jobs[0]; j.State == rivertype.JobStateCancelled && j.Attempt == 5 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("job: %s after %d attempts, want cancelled after 5", j.State, j.Attempt)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(r.requests()); n != 5 {
		t.Fatalf("%d requests, want 5", n)
	}
}

// A refresh token revoked at Zoho: the next hire finds it, the connection
// needs reconnecting, and connection.needs_reconnect is sent once; a person
// reconnecting sends connection.recovered, and the parked transfer then
// succeeds.
func TestConnectionEvents(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t))
		r := newReceiver(t, nil)
		e.endpoint(r)
		e.control("POST", "/_sandbox/faults", map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": e.issued.RefreshToken, "count": 1}, nil)
		e.sb.Advance(time.Hour) // the cached token expires: the next use refreshes

		tr := e.hire(1)
		q := r.waitRequests(1, 20*time.Second, ofType(hrconnect.WebhookConnectionNeedsReconnect))[0]
		d := data(q)
		if !q.verified || d["connection_id"] != e.conn.ID || d["name"] != "Zoho People EU" || d["status"] != "needs_reconnect" ||
			d["last_error"] == nil || !strings.Contains(d["resolution"].(string), "econnect") {
			t.Fatalf("needs_reconnect event: verified %v, data %v", q.verified, d)
		}
		if s, _ := d["last_error"].(string); strings.Contains(s, e.issued.RefreshToken) {
			t.Fatal("the event carries the refresh token")
		}
		if len(r.requests()) != 1 {
			t.Fatalf("requests before reconnecting: %d, want 1", len(r.requests()))
		}

		if _, _, err := e.conns.Reauthorize(e.ctx, e.tenant.ID, e.conn.ID, e.user.ID, "", e.newCode(e.conn.ClientID), "", "", ""); err != nil {
			t.Fatalf("Reauthorize: %v", err)
		}
		q = r.waitRequests(1, 20*time.Second, ofType(hrconnect.WebhookConnectionRecovered))[0]
		if d := data(q); !q.verified || d["connection_id"] != e.conn.ID || d["status"] != "connected" || d["last_error"] != nil {
			t.Fatalf("recovered event: verified %v, data %v", q.verified, d)
		}
		if done := e.waitTransfer(tr); done.State != hrconnect.TransferSucceeded {
			t.Fatalf("transfer after reconnecting: %s", done.State)
		}
		r.waitRequests(1, 20*time.Second, ofType(hrconnect.WebhookTransferSucceeded))
		time.Sleep(200 * time.Millisecond)
		if n := len(r.requests()); n != 3 {
			t.Fatalf("%d requests, want 3 (needs_reconnect, recovered, succeeded)", n)
		}
	})
}

// An endpoint subscribed to some events gets only those; a disabled one or
// another tenant's gets nothing.
func TestOnlySubscribedEvents(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	conns := newReceiver(t, nil)
	e.endpoint(conns, hrconnect.WebhookConnectionRecovered)
	other := &hrconnect.Tenant{Name: "Other"}
	must(t, e.db.CreateTenant(e.ctx, other))
	stranger := newReceiver(t, nil)
	_, err := e.hooks.CreateEndpoint(e.ctx, &hrconnect.WebhookEndpoint{TenantID: other.ID, URL: stranger.srv.URL, Events: hrconnect.WebhookEvents})
	must(t, err)
	e.waitTransfer(e.hire(1))
	time.Sleep(300 * time.Millisecond)
	if n := len(conns.requests()); n != 0 {
		t.Fatalf("an endpoint not subscribed to transfers got %d requests", n)
	}
	if n := len(stranger.requests()); n != 0 {
		t.Fatalf("another tenant's endpoint got %d requests", n)
	}
}

// The signing secret is shown once, at creation: it is not in the
// database in plain text or hex (SQLite's files, every PostgreSQL row),
// nor in any log line, after events were signed with it.
func TestSecretNeverStoredOrLogged(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		e := newEnv(t, open(t))
		r := newReceiver(t, nil)
		ep := e.endpoint(r)
		secret := r.secret
		if !strings.HasPrefix(secret, webhook.SecretPrefix) || len(secret) != len(webhook.SecretPrefix)+64 {
			t.Fatalf("secret %q", secret)
		}
		e.waitTransfer(e.hire(1))
		if q := r.waitRequests(1, 20*time.Second, nil)[0]; !q.verified {
			t.Fatal("the request does not verify")
		}
		dump := dumpDB(t, e.db)
		if !bytes.Contains(dump, []byte(ep.ID)) {
			t.Fatalf("the dump (%d bytes) lacks the endpoint's ID: it is not reading the data", len(dump))
		}
		raw := strings.TrimPrefix(secret, webhook.SecretPrefix)
		for _, form := range []string{secret, raw, hex.EncodeToString([]byte(secret))} {
			if bytes.Contains(bytes.ToLower(dump), []byte(strings.ToLower(form))) {
				t.Errorf("the secret is in the database as %q", form)
			}
		}
		logs := e.logs.String()
		if !strings.Contains(logs, ep.ID) {
			t.Fatalf("the log does not mention the endpoint: it is not capturing (%d bytes)", len(logs))
		}
		if strings.Contains(logs, raw) {
			t.Error("the secret is in the log")
		}
		// Listing endpoints carries no secret either.
		eps, err := e.hooks.Endpoints(e.ctx, e.tenant.ID)
		must(t, err)
		if len(eps) != 1 || eps[0].URL != r.srv.URL+"/hooks" || len(eps[0].Events) != len(hrconnect.WebhookEvents) {
			t.Fatalf("endpoints: %+v", eps)
		}
	})
}

// URL rules: https anywhere, http only on loopback, and a clear message
// for the rest; unknown events are refused too.
func TestEndpointURLRules(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	for _, u := range []string{"https://ats.example.com/hooks", "http://127.0.0.1:8080/h", "http://localhost/h", "http://[::1]:9000/h"} {
		if _, err := e.hooks.CreateEndpoint(e.ctx, &hrconnect.WebhookEndpoint{TenantID: e.tenant.ID, URL: u, Events: hrconnect.WebhookEvents}); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	for u, want := range map[string]string{
		"http://ats.example.com/hooks":  "must be an https URL: events are sent only over https (plain http is allowed only for localhost, 127.0.0.1 and [::1])",
		"http://10.0.0.7/hooks":         "must be an https URL",
		"ftp://ats.example.com/":        "must be an https URL",
		"ats.example.com/hooks":         "is not a valid URL",
		"":                              "Enter the URL",
		"https://u:p@ats.example.com/h": "must not contain a user name or password",
		"https://10.0.0.7/hooks":        "points into a private network",
		"https://169.254.169.254/":      "points into a private network",
		"https://[fd00::7]/hooks":       "points into a private network",
	} {
		_, err := e.hooks.CreateEndpoint(e.ctx, &hrconnect.WebhookEndpoint{TenantID: e.tenant.ID, URL: u, Events: hrconnect.WebhookEvents})
		var he *hrconnect.Error
		if !errorAs(err, &he) || he.Code != hrconnect.EINVALID || he.Field != "url" || !strings.Contains(he.Message, want) {
			t.Errorf("%q: %v, want EINVALID on url saying %q", u, err, want)
		}
		if strings.Contains(u, "u:p@") && strings.Contains(err.Error(), "u:p") {
			t.Errorf("the error repeats the password: %v", err)
		}
	}
	_, err := e.hooks.CreateEndpoint(e.ctx, &hrconnect.WebhookEndpoint{TenantID: e.tenant.ID, URL: "https://a.example.com", Events: []hrconnect.WebhookEvent{"transfer.started"}})
	if hrconnect.ErrorCode(err) != hrconnect.EINVALID || !strings.Contains(err.Error(), "transfer.succeeded") {
		t.Errorf("unknown event: %v", err)
	}
	_, err = e.hooks.CreateEndpoint(e.ctx, &hrconnect.WebhookEndpoint{TenantID: e.tenant.ID, URL: "https://a.example.com"})
	if hrconnect.ErrorCode(err) != hrconnect.EINVALID {
		t.Errorf("no events: %v", err)
	}
	eps, err := e.hooks.Endpoints(e.ctx, e.tenant.ID)
	must(t, err)
	if len(eps) != 4 {
		t.Fatalf("%d endpoints stored, want the 4 accepted", len(eps))
	}
	must(t, e.hooks.DeleteEndpoint(e.ctx, e.tenant.ID, eps[0].ID))
	if err := e.hooks.DeleteEndpoint(e.ctx, e.tenant.ID, eps[0].ID); hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		t.Fatalf("deleting again: %v", err)
	}
}
