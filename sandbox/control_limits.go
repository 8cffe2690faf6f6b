package sandbox

import "net/http"

// controlLimits is GET /_sandbox/limits and PUT /_sandbox/limits. A PUT body
// names the fields to change and keeps the others, so {"off": true} alone
// switches every throttle and cap off. Answer: the limits now in force.
func (s *Server) controlLimits(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		l := s.Limits()
		if !decodeControl(w, r, &l, false) {
			return
		}
		if p := l.problems(); p != nil {
			writeControlErrors(w, http.StatusBadRequest, p...)
			return
		}
		// Another PUT may have landed between the read and this write; the
		// last one wins, as with any PUT.
		_ = s.SetLimits(l)
	}
	writeControlJSON(w, http.StatusOK, s.Limits())
}
