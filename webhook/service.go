// Package webhook sends hrconnect's outgoing webhooks: a tenant registers
// endpoints (https URLs, each with a signing secret hrconnect generates and
// shows once), and every transfer that succeeds or fails, and every
// connection that needs reconnecting or recovers, is POSTed to the endpoints
// subscribed to it as a JSON event signed with HMAC-SHA256.
//
// Events are queued in the transaction of the change that causes them: the
// store calls the Service's hooks (TransferFinishedTx,
// ConnectionStatusChangedTx) inside that transaction, and they insert one
// delivery row and one River job per endpoint with InsertManyTx, so a crash
// can lose neither the change nor its event. DeliveryWorker sends each
// delivery, logs every attempt, and retries with backoff up to a bounded
// number of attempts; every attempt sends the same body, so a receiver sees
// one event ID however often it is retried.
//
// docs/webhooks.md describes the events, the headers and how a receiver
// checks the signature.
package webhook

import (
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/internal/netguard"
)

// Store is what webhooks need from the database. *sqlstore.DB implements it.
type Store interface {
	CreateWebhookEndpoint(ctx context.Context, e *hrconnect.WebhookEndpoint, secret string) error
	WebhookEndpoint(ctx context.Context, tenantID, id string) (*hrconnect.WebhookEndpoint, error)
	WebhookEndpoints(ctx context.Context, tenantID string) ([]*hrconnect.WebhookEndpoint, error)
	WebhookSecret(ctx context.Context, tenantID, id string) (string, error)
	DeleteWebhookEndpoint(ctx context.Context, tenantID, id string) error
	// SubscribedWebhookEndpointsTx lists, inside tx, the tenant's enabled
	// endpoints subscribed to ev.
	SubscribedWebhookEndpointsTx(ctx context.Context, tx *sql.Tx, tenantID string, ev hrconnect.WebhookEvent) ([]*hrconnect.WebhookEndpoint, error)
	// CreateWebhookDeliveryTx inserts a pending delivery inside tx.
	CreateWebhookDeliveryTx(ctx context.Context, tx *sql.Tx, d *hrconnect.WebhookDelivery) error
	WebhookDelivery(ctx context.Context, tenantID, id string) (*hrconnect.WebhookDelivery, error)
	WebhookDeliveries(ctx context.Context, f hrconnect.WebhookDeliveryFilter) ([]*hrconnect.WebhookDelivery, error)
	// RecordWebhookAttempt saves the delivery's state and appends the
	// attempt to its log, in one transaction.
	RecordWebhookAttempt(ctx context.Context, d *hrconnect.WebhookDelivery, a *hrconnect.WebhookAttempt) error
	WebhookAttempts(ctx context.Context, tenantID, deliveryID string) ([]*hrconnect.WebhookAttempt, error)
}

// DefaultMaxAttempts is Config.MaxAttempts when left zero.
const DefaultMaxAttempts = 12

