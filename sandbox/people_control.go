package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// seedRecordsRequest is the body of the control endpoints that seed People
// and Recruit records: the DC, optionally the organisation (its ID or name;
// the DC's default organisation when empty), and the records' fields.
type seedRecordsRequest struct {
	DC      string            `json:"dc"`
	Org     string            `json:"org"`
	Records []json.RawMessage `json:"records"`
}

// seedRecordsResponse lists the new records' IDs, in the order sent.
type seedRecordsResponse struct {
	IDs []string `json:"ids"`
}

// readSeedRequest decodes a seeding request, or writes 400 and returns false.
// It reads up to 64 MiB, more than the control surface's other endpoints
// take, so that a benchmark can seed tens of thousands of records at once.
func readSeedRequest(w http.ResponseWriter, r *http.Request) (seedRecordsRequest, bool) {
	var req seedRecordsRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeControlErrors(w, http.StatusBadRequest, `the body must be one JSON object {"dc":"us","org":"<ID or name, optional>","records":[{…},…]}: `+err.Error())
		return req, false
	}
	if len(req.Records) == 0 {
		writeControlErrors(w, http.StatusBadRequest, "records: send at least one record")
		return req, false
	}
	return req, true
}

// seedOrgLocked returns the organisation a seeding request names: by ID or
// (case-insensitively) by name within the DC, or the DC's default
// organisation when org is empty. s.mu must be held.
func (s *Server) seedOrgLocked(dc, org string) (*org, *user, error) {
	d := s.dcs[strings.ToLower(dc)]
	if d == nil {
		return nil, nil, fmt.Errorf("dc: unknown data centre %q", dc)
	}
	if org == "" {
		return d.defaultOrg, d.defaultUser, nil
	}
	if o := d.orgs[org]; o != nil {
		return o, d.defaultUser, nil
	}
	for _, o := range d.orgs {
		if strings.EqualFold(o.name, org) {
			return o, d.defaultUser, nil
		}
	}
	return nil, nil, fmt.Errorf("org: no organisation %q in data centre %q", org, dc)
}

// seedPeopleEmployees serves POST /_sandbox/people/employees: it adds active
// employees to an organisation with insertRecord's validation (every code but
// the token, scope and threshold ones), all or none: one bad record refuses
// the whole batch with 400 and a message per bad record.
func (s *Server) seedPeopleEmployees(w http.ResponseWriter, r *http.Request) {
	req, ok := readSeedRequest(w, r)
	if !ok {
		return
	}
	form := peopleForms["employee"]
	var errs []string
	vals := make([]map[string]string, len(req.Records))
	for i, raw := range req.Records {
		v, perr := parsePeopleInput(form, string(raw), true)
		if perr != nil {
			errs = append(errs, fmt.Sprintf("records[%d]: %v %s", i, perr.code, perr.msg))
			continue
		}
		for k, x := range v {
			if x == "" {
				delete(v, k)
			}
		}
		if v[form.status] == "" {
			v[form.status] = peopleStatusActive
		}
		vals[i] = v
	}

	s.mu.Lock()
	ids, errs := s.seedEmployeesLocked(req, vals, errs)
	s.mu.Unlock()
	if len(errs) > 0 {
		writeControlErrors(w, http.StatusBadRequest, errs...)
		return
	}
	writeControlJSON(w, http.StatusOK, seedRecordsResponse{IDs: ids})
}

// seedEmployeesLocked adds the checked records unless errs already holds an
// error or a record collides with an existing one or another of the batch.
// s.mu must be held.
func (s *Server) seedEmployeesLocked(req seedRecordsRequest, vals []map[string]string, errs []string) ([]string, []string) {
	o, u, err := s.seedOrgLocked(req.DC, req.Org)
	if err != nil {
		return nil, append([]string{err.Error()}, errs...)
	}
	t := o.people.tables["employee"]
	// Records of the batch must not collide with each other either: check
	// them against a scratch table holding the batch so far.
	batch := newPeopleData().tables["employee"]
	for i, v := range vals {
		if v == nil {
			continue
		}
		perr := t.conflict(v, nil)
		if perr == nil {
			perr = batch.conflict(v, nil)
		}
		if perr != nil {
			errs = append(errs, fmt.Sprintf("records[%d]: %v %s", i, perr.code, perr.msg))
			continue
		}
		batch.add(&peopleRecord{id: fmt.Sprint(i), fields: v})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	now := s.nowLocked()
	ids := make([]string, len(vals))
	for i, v := range vals {
		rec := &peopleRecord{id: s.nextIDLocked(), fields: v, added: now, addedBy: u.email, modified: now, modifiedBy: u.email}
		t.add(rec)
		ids[i] = rec.id
	}
	return ids, nil
}
