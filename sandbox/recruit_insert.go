package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// recruitMaxInsert is the most records one insert may carry (API-FACTS §3.3).
const recruitMaxInsert = 100

// recruitSuccessDetails is a SUCCESS item's details, in the key order of
// Zoho's sample.
type recruitSuccessDetails struct {
	ModifiedTime string         `json:"Modified_Time"`
	ModifiedBy   recruitUserRef `json:"Modified_By"`
	CreatedTime  string         `json:"Created_Time"`
	ID           string         `json:"id"`
	CreatedBy    recruitUserRef `json:"Created_By"`
}

// recruitSuccessItem is one inserted record's answer.
type recruitSuccessItem struct {
	Code    string                `json:"code"`
	Details recruitSuccessDetails `json:"details"`
	Message string                `json:"message"`
	Status  string                `json:"status"`
}

// recruitInsert serves POST /recruit/v2/Candidates with {"data":[…]} (and an
// optional "trigger", accepted and ignored). Each record succeeds or fails on
// its own, in order, so a later record of the batch that repeats an earlier
// one's email is a DUPLICATE_DATA. HTTP status: 201 when all succeed, 400 when
// all fail, 207 when mixed. A body that is not such an object, an empty data
// or more than 100 records are refused as a whole with 400.
func (s *Server) recruitInsert(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "recruit.insert") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	records, rerr := readRecruitInsert(w, r)
	// Check each record alone before taking the lock.
	checked := make([]map[string]any, len(records))
	errs := make([]*recruitItemError, len(records))
	for i, raw := range records {
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber() // keep numbers as sent
		if err := dec.Decode(&m); err != nil || m == nil {
			errs[i] = newRecruitItemError("INVALID_DATA", "invalid data", map[string]any{"expected_data_type": "jsonobject"})
			continue
		}
		checked[i], errs[i] = checkCandidate(m)
	}

	s.mu.Lock()
	tok, authErr := s.recruitAuthLocked(r, dc, recruitOpCreate)
	if authErr != nil {
		rerr = authErr
	}
	if rerr != nil {
		s.mu.Unlock()
		writeRecruitError(w, rerr)
		return
	}
	data := tok.org.recruit
	now := s.nowLocked()
	by := recruitUserRef{}
	if tok.user != nil {
		by = recruitUserRef{Name: tok.user.email, ID: tok.user.id}
	}
	items := make([]any, len(records))
	added := 0
	for i, fields := range checked {
		if errs[i] == nil {
			errs[i] = data.duplicate(fields)
		}
		if errs[i] != nil {
			items[i] = errs[i]
			continue
		}
		c := data.add(s.nextIDLocked(), fields, now, by)
		added++
		stamp := now.UTC().Format(recruitTimeLayout)
		items[i] = recruitSuccessItem{
			Code:    "SUCCESS",
			Details: recruitSuccessDetails{ModifiedTime: stamp, ModifiedBy: by, CreatedTime: stamp, ID: c.id, CreatedBy: by},
			Message: "record added",
			Status:  "success",
		}
	}
	s.mu.Unlock()

	status := http.StatusMultiStatus
	switch added {
	case len(records):
		status = http.StatusCreated
	case 0:
		status = http.StatusBadRequest
	}
	writeRecruitJSON(w, status, map[string]any{"data": items})
}

// readRecruitInsert decodes an insert body into its raw records, or returns
// the error that refuses the whole call.
func readRecruitInsert(w http.ResponseWriter, r *http.Request) ([]json.RawMessage, *recruitError) {
	var body struct {
		Data    []json.RawMessage `json:"data"`
		Trigger []string          `json:"trigger"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20)).Decode(&body); err != nil {
		return nil, newRecruitError(http.StatusBadRequest, "INVALID_DATA", "the body is not a JSON object with a data array: "+err.Error(), nil)
	}
	switch {
	case len(body.Data) == 0:
		return nil, newRecruitError(http.StatusBadRequest, "MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "data"})
	case len(body.Data) > recruitMaxInsert:
		return nil, newRecruitError(http.StatusBadRequest, "LIMIT_EXCEEDED", "at most 100 records can be inserted in one call", map[string]any{"limit": recruitMaxInsert})
	}
	return body.Data, nil
}
