package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// peopleMaxLimit is getRecords' largest page (API-FACTS §2.3); more gives 7021.
const peopleMaxLimit = 200

// peopleTimeLayout is how People shows AddedTime and ModifiedTime
// ("15-Jun-2026 03:36:06").
const peopleTimeLayout = "02-Jan-2006 15:04:05"

// peopleGetRecords serves GET …/forms/{form}/getRecords: sIndex (from 1),
// limit or rec_limit (at most 200, else 7021), a search by SearchColumn
// (EMPLOYEEID or EMPLOYEEMAILALIAS, employee form only) and SearchValue, and
// a search by searchParams ({searchField:'…',searchOperator:'…',searchText:'…'}
// joined by '|', combined by searchCriteria AND (default) or OR). Both
// searches may be given; a record must then pass both. Records come in
// insertion order; no match, or sIndex past the last match, gives 7024.
func (s *Server) peopleGetRecords(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "people.getRecords") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	formName := r.PathValue("form")
	uri := "/api/forms/" + formName + "/getRecords"
	q, perr := parsePeopleQuery(r, formName)

	s.mu.Lock()
	tok, perr := s.peopleAuthLocked(r, dc, formName, peopleOpRead, perr)
	if perr != nil {
		s.mu.Unlock()
		writePeopleError(w, uri, perr)
		return
	}
	t := tok.org.people.tables[formName]
	var result []map[string][]map[string]any
	matched := 0
	candidates := t.records
	if q.column != "" {
		candidates = nil
		if rec := t.lookup(q.column, q.columnValue); rec != nil {
			candidates = []*peopleRecord{rec}
		}
	}
	for _, rec := range candidates {
		if !q.matches(rec) {
			continue
		}
		matched++
		if matched < q.start {
			continue
		}
		result = append(result, map[string][]map[string]any{rec.id: {t.view(rec)}})
		if len(result) == q.limit {
			break
		}
	}
	s.mu.Unlock()

	if len(result) == 0 {
		writePeopleError(w, uri, newPeopleError(peopleCodeNoRecords, "No records found"))
		return
	}
	writePeopleResult(w, uri, "Data fetched successfully", result)
}

// peopleGetRecordByID serves GET …/forms/{form}/getRecordByID?recordId=…:
// the record's fields grouped by section, as Zoho shows them, with the
// read-only fields in a "System Fields" section and an empty tabularSections.
func (s *Server) peopleGetRecordByID(w http.ResponseWriter, r *http.Request) {
	if !s.begin(w, r, "people.getRecordByID") {
		return
	}
	dc, ok := s.dcFromRequest(w, r)
	if !ok {
		return
	}
	formName := r.PathValue("form")
	uri := "/api/forms/" + formName + "/getRecordByID"
	var perr *peopleError
	recordID := r.URL.Query().Get("recordId")
	switch {
	case peopleForms[formName] == nil:
		perr = newPeopleError(peopleCodeInvalidForm, "Form name is invalid")
	case recordID == "":
		perr = newPeopleError(peopleCodeMissingParam, "Missing parameter: recordId")
	}

	s.mu.Lock()
	tok, perr := s.peopleAuthLocked(r, dc, formName, peopleOpRead, perr)
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
	flat := t.view(rec)
	s.mu.Unlock()

	grouped := make(map[string]any, len(t.form.sections)+2)
	for _, sec := range t.form.sections {
		m := make(map[string]any, len(sec.fields))
		for _, f := range sec.fields {
			m[f] = flat[f]
		}
		grouped[sec.name] = m
	}
	system := make(map[string]any, len(peopleSystemFields))
	for _, f := range peopleSystemFields {
		system[f] = flat[f]
	}
	grouped["System Fields"] = system
	grouped["tabularSections"] = map[string]any{}
	writePeopleResult(w, uri, "Data fetched successfully", []any{grouped})
}

