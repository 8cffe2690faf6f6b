package sandbox

import "net/http"

// routeRecruit registers Zoho Recruit v2's Candidates under every DC's
// Recruit host, http://ADDR/{dc}/recruit, and the control endpoint that seeds
// candidates.
func (s *Server) routeRecruit(mux *http.ServeMux) {
	const base = "/{dc}/recruit/recruit/v2/Candidates"
	mux.HandleFunc("GET "+base, s.recruitList)
	mux.HandleFunc("POST "+base, s.recruitInsert)
	mux.HandleFunc("GET "+base+"/search", s.recruitSearch)
	mux.HandleFunc("GET "+base+"/{id}", s.recruitGet)
	mux.HandleFunc("POST /_sandbox/recruit/candidates", s.seedRecruitCandidates)
}
