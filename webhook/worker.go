package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/internal/backoff"
)

// DeliveryArgs is the River job of one delivery: one event to one endpoint.
type DeliveryArgs struct {
	TenantID   string `json:"tenant_id"`
	DeliveryID string `json:"delivery_id"`
}

// Kind is the job's stable name in River's tables.
func (DeliveryArgs) Kind() string { return "webhook_delivery" }

// InsertOpts gives a delivery job inserted without options the attempt
// budget of a default Config.
func (DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: DefaultMaxAttempts}
}

// DeliveryWorker runs DeliveryArgs jobs: it POSTs the event to its endpoint
// and logs the attempt. Create it with Service.Worker.
type DeliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	svc *Service
}

// NextRetry spaces the attempts: RetryBackoff, doubling with each attempt up
// to RetryBackoffMax, with 10% jitter so that an endpoint that was down for
// a while is not hit by every delivery at once when it comes back.
func (w *DeliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	return time.Now().Add(backoff.Exponential(job.Attempt, w.svc.cfg.RetryBackoff, w.svc.cfg.RetryBackoffMax))
}

// Timeout leaves room for the request and for recording it.
func (w *DeliveryWorker) Timeout(*river.Job[DeliveryArgs]) time.Duration {
	return w.svc.cfg.Timeout + 30*time.Second
}

// maxReplyBytes is how much of a reply is read (and thrown away) so that
// the connection can be reused; receivers should answer with little.
const maxReplyBytes = 64 << 10

// Work performs one attempt of a delivery. It returns nil once the endpoint
// answered 2xx, river.JobCancel when there is nothing (left) to deliver or
// the last attempt failed, and an error for River to retry otherwise.
func (w *DeliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	s := w.svc
	a := job.Args
	d, err := s.store.WebhookDelivery(ctx, a.TenantID, a.DeliveryID)
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return river.JobCancel(err) // the endpoint was deleted, and its log with it
	} else if err != nil {
		return fmt.Errorf("load delivery: %w", err)
	}
	if d.State != hrconnect.WebhookPending {
		return nil // a duplicate job, or a retry after the outcome was recorded
	}
	ep, err := s.store.WebhookEndpoint(ctx, d.TenantID, d.EndpointID)
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return river.JobCancel(err)
	} else if err != nil {
		return fmt.Errorf("load endpoint: %w", err)
	}
	if !ep.Enabled {
		return w.finish(ctx, d, &hrconnect.WebhookAttempt{Error: "The endpoint was disabled before the event could be delivered."}, hrconnect.WebhookFailed)
	}
	secret, err := s.store.WebhookSecret(ctx, d.TenantID, d.EndpointID)
	if err != nil {
		return fmt.Errorf("load endpoint secret: %w", err)
	}

	att := s.send(ctx, ep, d, secret)
	switch {
	case att.Error == "":
		return w.finish(ctx, d, att, hrconnect.WebhookDelivered)
	case job.Attempt >= job.MaxAttempts:
		att.Error = fmt.Sprintf("Gave up after %d attempts: %s", job.Attempt, att.Error)
		return w.finish(ctx, d, att, hrconnect.WebhookFailed)
	}
	if err := w.record(ctx, d, att, hrconnect.WebhookPending); err != nil {
		return err
	}
	return fmt.Errorf("webhook delivery %s: %s", d.ID, att.Error)
}

// finish records the last attempt of a delivery; a failed delivery's job is
// cancelled, so that River does not retry it.
func (w *DeliveryWorker) finish(ctx context.Context, d *hrconnect.WebhookDelivery, att *hrconnect.WebhookAttempt, state hrconnect.WebhookDeliveryState) error {
	if err := w.record(ctx, d, att, state); err != nil {
		return err
	}
	if state == hrconnect.WebhookFailed {
		w.svc.log.Warn("webhook delivery failed", "tenant", d.TenantID, "endpoint", d.EndpointID, "delivery", d.ID, "event", d.Event)
		return river.JobCancel(errors.New(att.Error))
	}
	return nil
}

func (w *DeliveryWorker) record(ctx context.Context, d *hrconnect.WebhookDelivery, att *hrconnect.WebhookAttempt, state hrconnect.WebhookDeliveryState) error {
	d.State = state
	d.Attempts++
	d.LastStatus, d.LastError = att.StatusCode, att.Error
	if state == hrconnect.WebhookDelivered {
		d.DeliveredAt = att.At
	}
	if err := w.svc.store.RecordWebhookAttempt(ctx, d, att); err != nil {
		return fmt.Errorf("record webhook attempt: %w", err)
	}
	return nil
}

// send makes one request and describes it as an attempt: Error is empty
// exactly when the endpoint answered 2xx.
func (s *Service) send(ctx context.Context, ep *hrconnect.WebhookEndpoint, d *hrconnect.WebhookDelivery, secret string) *hrconnect.WebhookAttempt {
	now := s.cfg.Now()
	att := &hrconnect.WebhookAttempt{At: now}
	// The URL was checked when the endpoint was created; checked again here
	// in case the rules have tightened since.
	if err := hrconnect.CheckWebhookURL(ep.URL); err != nil {
		att.Error = hrconnect.ErrorMessage(err)
		return att
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(d.Payload))
	if err != nil {
		att.Error = "The endpoint's URL cannot be requested: " + err.Error()
		return att
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hrconnect-webhooks/1")
	req.Header.Set(HeaderEventID, d.EventID)
	req.Header.Set(HeaderEvent, string(d.Event))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(secret, now, d.Payload))

	start := time.Now()
	resp, err := s.cfg.HTTPClient.Do(req)
	att.Duration = time.Since(start)
	if err != nil {
		// The url.Error's own text repeats the URL, which may carry a token
		// of the receiver's in its query; the cause is enough.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		att.Error = "The endpoint could not be reached: " + err.Error()
		return att
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReplyBytes))
	resp.Body.Close()
	att.StatusCode = resp.StatusCode
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		att.Error = fmt.Sprintf("The endpoint answered HTTP %d (a redirect); redirects are not followed: register the final URL.", resp.StatusCode)
	default:
		att.Error = fmt.Sprintf("The endpoint answered HTTP %d %s; it should answer 2xx once it has the event.", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return att
}
