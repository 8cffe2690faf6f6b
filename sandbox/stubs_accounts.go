package sandbox

import "net/http"

func (s *Server) routeAccounts(mux *http.ServeMux) {}
func (s *Server) routeConsole(mux *http.ServeMux)  {}
func (s *Server) routeControl(mux *http.ServeMux)  {}

// begin counts a call to endpoint and applies the faults injected for it. It
// returns false when a fault has already answered (or dropped) the request, in
// which case the handler must return at once. Call it without s.mu held.
func (s *Server) begin(w http.ResponseWriter, r *http.Request, endpoint string) bool {
	s.mu.Lock()
	s.calls[endpoint]++
	s.mu.Unlock()
	return true
}
