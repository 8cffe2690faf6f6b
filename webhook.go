package hrconnect

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"hrconnect/internal/netguard"
)

// WebhookEvent is the type of an outgoing webhook event.
type WebhookEvent string

// The events a webhook endpoint can subscribe to.
const (
	// WebhookTransferSucceeded: the applicant is an employee in the HR
	// system (inserted, or linked to the employee it already had).
	WebhookTransferSucceeded WebhookEvent = "transfer.succeeded"
	// WebhookTransferFailed: the transfer needs a person (its error and
	// resolution say what to do).
	WebhookTransferFailed WebhookEvent = "transfer.failed"
	// WebhookConnectionNeedsReconnect: the service refused the connection's
	// credentials; its transfers wait until a person reconnects it.
	WebhookConnectionNeedsReconnect WebhookEvent = "connection.needs_reconnect"
	// WebhookConnectionRecovered: a connection that needed reconnecting
	// works again; the transfers that waited for it resume.
	WebhookConnectionRecovered WebhookEvent = "connection.recovered"
)

// WebhookEvents lists every event type, in the order documented.
var WebhookEvents = []WebhookEvent{
	WebhookTransferSucceeded, WebhookTransferFailed,
	WebhookConnectionNeedsReconnect, WebhookConnectionRecovered,
}

// WebhookEndpoint is a URL of the tenant's that hrconnect POSTs events to,
// signed with a secret of the endpoint's own. The secret is not a field: it
// is generated once, shown once, and stored only encrypted.
type WebhookEndpoint struct {
	ID       string
	TenantID string
	URL      string
	// Events are the event types sent to the endpoint.
	Events []WebhookEvent
	// Enabled endpoints receive events; a disabled one keeps its
	// configuration and its delivery log.
	Enabled   bool
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Subscribes reports whether the endpoint receives events of type ev.
func (e *WebhookEndpoint) Subscribes(ev WebhookEvent) bool {
	return e.Enabled && slices.Contains(e.Events, ev)
}

// maxWebhookURLLen bounds an endpoint's URL.
const maxWebhookURLLen = 2048

// Validate checks an endpoint before it is stored: its URL must be https
// (plain http only on the loopback interface, for development and tests),
// and its events known. It trims the URL and sorts out duplicate events.
func (e *WebhookEndpoint) Validate() error {
	e.URL = strings.TrimSpace(e.URL)
	if err := CheckWebhookURL(e.URL); err != nil {
		return err
	}
	if len(e.Events) == 0 {
		return Invalid("events", "Choose at least one event to send to the endpoint: %s.", webhookEventList())
	}
	var evs []WebhookEvent
	for _, ev := range e.Events {
		if !slices.Contains(WebhookEvents, ev) {
			return Invalid("events", "Unknown event %q: choose from %s.", clip(string(ev)), webhookEventList())
		}
		if !slices.Contains(evs, ev) {
			evs = append(evs, ev)
		}
	}
	e.Events = evs
	return nil
}

func webhookEventList() string {
	s := make([]string, len(WebhookEvents))
	for i, ev := range WebhookEvents {
		s[i] = string(ev)
	}
	return strings.Join(s, ", ")
}

// CheckWebhookURL checks the URL of a webhook endpoint. Events describe
// people being hired, so they travel over https only; plain http is allowed
// for localhost, 127.0.0.1 and [::1], where nothing leaves the machine. An
// address in a private network is refused here when the URL gives it, and
// when a name resolves to one, at delivery (internal/netguard).
func CheckWebhookURL(raw string) error {
	const field = "url"
	if raw == "" {
		return Invalid(field, "Enter the URL that should receive the events, such as \"https://ats.example.com/hooks/hrconnect\".")
	}
	if len(raw) > maxWebhookURLLen {
		return Invalid(field, "The URL is too long: at most %d characters.", maxWebhookURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Hostname() == "" {
		return Invalid(field, "%q is not a valid URL: enter a full URL such as \"https://ats.example.com/hooks/hrconnect\".", clip(raw))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return Invalid(field, "%q must be an https URL: events are sent only over https (plain http is allowed only for localhost, 127.0.0.1 and [::1]).", clip(raw))
		}
	default:
		return Invalid(field, "%q must be an https URL (plain http is allowed only for localhost, 127.0.0.1 and [::1]).", clip(raw))
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !ip.Unmap().IsLoopback() && !netguard.Public(ip) {
		return Invalid(field, "%q points into a private network: events go to public https endpoints (or, for development, to localhost).", clip(raw))
	}
	if u.User != nil {
		return Invalid(field, "%q must not contain a user name or password: receivers check the signature instead.", clip(u.Redacted()))
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return Invalid(field, "%q must not contain a fragment ('#...').", clip(raw))
	}
	return nil
}

// WebhookDeliveryState is where one event's delivery to one endpoint stands.
type WebhookDeliveryState string

const (
	// WebhookPending: not delivered yet; hrconnect tries (again) on its own.
	WebhookPending WebhookDeliveryState = "pending"
	// WebhookDelivered: the endpoint answered 2xx.
	WebhookDelivered WebhookDeliveryState = "delivered"
	// WebhookFailed: every attempt failed; hrconnect gave up.
	WebhookFailed WebhookDeliveryState = "failed"
)

// WebhookDelivery is one event on its way to one endpoint. Payload is the
// exact body sent, the same on every attempt, so that a receiver sees one
// event ID however often it is retried.
type WebhookDelivery struct {
	ID         string
	TenantID   string
	EndpointID string
	EventID    string
	Event      WebhookEvent
	Payload    []byte
	State      WebhookDeliveryState
	Attempts   int
	// LastStatus is the HTTP status of the latest attempt (0 when none was
	// received); LastError says what went wrong with it.
	LastStatus  int
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeliveredAt time.Time
}

// WebhookAttempt is one HTTP request of a delivery, for its log.
type WebhookAttempt struct {
	ID         int64
	TenantID   string
	DeliveryID string
	At         time.Time
	// StatusCode is the endpoint's HTTP status, 0 when there was no answer.
	StatusCode int
	// Error is empty for a 2xx answer; otherwise what went wrong.
	Error    string
	Duration time.Duration
}

// WebhookDeliveryFilter selects deliveries. TenantID is required.
type WebhookDeliveryFilter struct {
	TenantID   string
	EndpointID string
	Limit      int
}
