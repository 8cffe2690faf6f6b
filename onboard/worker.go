package onboard

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/internal/backoff"
	"hrconnect/zoho"
)

// TransferArgs is the River job of one transfer.
type TransferArgs struct {
	TenantID   string `json:"tenant_id"`
	TransferID string `json:"transfer_id"`
}

// Kind is the job's stable name in River's tables.
func (TransferArgs) Kind() string { return "transfer" }

// InsertOpts gives a transfer job inserted without options (by other code
// than Service) the attempt budget of a default Config.
func (TransferArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: DefaultMaxAttempts}
}

// TransferWorker runs TransferArgs jobs: it creates the transfer's applicant
// as an employee in Zoho People, or links the employee Zoho already has.
// Create it with Service.Worker.
type TransferWorker struct {
	river.WorkerDefaults[TransferArgs]
	svc *Service
}

// NextRetry spaces the attempts after passing failures: RetryBackoff,
// doubling with each attempt up to RetryBackoffMax, with 10% jitter so that
// a burst of failures does not come back as a burst.
func (w *TransferWorker) NextRetry(job *river.Job[TransferArgs]) time.Time {
	return time.Now().Add(backoff.Exponential(job.Attempt, w.svc.cfg.RetryBackoff, w.svc.cfg.RetryBackoffMax))
}

// Timeout is Config.JobTimeout, which leaves room for the wait for an
// insert slot on top of the calls.
func (w *TransferWorker) Timeout(*river.Job[TransferArgs]) time.Duration {
	return w.svc.cfg.JobTimeout
}

// Work performs one attempt of a transfer. It returns nil when the transfer
// is done, river.JobCancel when a person must act (never retried),
// river.JobSnooze while it waits for a reconnect, a lock-out's end or its
// turn, and any other error for River to retry with backoff.
func (w *TransferWorker) Work(ctx context.Context, job *river.Job[TransferArgs]) error {
	s := w.svc
	t, err := s.store.Transfer(ctx, job.Args.TenantID, job.Args.TransferID)
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return river.JobCancel(err)
	} else if err != nil {
		return fmt.Errorf("load transfer: %w", err)
	}
	if t.State == hrconnect.TransferSucceeded {
		return nil // a duplicate job, or a retry after the success was recorded
	}
	r := &run{svc: s, job: job, t: t}
	return r.do(ctx)
}

// run is one attempt of one transfer.
type run struct {
	svc *Service
	job *river.Job[TransferArgs]
	t   *hrconnect.Transfer

	conn   *hrconnect.Connection
	key    hrconnect.CredentialKey
	dc     zoho.DataCentre
	token  string
	form   string
	fields []zoho.Field
	opts   zoho.InsertOptions
}

func (r *run) do(ctx context.Context) error {
	s, t := r.svc, r.t
	var err error
	r.conn, err = s.store.Connection(ctx, t.TenantID, t.ConnectionID)
	if hrconnect.ErrorCode(err) == hrconnect.ENOTFOUND {
		return r.fail(ctx, "The HR connection of this transfer was removed.",
			"Link the stage to a connected Zoho People connection, then move the application again.", "")
	} else if err != nil {
		return fmt.Errorf("load connection: %w", err)
	}
	r.key = hrconnect.CredentialKey{TenantID: t.TenantID, ConnectionID: t.ConnectionID}
	if r.conn.PerUser {
		// "Use credentials of login user": the mover's own; a move by the
		// API or by hrconnect has no user, and uses the owner's.
		r.key.UserID = cmp.Or(t.ActorID, r.conn.OwnerID)
	}

	if err := r.mapRecord(ctx); err != nil {
		var he *hrconnect.Error
		if errors.As(err, &he) && he.Code == hrconnect.EINVALID {
			return r.fail(ctx, he.Message, he.Resolution, "")
		}
		return err
	}

	// A lock-out recorded by any transfer of the connection holds them all.
	if until, err := s.store.ConnectionBlockedUntil(ctx, t.TenantID, t.ConnectionID); err != nil {
		return err
	} else if wait := until.Sub(s.cfg.Now()); wait > 0 {
		return r.wait(ctx, hrconnect.TransferWaitingLockout, wait, lockoutMessage(until))
	}

	if r.token, err = s.tokens.AccessToken(ctx, r.key); err != nil {
		return r.handle(ctx, err)
	}
	if r.dc, err = s.zoho.Directory().DC(r.conn.DataCentre); err != nil {
		return r.fail(ctx, err.Error(), "Reconnect the account and choose its data centre.", "")
	}

	// Exactly once: an earlier attempt may have reached Zoho and then lost
	// its answer (a crash, a timeout, a 5xx sent after the record was
	// stored), so any attempt after the first looks the employee up before
	// inserting. A first attempt spends no call on it.
	if r.job.Attempt > 1 || t.InsertUnsure {
		if err := r.save(ctx, hrconnect.TransferRunning, true, nil); err != nil {
			return err
		}
		if done, err := r.link(ctx, "an earlier attempt's outcome was unknown"); done || err != nil {
			return err
		}
	}
	return r.insert(ctx)
}