// peopleAuthLocked checks the token, its scope for op on form and a forced
// lock-out of the token's organisation, and then returns the request's own
// error perr, if any, in that order of precedence. s.mu must be held.
func (s *Server) peopleAuthLocked(r *http.Request, dc, form, op string, perr *peopleError) (*accessToken, *peopleError) {
	tok := s.bearerLocked(r, dc)
	if tok == nil || tok.org == nil {
		return nil, errPeopleInvalidToken
	}
	if !peopleScopeAllows(tok.scopes, form, op) {
		return nil, errPeopleInvalidScope
	}
	if tok.org.people.lockedOut(s.nowLocked()) {
		return nil, errPeopleLocked
	}
	return tok, perr
}

// peopleSystemFields are the read-only fields every record shows on reads.
var peopleSystemFields = []string{"Zoho_ID", "AddedBy", "AddedTime", "ModifiedBy", "ModifiedTime", "CreatedTime"}

// view returns rec as getRecords shows it: every field of the form ("" when
// unset) and the system fields. s.mu must be held; the map is a copy.
func (t *peopleTable) view(rec *peopleRecord) map[string]any {
	m := make(map[string]any, len(t.form.fields)+len(peopleSystemFields))
	for _, f := range t.form.fields {
		m[f] = rec.fields[f]
	}
	m["Zoho_ID"] = json.Number(rec.id) // a number in Zoho's records
	m["AddedBy"] = rec.addedBy
	m["AddedTime"] = rec.added.UTC().Format(peopleTimeLayout)
	m["ModifiedBy"] = rec.modifiedBy
	m["ModifiedTime"] = rec.modified.UTC().Format(peopleTimeLayout)
	m["CreatedTime"] = strconv.FormatInt(rec.added.UnixMilli(), 10)
	return m
}

// peopleQuery is a parsed getRecords request.
type peopleQuery struct {
	start, limit int // 1-based index of the first match to return; page size
	// column is the form field SearchColumn names ("" for none), with the
	// value it must have.
	column, columnValue string
	conds               []peopleCondition
	any                 bool // searchCriteria OR: one condition suffices
}

// peopleCondition is one {searchField, searchOperator, searchText}.
type peopleCondition struct {
	field, op, text string
}

// peopleSearchColumns maps SearchColumn's values to employee fields.
var peopleSearchColumns = map[string]string{
	"EMPLOYEEID":        "EmployeeID",
	"EMPLOYEEMAILALIAS": "EmailID",
}

// parsePeopleQuery reads getRecords' parameters. Its error codes: 7011
// unknown form, 7034 bad sIndex or limit, 7021 limit over 200, 7013 unknown
// SearchColumn or searchField, 7042 missing SearchValue or unparsable
// searchParams, 7043 unknown searchOperator.
func parsePeopleQuery(r *http.Request, formName string) (peopleQuery, *peopleError) {
	q := peopleQuery{start: 1, limit: peopleMaxLimit}
	form := peopleForms[formName]
	if form == nil {
		return q, newPeopleError(peopleCodeInvalidForm, "Form name is invalid")
	}
	v := r.URL.Query()
	get := func(names ...string) string {
		for _, n := range names {
			if s := v.Get(n); s != "" {
				return s
			}
		}
		return ""
	}
	if s := get("sIndex"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, newPeopleError(peopleCodeInvalidValue, "Invalid input value for sIndex: "+s)
		}
		q.start = n
	}
	if s := get("limit", "rec_limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return q, newPeopleError(peopleCodeInvalidValue, "Invalid input value for limit: "+s)
		}
		if n > peopleMaxLimit {
			return q, newPeopleError(peopleCodeLimitExceeded, "Maximum record limit 200 is exceeded")
		}
		q.limit = n
	}
	if col := get("SearchColumn", "searchColumn"); col != "" {
		field := peopleSearchColumns[strings.ToUpper(col)]
		if field == "" || formName != "employee" {
			return q, newPeopleError(peopleCodeInvalidField, "Field name is invalid: SearchColumn "+col)
		}
		val := strings.TrimSpace(get("SearchValue", "searchValue"))
		if val == "" {
			return q, newPeopleError(peopleCodeBadSearchValue, "Invalid search value: SearchValue is missing")
		}
		q.column, q.columnValue = field, val
	}
	if sp := get("searchParams"); sp != "" {
		objs, err := parseRelaxedObjects(sp, '|')
		if err != nil {
			return q, newPeopleError(peopleCodeBadSearchValue, "Invalid search value: searchParams: "+err.Error())
		}
		for _, obj := range objs {
			c, perr := parsePeopleCondition(form, obj)
			if perr != nil {
				return q, perr
			}
			q.conds = append(q.conds, c)
		}
	}
	switch crit := get("searchCriteria"); {
	case crit == "" || strings.EqualFold(crit, "AND"):
	case strings.EqualFold(crit, "OR"):
		q.any = true
	default:
		return q, newPeopleError(peopleCodeInvalidValue, "Invalid input value for searchCriteria: "+crit)
	}
	return q, nil
}

