package sandbox

import "net/http"

// handleRevoke is POST {accounts}/oauth/v2/token/revoke?token=…: it revokes a
// refresh token (and every access token tied to it) or an access token. A
// token this DC does not know, or no longer honours, is HTTP 400.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	dc, ok := s.dcFromRequest(w, r)
	if !ok || !s.begin(w, r, "accounts.revoke") {
		return
	}
	if err := parseParams(r); err != nil {
		http.Error(w, "cannot read the request's parameters: "+err.Error(), http.StatusBadRequest)
		return
	}
	token := r.Form.Get("token")
	s.mu.Lock()
	done := false
	if rt := s.refresh[token]; rt != nil && rt.dc == dc && !rt.revoked {
		s.revokeRefreshLocked(rt)
		done = true
	} else if at := s.access[token]; at != nil && at.dc == dc && s.liveLocked(at) {
		at.revoked = true
		done = true
	}
	s.mu.Unlock()
	if !done {
		writeAccountsJSON(w, http.StatusBadRequest, tokenError{Error: "invalid_token"})
		return
	}
	writeAccountsJSON(w, http.StatusOK, map[string]string{"status": "success"})
}
