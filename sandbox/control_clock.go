package sandbox

import (
	"net/http"
	"time"
)

// clockView is the answer of the clock and reset endpoints.
type clockView struct {
	Now           time.Time `json:"now"`
	OffsetSeconds float64   `json:"offset_seconds"` // how far the clock is ahead of real time
	Frozen        bool      `json:"frozen"`
}

func (s *Server) clockViewLocked() clockView {
	return clockView{Now: s.nowLocked(), OffsetSeconds: s.offset.Seconds(), Frozen: !s.frozen.IsZero()}
}

// controlClock is GET /_sandbox/clock and POST /_sandbox/clock
// {"advance_seconds":N, "freeze":true|false}: read the sandbox clock, move it
// forward (never back), or freeze it so that it moves only when told, which
// makes tests at a limit's exact edge independent of the machine's speed.
// Token expiry, throttle windows and People lock-outs follow it.
func (s *Server) controlClock(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			AdvanceSeconds *float64 `json:"advance_seconds"`
			Freeze         *bool    `json:"freeze"`
		}
		if !decodeControl(w, r, &req, false) {
			return
		}
		switch {
		case req.AdvanceSeconds == nil && req.Freeze == nil:
			writeControlErrors(w, http.StatusBadRequest, `advance_seconds is missing; send {"advance_seconds": N} with N ≥ 0, or {"freeze": true}`)
			return
		case req.AdvanceSeconds != nil && *req.AdvanceSeconds < 0:
			writeControlErrors(w, http.StatusBadRequest, "advance_seconds is negative; the sandbox clock only moves forward (POST /_sandbox/reset starts it again)")
			return
		}
		if req.Freeze != nil {
			s.Freeze(*req.Freeze)
		}
		if req.AdvanceSeconds != nil {
			s.Advance(time.Duration(*req.AdvanceSeconds * float64(time.Second)))
		}
	}
	s.mu.Lock()
	v := s.clockViewLocked()
	s.mu.Unlock()
	writeControlJSON(w, http.StatusOK, v)
}

// Freeze stops the sandbox clock (on) so that it moves only by Advance, or
// lets it run with real time again (off), carrying on from where it stood.
func (s *Server) Freeze(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.frozen.IsZero():
		s.frozen = time.Now()
	case !on && !s.frozen.IsZero():
		// Keep the reading continuous: what was frozen+offset is now+offset'.
		s.offset += s.frozen.Sub(time.Now())
		s.frozen = time.Time{}
	}
}

// controlReset is POST /_sandbox/reset: everything back to the state of New
// (clients, users, organisations, records, tokens, faults, limits, clock).
func (s *Server) controlReset(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	s.mu.Lock()
	v := s.clockViewLocked()
	s.mu.Unlock()
	writeControlJSON(w, http.StatusOK, v)
}

// Reset brings the sandbox back to the state New returns.
func (s *Server) Reset() {
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
}