// mapRecord loads the applicant and the mapping and builds the record.
func (r *run) mapRecord(ctx context.Context) error {
	s, t := r.svc, r.t
	a, err := s.store.Applicant(ctx, t.TenantID, t.ApplicantID)
	if err != nil {
		return fmt.Errorf("load applicant: %w", err)
	}
	m, err := s.store.FieldMapping(ctx, t.TenantID, t.ConnectionID)
	if err != nil {
		return fmt.Errorf("load field mapping: %w", err)
	}
	if r.fields, err = Map(a, m); err != nil {
		return err
	}
	r.form = m.Form
	r.opts = zoho.InsertOptions{IsDirectAdd: m.IsDirectAdd, IsNonUser: m.IsNonUser}
	if m.IsDirectAdd {
		// Zoho needs a password to add an active employee. It is random,
		// never stored and never shown: the employee sets their own.
		r.opts.Password = crand.Text()
	}
	t.Record = recordOf(r.fields)
	return nil
}

// insert waits for the connection's next insert slot and inserts the record.
func (r *run) insert(ctx context.Context) error {
	s, t := r.svc, r.t
	// The slot is taken first and the save below made while it comes
	// closer: Zoho counts inserts as they arrive, and a database write
	// between the slot and the call would let a slow write bunch them up.
	var due time.Time
	if s.pace.perMinute > 0 {
		var ahead time.Duration
		var ok bool
		if due, ahead, ok = s.pace.reserve(r.key.TenantID+"/"+r.key.ConnectionID, s.cfg.MaxPaceWait); !ok {
			return river.JobSnooze(min(ahead, s.cfg.MaxSnooze))
		}
	}
	// Recorded before the call: if the process dies during it, the next
	// attempt knows to look the employee up first.
	t.InsertUnsure = true
	if err := r.save(ctx, hrconnect.TransferRunning, t.State != hrconnect.TransferRunning, nil); err != nil {
		return err
	}
	if err := s.pace.until(ctx, due); err != nil {
		return err
	}
	var id string
	err := r.call(ctx, func(token string) (err error) {
		id, err = s.zoho.InsertRecord(ctx, r.dc, token, r.form, r.fields, r.opts)
		return err
	})
	var ze *zoho.Error
	switch {
	case err == nil:
		return r.succeed(ctx, id, "Successfully Added: record "+id+".", string(hrconnect.TransferSucceeded))
	case errors.As(err, &ze) && ze.Code == "7051":
		// Zoho has an employee with this ID or email already: the same
		// person added by hand, or by an attempt whose answer was lost.
		r.definite(ze)
		t.Reply = zohoReply(ze)
		if done, err := r.link(ctx, "Zoho answered 7051 (already exists)"); done || err != nil {
			return err
		}
		return r.fail(ctx, ze.Message, ze.Resolution, zohoReply(ze))
	}
	return r.handle(ctx, err)
}

// call runs fn with the access token and, when Zoho refuses the token,
// once more with a fresh one.
func (r *run) call(ctx context.Context, fn func(token string) error) error {
	err := fn(r.token)
	if zoho.ClassOf(err) != zoho.ClassReauth {
		return err
	}
	// The flag of an unsure insert stays as it is: a lookup's refused token
	// says nothing about it, and the retried insert is unsure again.
	tok, terr := r.svc.tokens.Rejected(ctx, r.key, r.token)
	if terr != nil {
		return terr
	}
	r.token = tok
	return fn(tok)
}

