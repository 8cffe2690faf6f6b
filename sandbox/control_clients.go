package sandbox

import (
	"fmt"
	"net/http"
)

// controlRegisterClient is POST /_sandbox/clients: the API Console's client
// registration. Body: clientSpec. Answer: {"client_id","client_secret"}.
func (s *Server) controlRegisterClient(w http.ResponseWriter, r *http.Request) {
	var spec clientSpec
	if !decodeControl(w, r, &spec, false) {
		return
	}
	s.mu.Lock()
	c, errs := s.registerClientLocked(spec)
	s.mu.Unlock()
	if errs != nil {
		writeControlErrors(w, http.StatusBadRequest, errs...)
		return
	}
	writeControlJSON(w, http.StatusOK, map[string]string{"client_id": c.id, "client_secret": c.secret})
}

// controlDCSecret is POST /_sandbox/clients/{id}/dc-secret {"dc"}: the
// client's secret in that DC, which differs from its home secret when
// Multi-DC is enabled. Answer: {"client_secret"}.
func (s *Server) controlDCSecret(w http.ResponseWriter, r *http.Request) {
	var req struct {
		DC string `json:"dc"`
	}
	if !decodeControl(w, r, &req, false) {
		return
	}
	s.mu.Lock()
	c := s.clients[r.PathValue("id")]
	var secret string
	var ok bool
	if c != nil {
		secret, ok = c.secretFor(req.DC)
	}
	s.mu.Unlock()
	switch {
	case c == nil:
		writeControlErrors(w, http.StatusBadRequest, fmt.Sprintf("no client with ID %q; register one with POST /_sandbox/clients", r.PathValue("id")))
	case !knownDCs[req.DC]:
		writeControlErrors(w, http.StatusBadRequest, fmt.Sprintf("dc %q is not a data centre", req.DC))
	case !ok:
		writeControlErrors(w, http.StatusBadRequest, fmt.Sprintf("client %s lives in %s and Multi-DC is not enabled for it, so it has no secret in %s; register it with \"multi_dc\": true", c.id, c.dc, req.DC))
	default:
		writeControlJSON(w, http.StatusOK, map[string]string{"client_secret": secret})
	}
}

// controlSelfClientCode is POST /_sandbox/self-client/code: the Self Client's
// Generate Code. Body: codeSpec. Answer: {"code"}. Past the client's
// grant-token limit it answers 429 with the reason.
func (s *Server) controlSelfClientCode(w http.ResponseWriter, r *http.Request) {
	var spec codeSpec
	if !decodeControl(w, r, &spec, false) {
		return
	}
	s.mu.Lock()
	g, errs, throttled := s.selfClientCodeLocked(spec)
	s.mu.Unlock()
	switch {
	case throttled:
		writeControlErrors(w, http.StatusTooManyRequests, errs...)
	case errs != nil:
		writeControlErrors(w, http.StatusBadRequest, errs...)
	default:
		writeControlJSON(w, http.StatusOK, map[string]string{"code": g.code})
	}
}
