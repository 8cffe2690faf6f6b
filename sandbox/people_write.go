package sandbox

import (
	"net/http"
)

// Employee statuses set by insertRecord when the client sends none.
const (
	peopleStatusActive   = "Active"
	peopleStatusInactive = "Inactive"
)

// peopleInsertRecord serves POST …/forms/json/{form}/insertRecord.
//
// Checks run in this order, and the first that fails answers: token (401
// INVALID_OAUTHTOKEN), scope (401, 7218), the organisation's insert threshold
// (7209), form (7011), inputData (7016, 7013, 7050, 7052, 7053), password with
// isDirectAdd (7019), uniqueness (7051). Everything that needs no shared state
// is worked out before s.mu is taken, so that parallel inserts spend little
// time under the one lock; its verdict is only reported in the order above.
func (s *Server) peopleInsertRecord(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "people.insertRecord") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	formName := r.PathValue("form")
	uri := "/api/forms/json/" + formName + "/insertRecord"

	var (
		form    = peopleForms[formName]
		vals    map[string]string
		perr    *peopleError
		nonUser bool
		direct  bool
	)
	param, ok := peopleParams(r)
	switch {
	case !ok:
		perr = newPeopleError(peopleCodeInvalidInput, "Invalid input data: the request body cannot be read")
	case form == nil:
		perr = newPeopleError(peopleCodeInvalidForm, "Form name is invalid")
	default:
		direct, nonUser = peopleFlag(param("isDirectAdd")), peopleFlag(param("isNonUser"))
		vals, perr = parsePeopleInput(form, param("inputData"), true)
		if perr == nil && direct && param("password") == "" {
			perr = newPeopleError(peopleCodeMissingParam, "Missing parameter: password is mandatory when isDirectAdd is true")
		}
	}
	if perr == nil {
		for k, v := range vals {
			if v == "" {
				delete(vals, k) // a blank optional field is no field
			}
		}
		if form.status != "" && vals[form.status] == "" {
			// Without isDirectAdd Zoho creates the employee inactive and
			// invites them; with it the employee is active at once.
			vals[form.status] = peopleStatusInactive
			if direct {
				vals[form.status] = peopleStatusActive
			}
		}
	}

	s.mu.Lock()
	tok, authErr := s.peopleAuthLocked(r, dc, formName, peopleOpCreate, nil)
	if authErr != nil {
		s.mu.Unlock()
		writePeopleError(w, uri, authErr)
		return
	}
	now := s.nowLocked()
	people := tok.org.people
	if !people.admitInsert(now, s.limits) {
		perr = errPeopleLocked
	}
	if perr != nil {
		s.mu.Unlock()
		writePeopleError(w, uri, perr)
		return
	}
	t := people.tables[formName]
	if perr := t.conflict(vals, nil); perr != nil {
		s.mu.Unlock()
		writePeopleError(w, uri, perr)
		return
	}
	by := tokenUserEmail(tok)
	rec := &peopleRecord{
		id: s.nextIDLocked(), fields: vals,
		nonUser: nonUser, invited: form.status != "" && !direct && !nonUser,
		added: now, addedBy: by, modified: now, modifiedBy: by,
	}
	t.add(rec)
	s.mu.Unlock()
	writePeopleWritten(w, uri, rec.id, "Successfully Added", "Data added successfully")
}

// peopleUpdateRecord serves POST …/forms/json/{form}/updateRecord with
// recordId and inputData. The checks are insert's, without the threshold and
// the password; only the fields sent change, a blank value clears a field
// (not a mandatory one: 7052), an unknown recordId gives 7049 and a value
// taken by another record 7051.
func (s *Server) peopleUpdateRecord(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "people.updateRecord") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	formName := r.PathValue("form")
	uri := "/api/forms/json/" + formName + "/updateRecord"

	var (
		form     = peopleForms[formName]
		vals     map[string]string
		perr     *peopleError
		recordID string
	)
	param, ok := peopleParams(r)
	switch {
	case !ok:
		perr = newPeopleError(peopleCodeInvalidInput, "Invalid input data: the request body cannot be read")
	case form == nil:
		perr = newPeopleError(peopleCodeInvalidForm, "Form name is invalid")
	default:
		if recordID = param("recordId"); recordID == "" {
			perr = newPeopleError(peopleCodeMissingParam, "Missing parameter: recordId")
		} else {
			vals, perr = parsePeopleInput(form, param("inputData"), false)
		}
	}

	s.mu.Lock()
	tok, perr := s.peopleAuthLocked(r, dc, formName, peopleOpUpdate, perr)
	if perr != nil {
		s.mu.Unlock()
		writePeopleError(w, uri, perr)
		return
	}
	t := tok.org.people.tables[formName]
	rec := t.byID[recordID]
	if rec == nil {
		s.mu.Unlock()
		writePeopleError(w, uri, newPeopleError(peopleCodeNoSuchRecord, "No record found for the recordId "+recordID))
		return
	}
	if perr := t.conflict(vals, rec); perr != nil {
		s.mu.Unlock()
		writePeopleError(w, uri, perr)
		return
	}
	t.update(rec, vals, s.nowLocked(), tokenUserEmail(tok))
	s.mu.Unlock()
	writePeopleWritten(w, uri, rec.id, "Successfully Updated", "Data updated successfully")
}

// tokenUserEmail names the person a token acts for, for AddedBy and the like.
func tokenUserEmail(t *accessToken) string {
	if t.user == nil {
		return ""
	}
	return t.user.email
}