// peopleOperators are the searchOperator values the sandbox implements, by
// lower-case name. Every comparison ignores case, as Zoho's searches do for
// text.
var peopleOperators = map[string]func(value, text string) bool{
	"is":           func(v, t string) bool { return strings.EqualFold(v, t) },
	"is_not":       func(v, t string) bool { return !strings.EqualFold(v, t) },
	"contains":     func(v, t string) bool { return strings.Contains(strings.ToLower(v), strings.ToLower(t)) },
	"not_contains": func(v, t string) bool { return !strings.Contains(strings.ToLower(v), strings.ToLower(t)) },
	"like":         func(v, t string) bool { return strings.Contains(strings.ToLower(v), strings.ToLower(t)) },
	"starts_with":  func(v, t string) bool { return strings.HasPrefix(strings.ToLower(v), strings.ToLower(t)) },
	"ends_with":    func(v, t string) bool { return strings.HasSuffix(strings.ToLower(v), strings.ToLower(t)) },
	"is_empty":     func(v, _ string) bool { return v == "" },
	"is_not_empty": func(v, _ string) bool { return v != "" },
}

// parsePeopleCondition reads one searchParams object. The operator defaults
// to Contains, as Zoho documents.
func parsePeopleCondition(form *peopleForm, obj []relaxedField) (peopleCondition, *peopleError) {
	c := peopleCondition{op: "contains"}
	for _, kv := range obj {
		var val string
		switch x := kv.value.(type) {
		case string:
			val = x
		case relaxedBare:
			val = string(x)
		default:
			return c, newPeopleError(peopleCodeBadSearchValue, "Invalid search value for "+kv.key)
		}
		switch strings.ToLower(kv.key) {
		case "searchfield":
			c.field = val
		case "searchoperator":
			c.op = strings.ToLower(val)
		case "searchtext":
			c.text = val
		default:
			return c, newPeopleError(peopleCodeBadSearchValue, "Invalid search value: unknown key "+kv.key)
		}
	}
	if !form.known[c.field] {
		return c, newPeopleError(peopleCodeInvalidField, "Field name is invalid: searchField "+c.field)
	}
	if peopleOperators[c.op] == nil {
		return c, newPeopleError(peopleCodeBadSearchOp, "Invalid search operator: "+c.op)
	}
	return c, nil
}

// matches reports whether rec passes the searchParams conditions.
func (q *peopleQuery) matches(rec *peopleRecord) bool {
	if len(q.conds) == 0 {
		return true
	}
	for _, c := range q.conds {
		ok := peopleOperators[c.op](rec.fields[c.field], c.text)
		if ok && q.any {
			return true
		}
		if !ok && !q.any {
			return false
		}
	}
	return !q.any
}
