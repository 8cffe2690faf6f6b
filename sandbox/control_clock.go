package sandbox

import (
	"net/http"
	"time"
)

// clockView is the answer of the clock and reset endpoints.
type clockView struct {
	Now           time.Time `json:"now"`
	OffsetSeconds float64   `json:"offset_seconds"` // how far the clock is ahead of real time
}

// controlClock is GET /_sandbox/clock and POST /_sandbox/clock
// {"advance_seconds":N}: read the sandbox clock, or move it forward (never
// back). Token expiry, throttle windows and People lock-outs follow it.
func (s *Server) controlClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			AdvanceSeconds *float64 `json:"advance_seconds"`
		}
		if !decodeControl(w, r, &req, false) {
			return
		}
		switch {
		case req.AdvanceSeconds == nil:
			writeControlErrors(w, http.StatusBadRequest, `advance_seconds is missing; send {"advance_seconds": N} with N ≥ 0`)
			return
		case *req.AdvanceSeconds < 0:
			writeControlErrors(w, http.StatusBadRequest, "advance_seconds is negative; the sandbox clock only moves forward (POST /_sandbox/reset starts it again)")
			return
		}
		s.Advance(time.Duration(*req.AdvanceSeconds * float64(time.Second)))
	}
	s.mu.Lock()
	v := clockView{Now: s.nowLocked(), OffsetSeconds: s.offset.Seconds()}
	s.mu.Unlock()
	writeControlJSON(w, http.StatusOK, v)
}

// controlReset is POST /_sandbox/reset: everything back to the state of New
// (clients, users, organisations, records, tokens, faults, limits, clock).
func (s *Server) controlReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	s.mu.Lock()
	v := clockView{Now: s.nowLocked(), OffsetSeconds: s.offset.Seconds()}
	s.mu.Unlock()
	writeControlJSON(w, http.StatusOK, v)
}

// Reset brings the sandbox back to the state New returns.
func (s *Server) Reset() {
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
}
