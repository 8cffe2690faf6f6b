package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// seedRecruitCandidates serves POST /_sandbox/recruit/candidates: it adds
// candidates to an organisation with the insert API's checks (Last_Name
// mandatory, field types, unique Email) but without its 100-record cap, all
// or none: one bad record refuses the whole batch with 400 and a message per
// bad record.
func (s *Server) seedRecruitCandidates(w http.ResponseWriter, r *http.Request) {
	req, ok := readSeedRequest(w, r)
	if !ok {
		return
	}
	var errs []string
	checked := make([]map[string]any, len(req.Records))
	for i, raw := range req.Records {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil || m == nil {
			errs = append(errs, fmt.Sprintf("records[%d]: not a JSON object", i))
			continue
		}
		c, ierr := checkCandidate(m)
		if ierr != nil {
			errs = append(errs, fmt.Sprintf("records[%d]: %s %s %v", i, ierr.Code, ierr.Message, ierr.Details))
			continue
		}
		checked[i] = c
	}

	s.mu.Lock()
	ids, errs := s.seedCandidatesLocked(req, checked, errs)
	s.mu.Unlock()
	if len(errs) > 0 {
		writeControlErrors(w, http.StatusBadRequest, errs...)
		return
	}
	writeControlJSON(w, http.StatusOK, seedRecordsResponse{IDs: ids})
}

// seedCandidatesLocked adds the checked candidates unless errs already holds
// an error or an Email is taken, by an existing candidate or an earlier one
// of the batch. s.mu must be held.
func (s *Server) seedCandidatesLocked(req seedRecordsRequest, checked []map[string]any, errs []string) ([]string, []string) {
	o, u, err := s.seedOrgLocked(req.DC, req.Org)
	if err != nil {
		return nil, append([]string{err.Error()}, errs...)
	}
	data := o.recruit
	batch := newRecruitData()
	for i, c := range checked {
		if c == nil {
			continue
		}
		ierr := data.duplicate(c)
		if ierr == nil {
			ierr = batch.duplicate(c)
		}
		if ierr != nil {
			errs = append(errs, fmt.Sprintf("records[%d]: %s %s %v", i, ierr.Code, ierr.Message, ierr.Details))
			continue
		}
		batch.add(fmt.Sprint(i), c, time.Time{}, recruitUserRef{})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	now := s.nowLocked()
	by := recruitUserRef{Name: u.email, ID: u.id}
	ids := make([]string, len(checked))
	for i, c := range checked {
		ids[i] = data.add(s.nextIDLocked(), c, now, by).id
	}
	return ids, nil
}