// link looks the employee up, by email and then by employee ID, and links
// the transfer to it when found. done reports whether it did.
func (r *run) link(ctx context.Context, why string) (done bool, err error) {
	var rec zoho.PeopleRecord
	var found bool
	err = r.call(ctx, func(token string) error {
		for _, q := range []struct {
			col   zoho.SearchColumn
			field string
		}{{zoho.SearchEmailAlias, "EmailID"}, {zoho.SearchEmployeeID, "EmployeeID"}} {
			v := fieldValue(r.fields, q.field)
			if v == "" {
				continue
			}
			var err error
			if rec, found, err = r.svc.zoho.FindEmployee(ctx, r.dc, token, q.col, v); err != nil || found {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return true, r.handle(ctx, err)
	}
	if !found {
		return false, nil
	}
	reply := fmt.Sprintf("Linked to the existing employee, record %s (%s).", rec.ID, why)
	if got, want := rec.Get("EmployeeID"), fieldValue(r.fields, "EmployeeID"); got != "" && got != want {
		reply += fmt.Sprintf(" Its EmployeeID in Zoho is %s.", got)
	}
	return true, r.succeed(ctx, rec.ID, reply, "linked")
}

func fieldValue(fields []zoho.Field, name string) string {
	for _, f := range fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// handle sorts a failure: wait for a reconnect or a lock-out's end, retry
// later, or fail for a person to act.
func (r *run) handle(ctx context.Context, err error) error {
	s, t := r.svc, r.t
	if errors.Is(err, connect.ErrNeedsReconnect) {
		return r.wait(ctx, hrconnect.TransferWaitingReconnect, r.reconnectWait(), hrconnect.ErrorMessage(err))
	}
	var ze *zoho.Error
	if !errors.As(err, &ze) {
		if d := connect.RetryAfter(err); d > 0 { // the token budget or Zoho's token throttle
			return r.wait(ctx, hrconnect.TransferPending, d, hrconnect.ErrorMessage(err))
		}
		return r.retryLater(ctx, err, hrconnect.ErrorMessage(err), "")
	}
	switch ze.Class {
	case zoho.ClassRetry:
		if ze.Code == "7209" {
			// Every transfer of the connection waits out the lock instead
			// of prolonging it. A refused insert stored nothing.
			r.definite(ze)
			until := s.cfg.Now().Add(max(ze.RetryAfter, time.Minute))
			if err := s.store.BlockConnection(ctx, t.TenantID, t.ConnectionID, until, ze.Message); err != nil {
				return err
			}
			s.log.Warn("zoho people lock-out", "tenant", t.TenantID, "transfer", t.ID, "connection", t.ConnectionID, "until", until)
			t.Reply = zohoReply(ze)
			return r.wait(ctx, hrconnect.TransferWaitingLockout, until.Sub(s.cfg.Now()), lockoutMessage(until))
		}
		return r.retryLater(ctx, err, ze.Message+" "+ze.Resolution, zohoReply(ze))
	case zoho.ClassReauth:
		return r.retryLater(ctx, err, ze.Message+" "+ze.Resolution, zohoReply(ze))
	case zoho.ClassReconnect:
		return r.wait(ctx, hrconnect.TransferWaitingReconnect, r.reconnectWait(), ze.Message+" "+ze.Resolution)
	default: // ClassData, ClassConfig: a person must act
		r.definite(ze)
		return r.fail(ctx, ze.Message, ze.Resolution, zohoReply(ze))
	}
}

// definite notes that Zoho answered an insert with a refusal: nothing was
// stored, so the next attempt need not look the employee up. A refused
// lookup says nothing about an earlier insert.
func (r *run) definite(ze *zoho.Error) {
	if ze.Op == "people.insertRecord" {
		r.t.InsertUnsure = false
	}
}

// lockoutMessage tells a person why a transfer waits, the same on every look
// so that the log records the wait once.
func lockoutMessage(until time.Time) string {
	return "Zoho People has locked this connection's organisation out after too many calls in a minute; " +
		"hrconnect waits until " + until.UTC().Format(time.RFC3339) + " and then carries on by itself."
}

// reconnectWait is the snooze while the connection needs reconnecting:
// ReconnectWait, doubling with each snooze of the job, up to
// ReconnectWaitMax.
func (r *run) reconnectWait() time.Duration {
	c := r.svc.cfg
	var meta struct {
		Snoozes int `json:"snoozes"`
	}
	_ = json.Unmarshal(r.job.Metadata, &meta)
	d := c.ReconnectWait
	for i := 0; i < meta.Snoozes && d < c.ReconnectWaitMax; i++ {
		d *= 2
	}
	return min(d, c.ReconnectWaitMax)
}

func zohoReply(ze *zoho.Error) string {
	switch {
	case ze.Code != "" && ze.ZohoMessage != "":
		return ze.Code + ": " + ze.ZohoMessage
	case ze.Code != "":
		return ze.Code
	case ze.HTTPStatus != 0:
		return fmt.Sprintf("HTTP %d", ze.HTTPStatus)
	}
	return "no reply"
}

// save writes the transfer in state, counting an attempt when attempt is
// set, and appends entry (when not nil) to its log in the same write.
func (r *run) save(ctx context.Context, state hrconnect.TransferState, attempt bool, entry *hrconnect.TransferAttempt) error {
	r.t.State = state
	if attempt {
		r.t.Attempts++
	}
	if entry != nil {
		entry.At = r.svc.cfg.Now()
	}
	if err := r.svc.store.UpdateTransfer(ctx, r.t, entry); err != nil {
		return fmt.Errorf("save transfer: %w", err)
	}
	return nil
}

// entry is a log entry of the transfer.
func entry(outcome, msg string) *hrconnect.TransferAttempt {
	return &hrconnect.TransferAttempt{Outcome: outcome, Message: msg}
}

func (r *run) succeed(ctx context.Context, recordID, reply, outcome string) error {
	t := r.t
	t.ZohoRecordID, t.Reply = recordID, reply
	t.LastError, t.Resolution, t.InsertUnsure = "", "", false
	t.FinishedAt = r.svc.cfg.Now()
	return r.save(ctx, hrconnect.TransferSucceeded, false, entry(outcome, reply))
}

// fail marks the transfer failed for a person to act on, and cancels the
// job: retrying unchanged would fail again.
func (r *run) fail(ctx context.Context, msg, resolution, reply string) error {
	t := r.t
	t.LastError, t.Resolution = msg, resolution
	if reply != "" {
		t.Reply = reply
	}
	t.FinishedAt = r.svc.cfg.Now()
	if err := r.save(ctx, hrconnect.TransferFailed, false, entry(string(hrconnect.TransferFailed), joinText(msg, resolution))); err != nil {
		return err
	}
	r.svc.log.Info("transfer failed", "tenant", t.TenantID, "transfer", t.ID)
	return river.JobCancel(errors.New(joinText(msg, resolution)))
}

// wait parks the transfer in state for d (at most MaxSnooze), recording the
// state and the log entry only when they change, so a long wait does not
// write on every look.
func (r *run) wait(ctx context.Context, state hrconnect.TransferState, d time.Duration, msg string) error {
	t := r.t
	if t.State != state || t.LastError != msg {
		t.LastError, t.Resolution = msg, ""
		if err := r.save(ctx, state, false, entry(string(state), msg)); err != nil {
			return err
		}
	}
	return river.JobSnooze(max(min(d, r.svc.cfg.MaxSnooze), 0))
}

// retryLater records a passing failure and returns err for River to retry
// with backoff; on the job's last attempt the transfer fails instead.
func (r *run) retryLater(ctx context.Context, err error, msg, reply string) error {
	t := r.t
	if r.job.Attempt >= r.job.MaxAttempts {
		return r.fail(ctx, fmt.Sprintf("Gave up after %d attempts: %s", r.job.Attempt, msg),
			"Check the connection and Zoho's status page, then retry the transfer.", reply)
	}
	t.LastError, t.Resolution = msg, "hrconnect retries on its own."
	if reply != "" {
		t.Reply = reply
	}
	if serr := r.save(ctx, hrconnect.TransferPending, false, entry("retry", msg)); serr != nil {
		return errors.Join(err, serr)
	}
	return fmt.Errorf("transfer %s: %w", t.ID, err)
}

func joinText(a, b string) string {
	if b == "" {
		return a
	}
	return a + " " + b
}
