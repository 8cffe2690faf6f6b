package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"sync"
)

// Field is one field of a People record: the field's link name on the form
// ("EmployeeID", "EmailID") and its value. Records are ordered lists of fields
// rather than maps so that inputData is built in a stable order without
// sorting or reflection.
type Field struct {
	Name  string
	Value string
}

// FieldsFromMap returns m's fields sorted by name.
func FieldsFromMap(m map[string]string) []Field {
	out := make([]Field, 0, len(m))
	for k, v := range m {
		out = append(out, Field{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// InsertOptions are insertRecord's flags for the employee form.
type InsertOptions struct {
	// IsDirectAdd adds the person as an active employee at once; without it
	// Zoho creates the record inactive and sends an invitation.
	IsDirectAdd bool
	// IsNonUser adds an employee profile without a Zoho user account.
	IsNonUser bool
	// Password is mandatory with IsDirectAdd. It is a secret: it travels only
	// in the request body and is scrubbed from errors.
	Password string
}

// PeopleRecord is one People record as read back: its record ID and its
// fields. Values are as Zoho sent them: mostly strings, json.Number for
// numbers, maps and slices for nested sections.
type PeopleRecord struct {
	ID     string
	Fields map[string]any
}

// Get returns the text of field name: a string as is, a number in its
// digits, "" when absent or not a scalar.
func (r PeopleRecord) Get(name string) string {
	switch v := r.Fields[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

// SearchColumn is getRecords' indexed search: by employee ID or by email.
type SearchColumn string

// The two SearchColumn values Zoho People documents (employee form only).
const (
	SearchEmployeeID SearchColumn = "EMPLOYEEID"
	SearchEmailAlias SearchColumn = "EMPLOYEEMAILALIAS"
)

const (
	peopleMaxLimit     = 200 // records per getRecords call
	peopleInsertPath   = "/people/api/forms/json/"
	peopleReadPath     = "/people/api/forms/"
	formURLEncoded     = "application/x-www-form-urlencoded"
	peopleService      = "Zoho People"
	peopleErrNoRecords = "7024"
	peopleLockoutWait  = 5 * 60 // seconds: Zoho's documented lock period
)

// SearchParam is one condition of getRecords' searchParams: a field's label
// name, an operator (Is, Is_Not, Contains, Starts_With, ...) and the text.
type SearchParam struct {
	Field    string
	Operator string
	Text     string
}

// RecordQuery selects records for GetRecords. With neither SearchColumn nor
// SearchParams it lists the form's records.
type RecordQuery struct {
	// SearchColumn and SearchValue look one employee up by ID or email.
	SearchColumn SearchColumn
	SearchValue  string
	// SearchParams are conditions, all of which must hold (or any one, with
	// MatchAny).
	SearchParams []SearchParam
	MatchAny     bool
	// Start is the 1-based index of the first record (sIndex); 0 means 1.
	Start int
	// Limit is the most records returned, at most 200; 0 means 200.
	Limit int
}

// InsertRecord adds a record to form ("employee" for employees) and returns
// its record ID (Zoho's pkId). inputData goes in a form-encoded POST body,
// never in the query string, so personal data and the token stay out of
// access logs. Every refusal is an *Error: 7052, 7051, 7053... are ClassData
// naming the field, 7011, 7013 and 7218 ClassConfig, 7209 (lock-out) ClassRetry
// with a RetryAfter of five minutes, an invalid token ClassReauth.
func (c *Client) InsertRecord(ctx context.Context, dc DataCentre, accessToken, form string, fields []Field, opts InsertOptions) (string, error) {
	const op = "people.insertRecord"
	if err := c.checkPeople(op, dc, form, accessToken); err != nil {
		return "", err
	}
	body := peopleBody(nil, fields)
	if opts.IsDirectAdd {
		body = append(body, "&isDirectAdd=true"...)
	}
	if opts.IsNonUser {
		body = append(body, "&isNonUser=true"...)
	}
	if opts.Password != "" {
		body = append(body, "&password="...)
		body = appendQueryEscape(body, opts.Password)
	}
	id, err := c.peopleWrite(ctx, op, dc, dc.PeopleURL+peopleInsertPath+form+"/insertRecord", accessToken, body, fields)
	if err != nil {
		return "", err.scrub(accessToken, opts.Password)
	}
	return id, nil
}

// UpdateRecord changes the given fields of record recordID of form and
// returns the record ID Zoho reports. A blank value clears a field. Errors are
// InsertRecord's, plus 7049 (no such record: ClassData, errors.Is ErrNotFound).
func (c *Client) UpdateRecord(ctx context.Context, dc DataCentre, accessToken, form, recordID string, fields []Field) (string, error) {
	const op = "people.updateRecord"
	if err := c.checkPeople(op, dc, form, accessToken); err != nil {
		return "", err
	}
	if recordID == "" {
		return "", &Error{Op: op, DC: dc.Location, Class: ClassConfig, Message: "No record ID to update."}
	}
	body := append([]byte("recordId="), url.QueryEscape(recordID)...)
	body = append(body, '&')
	body = peopleBody(body, fields)
	id, err := c.peopleWrite(ctx, op, dc, dc.PeopleURL+peopleInsertPath+form+"/updateRecord", accessToken, body, fields)
	if err != nil {
		return "", err.scrub(accessToken)
	}
	return id, nil
}

// GetRecords returns form's records matching q, in Zoho's order. No match
// (Zoho's 7024) is an empty result, not an error.
func (c *Client) GetRecords(ctx context.Context, dc DataCentre, accessToken, form string, q RecordQuery) ([]PeopleRecord, error) {
	const op = "people.getRecords"
	if err := c.checkPeople(op, dc, form, accessToken); err != nil {
		return nil, err
	}
	if q.Limit < 0 || q.Limit > peopleMaxLimit || q.Start < 0 {
		return nil, &Error{Op: op, DC: dc.Location, Class: ClassConfig,
			Message: "Zoho People returns at most 200 records a call, from index 1.", Resolution: "Ask for 200 or fewer records and page with Start."}
	}
	v := url.Values{}
	if q.Start > 0 {
		v.Set("sIndex", strconv.Itoa(q.Start))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.SearchColumn != "" {
		v.Set("SearchColumn", string(q.SearchColumn))
		v.Set("SearchValue", q.SearchValue)
	}
	if len(q.SearchParams) > 0 {
		v.Set("searchParams", searchParams(q.SearchParams))
		if q.MatchAny {
			v.Set("searchCriteria", "OR")
		}
	}
	u := dc.PeopleURL + peopleReadPath + form + "/getRecords"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	result, err := c.peopleRead(ctx, op, dc, u, accessToken)
	if err != nil {
		return nil, err.scrub(accessToken)
	}
	if result == nil {
		return nil, nil
	}
	// result is [{"<record ID>":[{…fields…}]}, …].
	var rows []map[string][]map[string]any
	if err := decodeUseNumber(result, &rows); err != nil {
		return nil, badReply(op, dc.Location, peopleService)
	}
	out := make([]PeopleRecord, 0, len(rows))
	for _, row := range rows {
		for id, recs := range row {
			r := PeopleRecord{ID: id, Fields: map[string]any{}}
			for _, fs := range recs {
				for k, val := range fs {
					r.Fields[k] = val
				}
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// FindEmployee looks one employee up by ID or email (SearchColumn) and
// reports whether there is one.
func (c *Client) FindEmployee(ctx context.Context, dc DataCentre, accessToken string, column SearchColumn, value string) (PeopleRecord, bool, error) {
	recs, err := c.GetRecords(ctx, dc, accessToken, "employee", RecordQuery{SearchColumn: column, SearchValue: value, Limit: 1})
	if err != nil || len(recs) == 0 {
		return PeopleRecord{}, false, err
	}
	return recs[0], true, nil
}

// GetRecordByID returns record recordID of form, its sections flattened into
// one field map (Zoho groups them as "Basic information", "Work Information"
// and so on; tabularSections is kept as is). A missing record is an *Error
// matching ErrNotFound.
func (c *Client) GetRecordByID(ctx context.Context, dc DataCentre, accessToken, form, recordID string) (PeopleRecord, error) {
	const op = "people.getRecordByID"
	if err := c.checkPeople(op, dc, form, accessToken); err != nil {
		return PeopleRecord{}, err
	}
	u := dc.PeopleURL + peopleReadPath + form + "/getRecordByID?recordId=" + url.QueryEscape(recordID)
	result, err := c.peopleRead(ctx, op, dc, u, accessToken)
	if err != nil {
		return PeopleRecord{}, err.scrub(accessToken)
	}
	var sections []map[string]any
	if result == nil || decodeUseNumber(result, &sections) != nil || len(sections) == 0 {
		return PeopleRecord{}, &Error{Op: op, DC: dc.Location, Class: ClassData, Code: "7049",
			Message: "Zoho People has no record " + clip(recordID, 40) + " in form " + form + ".", Resolution: "The record may have been deleted in Zoho People."}
	}
	r := PeopleRecord{ID: recordID, Fields: map[string]any{}}
	for _, sec := range sections {
		for k, v := range sec {
			if m, ok := v.(map[string]any); ok && k != "tabularSections" {
				for fk, fv := range m {
					r.Fields[fk] = fv
				}
				continue
			}
			r.Fields[k] = v
		}
	}
	return r, nil
}

// checkPeople checks what every People call needs before sending anything.
func (c *Client) checkPeople(op string, dc DataCentre, form, accessToken string) *Error {
	if err := c.checkDC(op, dc); err != nil {
		return err
	}
	if !validFormName(form) {
		return &Error{Op: op, DC: dc.Location, Class: ClassConfig, Code: "7011",
			Message:    "The form name " + strconv.Quote(clip(form, 40)) + " is not a Zoho People form link name.",
			Resolution: "Use the form's link name from Zoho People (Settings, Forms), such as employee."}
	}
	if accessToken == "" {
		return &Error{Op: op, DC: dc.Location, Class: ClassReauth, Message: "There is no access token.", Resolution: "Refresh the access token first."}
	}
	return nil
}

// validFormName reports whether form can be a People form link name, which
// also keeps it from altering the request path.
func validFormName(form string) bool {
	if form == "" || len(form) > 100 {
		return false
	}
	for i := 0; i < len(form); i++ {
		c := form[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// jsonPool holds the scratch buffers inputData's JSON is built in before it
// is form-escaped into the body.
var jsonPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// peopleBody appends "inputData=<form-escaped JSON of fields>" to b.
func peopleBody(b []byte, fields []Field) []byte {
	sp := jsonPool.Get().(*[]byte)
	j := append((*sp)[:0], '{')
	for i, f := range fields {
		if i > 0 {
			j = append(j, ',')
		}
		j = appendJSONString(j, f.Name)
		j = append(j, ':')
		j = appendJSONString(j, f.Value)
	}
	j = append(j, '}')
	if b == nil {
		b = make([]byte, 0, len("inputData=")+len(j)*3/2+64)
	}
	b = append(b, "inputData="...)
	b = appendQueryEscape(b, j)
	*sp = j
	jsonPool.Put(sp)
	return b
}

// searchParams renders conditions as People's searchParams: objects joined
// by "|". They are written as strict JSON (quoted keys and strings), which
// Zoho's lenient parser reads as well as its documented relaxed form, and
// which escapes quotes in the text properly.
func searchParams(ps []SearchParam) string {
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, '|')
		}
		op := p.Operator
		if op == "" {
			op = "Is"
		}
		b = append(b, `{"searchField":`...)
		b = appendJSONString(b, p.Field)
		b = append(b, `,"searchOperator":`...)
		b = appendJSONString(b, op)
		b = append(b, `,"searchText":`...)
		b = appendJSONString(b, p.Text)
		b = append(b, '}')
	}
	return string(b)
}

// peopleWrite POSTs an insertRecord or updateRecord body and returns the pkId.
func (c *Client) peopleWrite(ctx context.Context, op string, dc DataCentre, u, accessToken string, body []byte, fields []Field) (string, *Error) {
	if err := checkFields(op, dc.Location, fields); err != nil {
		return "", err // nothing sent
	}
	rep, err := c.send(ctx, "POST", u, accessToken, formURLEncoded, body)
	if err != nil {
		return "", transportError(op, dc.Location, peopleService, ctxErr(ctx, err))
	}
	defer rep.release()
	if rep.status == 200 {
		if id, ok := writtenID(rep.body.Bytes()); ok {
			return id, nil
		}
	}
	result, zerr := decodePeople(op, dc.Location, rep.status, rep.body.Bytes(), fields)
	if zerr != nil {
		if zerr.RetryAfter == 0 {
			zerr.RetryAfter = rep.retryAfter
		}
		return "", zerr
	}
	if result == nil {
		return "", badReply(op, dc.Location, peopleService)
	}
	var res struct {
		PKID flexString `json:"pkId"`
	}
	// Zoho documents result as an object; accept a one-element array too.
	if t := bytes.TrimSpace(result); len(t) > 0 && t[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(t, &arr) != nil || len(arr) == 0 {
			return "", badReply(op, dc.Location, peopleService)
		}
		result = arr[0]
	}
	if json.Unmarshal(result, &res) != nil || res.PKID == "" {
		return "", badReply(op, dc.Location, peopleService)
	}
	return string(res.PKID), nil
}

// writtenID reads the pkId of an insertRecord or updateRecord reply that has
// exactly the shape Zoho sends on success,
//
//	{"response":{"result":{"pkId":"<digits>",…},…,"status":0}}
//
// without encoding/json's reflection: inserts are the hot path, and this
// saves most of a reply's allocations. Anything else (an error, another key
// order, a second pkId, invalid JSON) returns ok false, and decodePeople,
// which gives the same verdict on every reply this accepts, decides.
func writtenID(body []byte) (id string, ok bool) {
	const prefix, suffix = `{"response":{"result":{"pkId":"`, `"status":0}}`
	b := bytes.TrimSpace(body)
	if !bytes.HasPrefix(b, []byte(prefix)) || !bytes.HasSuffix(b, []byte(suffix)) ||
		bytes.Contains(b, []byte(`"errors"`)) || bytes.Count(b, []byte(`"pkId"`)) != 1 {
		return "", false
	}
	digits := b[len(prefix):]
	end := bytes.IndexByte(digits, '"')
	if end <= 0 || end > 40 {
		return "", false
	}
	for _, c := range digits[:end] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	if !json.Valid(b) {
		return "", false
	}
	return string(digits[:end]), true
}

// peopleRead GETs a People URL and returns the envelope's result, or nil for
// "no records" (7024).
func (c *Client) peopleRead(ctx context.Context, op string, dc DataCentre, u, accessToken string) (json.RawMessage, *Error) {
	rep, err := c.send(ctx, "GET", u, accessToken, "", nil)
	if err != nil {
		return nil, transportError(op, dc.Location, peopleService, ctxErr(ctx, err))
	}
	defer rep.release()
	result, zerr := decodePeople(op, dc.Location, rep.status, rep.body.Bytes(), nil)
	if zerr != nil {
		if zerr.Code == peopleErrNoRecords {
			return nil, nil
		}
		if zerr.RetryAfter == 0 {
			zerr.RetryAfter = rep.retryAfter
		}
		return nil, zerr
	}
	return result, nil
}

func decodeUseNumber(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// badReply is a reply that is Zoho's JSON but not the shape the call expects.
func badReply(op, dc, service string) *Error {
	e := serverError(op, dc, service, 200)
	e.Message = service + " sent a reply without the expected result."
	return e
}
