package web

import (
	"net/http"

	"hrconnect"
)

// transferStates are the states the transfer list filters by, with what
// the page calls them.
var transferStates = []struct {
	State hrconnect.TransferState
	Label string
}{
	{hrconnect.TransferPending, "Pending"},
	{hrconnect.TransferRunning, "Sending"},
	{hrconnect.TransferSucceeded, "Succeeded"},
	{hrconnect.TransferFailed, "Failed"},
	{hrconnect.TransferWaitingReconnect, "Waiting for a reconnect"},
	{hrconnect.TransferWaitingLockout, "Waiting out Zoho's lock-out"},
}

func transferLabel(st hrconnect.TransferState) string {
	for _, s := range transferStates {
		if s.State == st {
			return s.Label
		}
	}
	return string(st)
}

// transferRow is a transfer as the list shows it.
type transferRow struct {
	T              *hrconnect.Transfer
	Applicant      string // the applicant's name, or their ID if they are gone
	ConnectionName string
}

// transferList is GET /transfers[?state=]: the tenant's transfers, newest
// first, narrowed to one state when asked.
func (s *Server) transferList(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	state := hrconnect.TransferState(r.URL.Query().Get("state"))
	if state != "" && transferLabel(state) == string(state) {
		return hrconnect.Invalid("state", "%q is not a transfer state: choose one of the list.", state)
	}
	ts, err := s.onb.Transfers(ctx, hrconnect.TransferFilter{TenantID: a.Tenant.ID, State: state, Limit: 500})
	if err != nil {
		return err
	}
	names, err := s.connectionNames(r, a)
	if err != nil {
		return err
	}
	people := map[string]string{}
	rows := make([]*transferRow, 0, len(ts))
	for _, t := range ts {
		row := &transferRow{T: t, ConnectionName: names[t.ConnectionID]}
		if row.ConnectionName == "" {
			row.ConnectionName = t.ConnectionID
		}
		if n, ok := people[t.ApplicantID]; ok {
			row.Applicant = n
		} else {
			row.Applicant = t.ApplicantID
			if ap, err := s.onb.Applicant(ctx, a.Tenant.ID, t.ApplicantID); err == nil {
				row.Applicant = ap.FirstName + " " + ap.Surname
			} else if hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
				return err
			}
			people[t.ApplicantID] = row.Applicant
		}
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "transfers", &view{Title: "Transfers", Nav: "transfers", Actor: a,
		Data: map[string]any{"Rows": rows, "State": string(state), "States": transferStates}})
	return nil
}

// transferPage is what a transfer's page shows.
type transferPage struct {
	T              *hrconnect.Transfer
	Log            []*hrconnect.TransferAttempt
	Applicant      *hrconnect.Applicant
	ConnectionName string
}

// Label is the transfer's state as the page says it.
func (p *transferPage) Label() string { return transferLabel(p.T.State) }

// transferDetail is GET /transfers/{id}: state, attempts, the record sent,
// Zoho's reply, the Zoho record ID, the last error with its resolution, the
// log, and Retry for a failed transfer. While the transfer is not done the
// page reloads itself every few seconds.
func (s *Server) transferDetail(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	t, err := s.onb.Transfer(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := &transferPage{T: t, ConnectionName: t.ConnectionID}
	if p.Log, err = s.onb.TransferLog(ctx, a.Tenant.ID, t.ID); err != nil {
		return err
	}
	if c, err := s.store.Connection(ctx, a.Tenant.ID, t.ConnectionID); err == nil {
		p.ConnectionName = c.Name
	}
	if ap, err := s.onb.Applicant(ctx, a.Tenant.ID, t.ApplicantID); err == nil {
		p.Applicant = ap
	} else if hrconnect.ErrorCode(err) != hrconnect.ENOTFOUND {
		return err
	}
	v := &view{Title: "Transfer " + t.ID, Nav: "transfers", Actor: a, Data: p}
	if !t.State.Done() {
		v.Refresh = 2
	}
	s.render(w, r, http.StatusOK, "transfer", v)
	return nil
}

// transferRetry is POST /transfers/{id}/retry: a failed transfer, after a
// person fixed what its error said, is queued again.
func (s *Server) transferRetry(w http.ResponseWriter, r *http.Request, a *actor) error {
	ctx := r.Context()
	t, err := s.onb.Transfer(ctx, a.Tenant.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.State != hrconnect.TransferFailed {
		return &hrconnect.Error{Code: hrconnect.ECONFLICT, Message: "Only a failed transfer can be retried; this one is " + transferLabel(t.State) + ".",
			Resolution: "A transfer that is pending or waiting finishes by itself."}
	}
	if _, err := s.onb.Retry(ctx, a.Tenant.ID, t.ID); err != nil {
		return err
	}
	s.audit(r, a, "transfer.retried", t.ID, "Retried the transfer of applicant "+t.ApplicantID+".")
	s.flash(w, "The transfer is queued again.")
	seeOther(w, r, "/transfers/"+t.ID)
	return nil
}
