package sandbox

import (
	"net/http"
	"strconv"
	"strings"
)

// recruitMaxPerPage is the largest (and default) page of Candidates.
const recruitMaxPerPage = 200

// recruitAuthLocked checks the request's token and its scope for op on
// candidates. s.mu must be held.
func (s *Server) recruitAuthLocked(r *http.Request, dc, op string) (*accessToken, *recruitError) {
	tok := s.bearerLocked(r, dc)
	if tok == nil || tok.org == nil {
		return nil, errRecruitInvalidToken
	}
	if !recruitScopeAllows(tok.scopes, "candidate", op) {
		return nil, errRecruitScopeMismatch
	}
	return tok, nil
}

// recruitPaging reads page (from 1, default 1) and per_page (1 to 200,
// default 200); anything else is INVALID_DATA with HTTP 400.
func recruitPaging(r *http.Request) (page, perPage int, rerr *recruitError) {
	page, perPage = 1, recruitMaxPerPage
	q := r.URL.Query()
	if s := q.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, 0, newRecruitError(http.StatusBadRequest, "INVALID_DATA", "page must be a whole number from 1", map[string]any{"param_name": "page"})
		}
		page = n
	}
	if s := q.Get("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > recruitMaxPerPage {
			return 0, 0, newRecruitError(http.StatusBadRequest, "INVALID_DATA", "per_page must be a whole number from 1 to 200", map[string]any{"param_name": "per_page"})
		}
		perPage = n
	}
	return page, perPage, nil
}

// writeRecruitPage answers one page of the matches, in insertion order, or
// HTTP 204 with no body when the page is empty, as Zoho CRM does.
func writeRecruitPage(w http.ResponseWriter, matches []map[string]any, page, perPage int, more bool) {
	if len(matches) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeRecruitJSON(w, http.StatusOK, recruitPage{
		Data: matches,
		Info: recruitInfo{PerPage: perPage, Count: len(matches), Page: page, MoreRecords: more},
	})
}

// pageOf returns the views of the page'th page of the candidates that pass
// keep (every one when keep is nil), and whether more follow. s.mu must be held.
func pageOf(cands []*candidate, keep func(*candidate) bool, page, perPage int) ([]map[string]any, bool) {
	skip := (page - 1) * perPage
	var out []map[string]any
	for _, c := range cands {
		if keep != nil && !keep(c) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == perPage {
			return out, true
		}
		out = append(out, c.view())
	}
	return out, false
}

// recruitList serves GET /recruit/v2/Candidates.
func (s *Server) recruitList(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "recruit.list") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	page, perPage, perr := recruitPaging(r)
	s.mu.Lock()
	tok, rerr := s.recruitAuthLocked(r, dc, recruitOpRead)
	if rerr == nil && perr != nil {
		rerr = perr
	}
	if rerr != nil {
		s.mu.Unlock()
		writeRecruitError(w, rerr)
		return
	}
	data, more := pageOf(tok.org.recruit.candidates, nil, page, perPage)
	s.mu.Unlock()
	writeRecruitPage(w, data, page, perPage, more)
}

// recruitGet serves GET /recruit/v2/Candidates/{id}: {"data":[record]}, or
// HTTP 204 when no candidate has that ID.
func (s *Server) recruitGet(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "recruit.get") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	tok, rerr := s.recruitAuthLocked(r, dc, recruitOpRead)
	if rerr != nil {
		s.mu.Unlock()
		writeRecruitError(w, rerr)
		return
	}
	c := tok.org.recruit.byID[r.PathValue("id")]
	var view map[string]any
	if c != nil {
		view = c.view()
	}
	s.mu.Unlock()
	if view == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeRecruitJSON(w, http.StatusOK, map[string]any{"data": []map[string]any{view}})
}

// recruitSearch serves GET /recruit/v2/Candidates/search with one of criteria
// (see recruit_criteria.go), email (exact, ignoring case), phone (Phone or
// Mobile, exact) or word (a substring of any text field), and page/per_page.
// Bad criteria give INVALID_QUERY, none of the four REQUIRED_PARAM_MISSING,
// both with HTTP 400; no match gives HTTP 204.
func (s *Server) recruitSearch(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "recruit.search") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	page, perPage, perr := recruitPaging(r)
	q := r.URL.Query()

	s.mu.Lock()
	tok, rerr := s.recruitAuthLocked(r, dc, recruitOpRead)
	if rerr == nil && perr != nil {
		rerr = perr
	}
	if rerr != nil {
		s.mu.Unlock()
		writeRecruitError(w, rerr)
		return
	}
	data := tok.org.recruit
	cands := data.candidates
	var keep func(*candidate) bool
	switch {
	case q.Get("criteria") != "":
		crit, err := parseRecruitCriteria(q.Get("criteria"), data.knows)
		if err != nil {
			s.mu.Unlock()
			writeRecruitError(w, newRecruitError(http.StatusBadRequest, "INVALID_QUERY", "invalid query formed", map[string]any{"reason": err.Error()}))
			return
		}
		keep = crit.match
	case q.Get("email") != "":
		cands = nil
		if c := data.byEmail[strings.ToLower(strings.TrimSpace(q.Get("email")))]; c != nil {
			cands = []*candidate{c}
		}
	case q.Get("phone") != "":
		phone := strings.TrimSpace(q.Get("phone"))
		keep = func(c *candidate) bool { return c.text("Phone") == phone || c.text("Mobile") == phone }
	case q.Get("word") != "":
		word := strings.ToLower(q.Get("word"))
		keep = func(c *candidate) bool {
			for _, v := range c.fields {
				if s, ok := v.(string); ok && strings.Contains(strings.ToLower(s), word) {
					return true
				}
			}
			return false
		}
	default:
		s.mu.Unlock()
		writeRecruitError(w, newRecruitError(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "criteria"}))
		return
	}
	matches, more := pageOf(cands, keep, page, perPage)
	s.mu.Unlock()
	writeRecruitPage(w, matches, page, perPage, more)
}
