package sandbox

import (
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"
)

// faultKind is what an injected fault does to a call.
type faultKind string

// The kinds of fault, as named in POST /_sandbox/faults.
const (
	faultLatency      faultKind = "latency"       // wait, then answer normally
	faultStatus       faultKind = "status"        // answer with an HTTP status (500, 503, ...)
	faultDrop         faultKind = "drop"          // close the connection without answering
	faultAccessDenied faultKind = "access_denied" // the token endpoint's throttle body
	faultLockOut      faultKind = "lockout"       // lock the caller's People organisation out (7209)
	faultRevoke       faultKind = "revoke"        // revoke a refresh token, or all of a client's
)

// faultEndpoints are the endpoint names that calls are counted under and
// faults injected into.
var faultEndpoints = []string{
	"accounts.auth", "accounts.token", "accounts.revoke",
	"people.insertRecord", "people.updateRecord", "people.getRecords", "people.getRecordByID",
	"recruit.list", "recruit.get", "recruit.search", "recruit.insert",
}

// fault is one injected fault: it fires on the next remaining calls to its
// endpoint, or, with byRate, on each call with probability rate, drawn from its
// own seeded generator so that a test sees the same pattern on every run.
type fault struct {
	id       string
	endpoint string
	kind     faultKind
	latency  time.Duration
	status   int
	// refreshToken or clientID name what a revoke fault revokes.
	refreshToken string
	clientID     string

	remaining int
	byRate    bool
	rate      float64
	seed      uint64
	rng       *rand.Rand
	fired     int
}

// firesLocked decides whether f fires on this call and counts it down.
func (f *fault) firesLocked() bool {
	if f.byRate {
		if f.rng.Float64() >= f.rate {
			return false
		}
	} else {
		if f.remaining <= 0 {
			return false
		}
		f.remaining--
	}
	f.fired++
	return true
}

// terminal reports whether the fault answers the call itself.
func (f *fault) terminal() bool {
	return f.kind == faultStatus || f.kind == faultDrop || f.kind == faultAccessDenied
}

// begin counts a call to endpoint and applies the faults injected for it. It
// returns false when a fault has already answered (or dropped) the request, in
// which case the handler must return at once. Call it without s.mu held.
//
// Faults fire in the order they were injected: latencies add up, revoke and
// lock-out faults change the state the handler then sees, and the first
// status, drop or Access Denied fault that fires answers the call (later ones
// are not consulted, so their counts are kept for later calls).
func (s *Server) begin(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	s.mu.Lock()
	s.calls[endpoint]++
	if len(s.faults) == 0 {
		s.mu.Unlock()
		return true
	}
	var delay time.Duration
	var answer *fault
	spent := false
	for _, f := range s.faults {
		if f.endpoint != endpoint || !f.firesLocked() {
			continue
		}
		spent = spent || (!f.byRate && f.remaining == 0)
		switch f.kind {
		case faultLatency:
			delay += f.latency
		case faultRevoke:
			s.applyRevokeFaultLocked(f)
		case faultLockOut:
			s.applyLockOutFaultLocked(r)
		default:
			answer = f
		}
		if answer != nil {
			break
		}
	}
	if spent {
		s.dropSpentFaultsLocked()
	}
	var kind faultKind
	var status int
	if answer != nil {
		kind, status = answer.kind, answer.status
		if kind == faultAccessDenied {
			s.calls[accessDeniedCalls]++
		}
	}
	s.mu.Unlock()

	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false // the client gave up; nobody is left to answer
		}
	}
	switch kind {
	case faultStatus:
		http.Error(w, http.StatusText(status), status)
		return false
	case faultAccessDenied:
		writeAccountsJSON(w, http.StatusOK, errAccessDenied)
		return false
	case faultDrop:
		dropConnection(w)
		return false
	}
	return true
}

// dropSpentFaultsLocked forgets count faults that have fired their last time.
func (s *Server) dropSpentFaultsLocked() {
	kept := s.faults[:0:0]
	for _, f := range s.faults {
		if f.byRate || f.remaining > 0 {
			kept = append(kept, f)
		}
	}
	s.faults = kept
}

// applyRevokeFaultLocked revokes what a revoke fault names, as if the user had
// revoked access in Zoho's settings.
func (s *Server) applyRevokeFaultLocked(f *fault) {
	if rt := s.refresh[f.refreshToken]; rt != nil && !rt.revoked {
		s.revokeRefreshLocked(rt)
	}
	if f.clientID == "" {
		return
	}
	for _, rt := range s.refresh {
		if rt.client.id == f.clientID && !rt.revoked {
			s.revokeRefreshLocked(rt)
		}
	}
}

// applyLockOutFaultLocked locks out the People organisation of the call's
// access token for the configured lock period, so that the People handler
// answers 7209. A call without a valid token has no organisation to lock; it
// fails on its token anyway.
func (s *Server) applyLockOutFaultLocked(r *http.Request) {
	t := s.bearerLocked(r, r.PathValue("dc"))
	if t == nil || t.org == nil {
		return
	}
	until := s.nowLocked().Add(seconds(s.limits.PeopleLockoutSeconds))
	t.org.people.lockOut(until)
}

// dropConnection closes the connection under the request without answering,
// so that the client sees a transport error. HTTP/2 connections cannot be
// hijacked; aborting the handler resets the stream instead.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // a reset, not a tidy close
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// normaliseFaultKind accepts "lock-out" for "lockout", "Access Denied" for
// "access_denied" and the like.
func normaliseFaultKind(k string) faultKind {
	k = strings.ToLower(strings.TrimSpace(k))
	k = strings.NewReplacer("-", "_", " ", "_").Replace(k)
	switch k {
	case "lock_out":
		k = "lockout"
	case "dropped", "dropped_connection":
		k = "drop"
	}
	return faultKind(k)
}