// Config tunes the service. Zero fields take the defaults shown.
type Config struct {
	// MaxAttempts is how many requests a delivery gets before it is marked
	// failed (12: with the backoff below, about three and a half hours).
	MaxAttempts int
	// RetryBackoff is the wait after a failed attempt (30 s), doubling with
	// each attempt up to RetryBackoffMax (1 h).
	RetryBackoff    time.Duration
	RetryBackoffMax time.Duration
	// Timeout bounds one request, connecting to reading the status (10 s).
	Timeout time.Duration
	// Queue is the River queue of delivery jobs (River's default queue).
	Queue string
	// HTTPClient sends the requests; nil means one with Timeout that never
	// follows redirects (a redirect counts as a failed attempt: the
	// endpoint's URL should be the final one), uses no proxy, and connects
	// only to public addresses or, when the URL names it, to loopback.
	HTTPClient *http.Client
	// Now is the clock of events and signatures (time.Now).
	Now func() time.Time
	// Logger receives the service's log lines; never secrets or payloads.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	def(&c.RetryBackoff, 30*time.Second)
	def(&c.RetryBackoffMax, time.Hour)
	def(&c.Timeout, 10*time.Second)
	if c.Queue == "" {
		c.Queue = river.QueueDefault
	}
	if c.HTTPClient == nil {
		// Deliveries go straight to the endpoint, never through a proxy,
		// and only to public addresses (or loopback when the URL names it),
		// whatever the endpoint's name resolves to.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.DialContext = netguard.DialContext(&net.Dialer{Timeout: c.Timeout})
		c.HTTPClient = &http.Client{
			Timeout:       c.Timeout,
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Service manages a tenant's endpoints and queues and sends events.
type Service struct {
	store Store
	river *river.Client[*sql.Tx]
	cfg   Config
	log   *slog.Logger
}

// NewService returns the webhook service. Register its Worker with River,
// hand the River client over with SetRiver, then install the hooks in the
// store:
//
//	db.SetHooks(&sqlstore.Hooks{
//		TransferFinished:        hooks.TransferFinishedTx,
//		ConnectionStatusChanged: hooks.ConnectionStatusChangedTx,
//	})
func NewService(store Store, cfg Config) *Service {
	cfg.setDefaults()
	return &Service{store: store, cfg: cfg, log: cfg.Logger}
}

// SetRiver sets the River client that delivery jobs are inserted with. Call
// it once, before installing the hooks.
func (s *Service) SetRiver(c *river.Client[*sql.Tx]) { s.river = c }

// Worker returns the worker of delivery jobs.
func (s *Service) Worker() *DeliveryWorker { return &DeliveryWorker{svc: s} }

// SecretPrefix starts every signing secret, so that one pasted in the wrong
// place is recognisable.
const SecretPrefix = "whsec_"

// newSecret returns a new signing secret: 32 random bytes, in hex.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = crand.Read(b) // never fails (crypto/rand)
	return SecretPrefix + hex.EncodeToString(b)
}

// CreateEndpoint validates and stores an endpoint, enabled, with a new
// signing secret, and returns the secret: this is the only time it is
// shown. Bad input is EINVALID with the field and what to enter.
func (s *Service) CreateEndpoint(ctx context.Context, e *hrconnect.WebhookEndpoint) (secret string, err error) {
	e.Enabled = true
	if err := e.Validate(); err != nil {
		return "", err
	}
	secret = newSecret()
	if err := s.store.CreateWebhookEndpoint(ctx, e, secret); err != nil {
		return "", err
	}
	s.log.Info("webhook endpoint created", "tenant", e.TenantID, "endpoint", e.ID)
	return secret, nil
}

// Endpoints lists the tenant's endpoints.
func (s *Service) Endpoints(ctx context.Context, tenantID string) ([]*hrconnect.WebhookEndpoint, error) {
	return s.store.WebhookEndpoints(ctx, tenantID)
}

// Endpoint returns one endpoint of the tenant, or ENOTFOUND.
func (s *Service) Endpoint(ctx context.Context, tenantID, id string) (*hrconnect.WebhookEndpoint, error) {
	return s.store.WebhookEndpoint(ctx, tenantID, id)
}

// DeleteEndpoint removes an endpoint, its secret and its delivery log;
// deliveries still queued for it are dropped.
func (s *Service) DeleteEndpoint(ctx context.Context, tenantID, id string) error {
	return s.store.DeleteWebhookEndpoint(ctx, tenantID, id)
}

// Deliveries lists deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, f hrconnect.WebhookDeliveryFilter) ([]*hrconnect.WebhookDelivery, error) {
	return s.store.WebhookDeliveries(ctx, f)
}

// Attempts returns a delivery's log, oldest first.
func (s *Service) Attempts(ctx context.Context, tenantID, deliveryID string) ([]*hrconnect.WebhookAttempt, error) {
	return s.store.WebhookAttempts(ctx, tenantID, deliveryID)
}

// Event is the body of every webhook request.
type Event struct {
	// ID identifies the event; it is the same on every retry of its
	// delivery, for receivers to drop duplicates.
	ID        string                 `json:"id"`
	Type      hrconnect.WebhookEvent `json:"type"`
	CreatedAt time.Time              `json:"created_at"`
	TenantID  string                 `json:"tenant_id"`
	// Data is a TransferData or a ConnectionData.
	Data any `json:"data"`
}

// TransferData is the data of transfer.succeeded and transfer.failed.
type TransferData struct {
	TransferID    string `json:"transfer_id"`
	State         string `json:"state"`
	ApplicantID   string `json:"applicant_id"`
	ApplicationID string `json:"application_id"`
	ConnectionID  string `json:"connection_id"`
	// ZohoRecordID is the employee's record in Zoho People (succeeded only).
	ZohoRecordID string `json:"zoho_record_id,omitempty"`
	Attempts     int    `json:"attempts"`
	// Error and Resolution say why it failed and what a person should do
	// (failed only).
	Error      string    `json:"error,omitempty"`
	Resolution string    `json:"resolution,omitempty"`
	FinishedAt time.Time `json:"finished_at"`
}

// ConnectionData is the data of connection.needs_reconnect and
// connection.recovered.
type ConnectionData struct {
	ConnectionID string `json:"connection_id"`
	Name         string `json:"name"`
	LinkName     string `json:"link_name"`
	Service      string `json:"service"`
	Status       string `json:"status"`
	// LastError and Resolution say what the service refused and how to
	// reconnect (needs_reconnect only).
	LastError  string `json:"last_error,omitempty"`
	Resolution string `json:"resolution,omitempty"`
}

// TransferFinishedTx queues transfer.succeeded or transfer.failed for t
// inside tx: the store's Hooks.TransferFinished.
func (s *Service) TransferFinishedTx(ctx context.Context, tx *sql.Tx, t *hrconnect.Transfer) error {
	ev := hrconnect.WebhookTransferSucceeded
	switch t.State {
	case hrconnect.TransferSucceeded:
	case hrconnect.TransferFailed:
		ev = hrconnect.WebhookTransferFailed
	default:
		return nil
	}
	return s.emitTx(ctx, tx, t.TenantID, ev, TransferData{
		TransferID: t.ID, State: string(t.State), ApplicantID: t.ApplicantID, ApplicationID: t.ApplicationID,
		ConnectionID: t.ConnectionID, ZohoRecordID: t.ZohoRecordID, Attempts: t.Attempts,
		Error: t.LastError, Resolution: t.Resolution, FinishedAt: t.FinishedAt.UTC().Truncate(time.Microsecond),
	})
}

// ConnectionStatusChangedTx queues connection.needs_reconnect when c has
// just come to need reconnecting, and connection.recovered when it is back
// to connected from there, inside tx: the store's
// Hooks.ConnectionStatusChanged.
func (s *Service) ConnectionStatusChangedTx(ctx context.Context, tx *sql.Tx, c *hrconnect.Connection, from hrconnect.ConnectionStatus) error {
	var ev hrconnect.WebhookEvent
	switch {
	case c.Status == hrconnect.StatusNeedsReconnect:
		ev = hrconnect.WebhookConnectionNeedsReconnect
	case c.Status == hrconnect.StatusConnected && from == hrconnect.StatusNeedsReconnect:
		ev = hrconnect.WebhookConnectionRecovered
	default:
		return nil
	}
	return s.emitTx(ctx, tx, c.TenantID, ev, ConnectionData{
		ConnectionID: c.ID, Name: c.Name, LinkName: c.LinkName, Service: c.Service, Status: string(c.Status),
		LastError: c.LastError, Resolution: c.LastResolution,
	})
}

// emitTx builds the event and, for every endpoint subscribed to it, inserts
// a delivery and its job inside tx. A tenant without subscribed endpoints
// costs one query.
func (s *Service) emitTx(ctx context.Context, tx *sql.Tx, tenantID string, ev hrconnect.WebhookEvent, data any) error {
	if s.river == nil {
		return errors.New("webhook: event before SetRiver")
	}
	eps, err := s.store.SubscribedWebhookEndpointsTx(ctx, tx, tenantID, ev)
	if err != nil || len(eps) == 0 {
		return err
	}
	e := Event{ID: newEventID(), Type: ev, CreatedAt: s.cfg.Now().UTC().Truncate(time.Millisecond), TenantID: tenantID, Data: data}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", ev, err)
	}
	jobs := make([]river.InsertManyParams, 0, len(eps))
	for _, ep := range eps {
		d := &hrconnect.WebhookDelivery{TenantID: tenantID, EndpointID: ep.ID, EventID: e.ID, Event: ev, Payload: body}
		if err := s.store.CreateWebhookDeliveryTx(ctx, tx, d); err != nil {
			return err
		}
		jobs = append(jobs, river.InsertManyParams{Args: DeliveryArgs{TenantID: tenantID, DeliveryID: d.ID},
			InsertOpts: &river.InsertOpts{Queue: s.cfg.Queue, MaxAttempts: s.cfg.MaxAttempts}})
	}
	if _, err := s.river.InsertManyTx(ctx, tx, jobs); err != nil {
		return fmt.Errorf("queue %s deliveries: %w", ev, err)
	}
	return nil
}

// newEventID returns a new event ID, "evt_" and 26 random characters.
func newEventID() string { return "evt_" + strings.ToLower(crand.Text()) }
