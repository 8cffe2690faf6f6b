package sandbox

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// recruitData is one organisation's Zoho Recruit candidates, in insertion
// order, indexed by ID and by lower-cased email so that inserts (duplicate
// check) and ?email= searches never scan. Every method expects s.mu held.
type recruitData struct {
	candidates []*candidate
	byID       map[string]*candidate
	byEmail    map[string]*candidate
	custom     map[string]bool // names of custom fields seen, searchable by criteria
	seq        int             // last Candidate_ID number
}

// candidate is one record of the Candidates module.
type candidate struct {
	id       string
	number   int            // Candidate_ID is ZR_<number>_CAND
	fields   map[string]any // writable fields with a value, as decoded (json.Number for numbers)
	created  time.Time
	modified time.Time
	by       recruitUserRef // creator, and owner unless Candidate_Owner was sent
}

// recruitUserRef is a user as Recruit shows one in Created_By and the like.
type recruitUserRef struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

func newRecruitData() *recruitData {
	return &recruitData{byID: map[string]*candidate{}, byEmail: map[string]*candidate{}, custom: map[string]bool{}}
}

// recruitTimeLayout is Recruit's time format ("2022-10-07T18:10:25+05:30").
const recruitTimeLayout = "2006-01-02T15:04:05-07:00"

// recruitItemError is one record's failure on insert: code, message and details.
type recruitItemError struct {
	Code    string         `json:"code"`
	Details map[string]any `json:"details"`
	Message string         `json:"message"`
	Status  string         `json:"status"`
}

func newRecruitItemError(code, message string, details map[string]any) *recruitItemError {
	return &recruitItemError{Code: code, Details: details, Message: message, Status: "error"}
}

// checkCandidate validates one record sent for insert, without looking at
// other records, and returns the fields to store: read-only and "$" fields
// dropped, nulls and empty strings dropped, Candidate_Status defaulted.
// Last_Name is mandatory (MANDATORY_NOT_FOUND); a value of the wrong type or
// a malformed email address is INVALID_DATA.
func checkCandidate(raw map[string]any) (map[string]any, *recruitItemError) {
	last, isString := raw["Last_Name"].(string)
	switch {
	case raw["Last_Name"] != nil && !isString:
		return nil, invalidRecruitField("Last_Name", recruitText)
	case strings.TrimSpace(last) == "":
		return nil, newRecruitItemError("MANDATORY_NOT_FOUND", "required field not found", map[string]any{"api_name": "Last_Name"})
	}
	out := make(map[string]any, len(raw)+1)
	for k, v := range raw {
		if recruitReadOnlyFields[k] || strings.HasPrefix(k, "$") || v == nil {
			continue
		}
		if s, ok := v.(string); ok {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			v = s
		}
		typ, known := recruitCandidateFields[k]
		if !known {
			out[k] = v
			continue
		}
		ok := false
		switch typ {
		case recruitText:
			_, ok = v.(string)
		case recruitEmail:
			s, isString := v.(string)
			ok = isString && zohoEmailValid(s)
		case recruitNumber:
			switch x := v.(type) {
			case json.Number:
				ok = true
			case string:
				_, err := strconv.ParseFloat(x, 64)
				ok = err == nil
			}
		case recruitBoolean:
			_, ok = v.(bool)
		case recruitLookup:
			m, isObject := v.(map[string]any)
			_, hasID := m["id"]
			ok = isObject && hasID
		case recruitAny:
			ok = true
		}
		if !ok {
			return nil, invalidRecruitField(k, typ)
		}
		out[k] = v
	}
	if out["Candidate_Status"] == nil {
		out["Candidate_Status"] = recruitDefaultStatus
	}
	return out, nil
}

func invalidRecruitField(name string, typ recruitFieldType) *recruitItemError {
	return newRecruitItemError("INVALID_DATA", "invalid data", map[string]any{"api_name": name, "expected_data_type": recruitExpectedType[typ]})
}

// duplicate returns DUPLICATE_DATA when fields' Email belongs to a candidate.
func (d *recruitData) duplicate(fields map[string]any) *recruitItemError {
	email, _ := fields["Email"].(string)
	if other := d.byEmail[strings.ToLower(email)]; email != "" && other != nil {
		return newRecruitItemError("DUPLICATE_DATA", "duplicate data", map[string]any{"api_name": "Email", "id": other.id})
	}
	return nil
}

// add stores a checked candidate; the caller has checked duplicate.
func (d *recruitData) add(id string, fields map[string]any, now time.Time, by recruitUserRef) *candidate {
	d.seq++
	c := &candidate{id: id, number: d.seq, fields: fields, created: now, modified: now, by: by}
	d.candidates = append(d.candidates, c)
	d.byID[id] = c
	if email, _ := fields["Email"].(string); email != "" {
		d.byEmail[strings.ToLower(email)] = c
	}
	for k := range fields {
		if _, standard := recruitCandidateFields[k]; !standard {
			d.custom[k] = true
		}
	}
	return c
}

// knows reports whether name is a field criteria may search.
func (d *recruitData) knows(name string) bool {
	_, standard := recruitCandidateFields[name]
	return standard || recruitReadOnlyFields[name] || d.custom[name]
}

// value returns the candidate's field name as Recruit shows it (nil when unset).
func (c *candidate) value(name string) any {
	switch name {
	case "id":
		return c.id
	case "Candidate_ID":
		return "ZR_" + strconv.Itoa(c.number) + "_CAND"
	case "Full_Name":
		first, _ := c.fields["First_Name"].(string)
		last, _ := c.fields["Last_Name"].(string)
		return strings.TrimSpace(first + " " + last)
	case "Created_Time":
		return c.created.UTC().Format(recruitTimeLayout)
	case "Modified_Time", "Updated_On", "Last_Activity_Time":
		return c.modified.UTC().Format(recruitTimeLayout)
	case "Created_By", "Modified_By":
		return c.by
	case "Candidate_Owner":
		if v, ok := c.fields[name]; ok {
			return v
		}
		return c.by
	case "Is_Locked":
		return false
	}
	return c.fields[name]
}

// text returns the candidate's field name as text, for criteria.
func (c *candidate) text(name string) string {
	switch v := c.value(name).(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case recruitUserRef:
		return v.ID
	case map[string]any:
		id, _ := v["id"].(string)
		return id
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// view returns the candidate as the API shows it: every standard field (null
// when unset), the read-only ones and any custom fields. The map is new; the
// values are never changed after insert, so it may be encoded after s.mu is
// released.
func (c *candidate) view() map[string]any {
	m := make(map[string]any, len(recruitCandidateFields)+len(recruitReadOnlyFields)+len(c.fields))
	for k := range recruitCandidateFields {
		m[k] = c.value(k)
	}
	for k := range recruitReadOnlyFields {
		m[k] = c.value(k)
	}
	for k := range c.fields {
		m[k] = c.value(k)
	}
	return m
}

// snapshot returns every candidate of the organisation, in insertion order,
// as the API shows it (with "id"), for GET /_sandbox/state. s.mu must be held.
func (d *recruitData) snapshot() any {
	out := make([]map[string]any, 0, len(d.candidates))
	for _, c := range d.candidates {
		out = append(out, c.view())
	}
	return out
}
