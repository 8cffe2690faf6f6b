package onboard

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/zoho"
)

// ZohoDateFormat is how Zoho People writes and reads dates: dd-MMM-yyyy,
// such as 05-Jan-2026.
const ZohoDateFormat = "02-Jan-2006"

// dateTargets are the employee form's date fields: values mapped to them
// are sent as ZohoDateFormat whatever form they come in.
var dateTargets = map[string]bool{"Dateofjoining": true, "Date_of_birth": true, "Dateofexit": true}

// emailTargets are the employee form's email fields: Zoho refuses anything
// but a plain address there (7053), so hrconnect refuses it first.
var emailTargets = map[string]bool{"EmailID": true, "Other_Email": true}

// fileTargets hold files. Documents and pictures are never transferred
// (seed 000), so a mapping may not target them.
var fileTargets = map[string]bool{"Photo": true}

// Map builds the record sent to Zoho People for applicant a with mapping m,
// in the mapping's order, leaving out optional fields without a value. It
// checks what Zoho would refuse, so that a bad record fails at once, with a
// message saying which field and what to do, and costs no call: mandatory
// fields present, email addresses well formed, dates in Zoho's dd-MMM-yyyy.
// The error is an *hrconnect.Error (EINVALID) naming the first bad field in
// Field, its message listing every problem.
//
// No mapping source reads documents: only the applicant's core data and
// custom text fields, and fixed values, ever reach Zoho.
func Map(a *hrconnect.Applicant, m *hrconnect.FieldMapping) ([]zoho.Field, error) {
	if m == nil || len(m.Fields) == 0 {
		return nil, &hrconnect.Error{Code: hrconnect.EINVALID, Field: "mapping",
			Message:    "The connection's field mapping is empty.",
			Resolution: "Map at least Applicant ID, First Name, Surname and Email Address in the connection's field mapping, then retry the transfer."}
	}
	var problems []*hrconnect.Error
	seen := make(map[string]bool, len(m.Fields))
	out := make([]zoho.Field, 0, len(m.Fields))
	for _, f := range m.Fields {
		if err := checkTarget(f.Target, seen); err != nil {
			problems = append(problems, err)
			continue
		}
		label := f.Source.Label()
		v, ok := "", true
		if f.Source == "" {
			v, label = f.Value, "The fixed value of "+f.Target
		} else if v, ok = sourceValue(a, f.Source); !ok {
			problems = append(problems, &hrconnect.Error{Code: hrconnect.EINVALID, Field: f.Target,
				Message:    fmt.Sprintf("The field mapping reads %q, which is not an applicant field.", f.Source),
				Resolution: "Fix the connection's field mapping, then retry the transfer."})
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			if f.Mandatory {
				problems = append(problems, &hrconnect.Error{Code: hrconnect.EINVALID, Field: f.Target,
					Message: fmt.Sprintf("%s is missing: add it to the applicant and move the application again.", label)})
			}
			continue
		}
		v, err := checkValue(label, f, v)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out = append(out, zoho.Field{Name: f.Target, Value: v})
	}
	if len(problems) > 0 {
		return nil, joinProblems(problems)
	}
	return out, nil
}

// checkTarget refuses a target that is no field link name, holds files, or
// was mapped already.
func checkTarget(target string, seen map[string]bool) *hrconnect.Error {
	field := target
	if field == "" {
		field = "mapping" // a target with no name: the mapping is what to fix
	}
	bad := func(msg string) *hrconnect.Error {
		return &hrconnect.Error{Code: hrconnect.EINVALID, Field: field, Message: msg,
			Resolution: "Fix the connection's field mapping, then retry the transfer."}
	}
	switch {
	case !validLinkName(target):
		return bad(fmt.Sprintf("%q is not a Zoho People field link name (letters, digits and underscores).", target))
	case fileTargets[target]:
		return bad(fmt.Sprintf("%s holds a file: documents and pictures are never transferred to Zoho.", target))
	case seen[target]:
		return bad(fmt.Sprintf("%s is mapped twice.", target))
	}
	seen[target] = true
	return nil
}

// checkValue checks and normalises one non-empty value for its target.
func checkValue(label string, f hrconnect.FieldMap, v string) (string, *hrconnect.Error) {
	switch {
	case emailTargets[f.Target] || f.Source == hrconnect.FieldEmail:
		if !validEmail(v) {
			return "", &hrconnect.Error{Code: hrconnect.EINVALID, Field: f.Target,
				Message: fmt.Sprintf("%s %q is not a valid email address: correct it (a plain address such as name@example.com) and move the application again.", label, v)}
		}
	case dateTargets[f.Target] || f.Source == hrconnect.FieldStartDate || f.Source == hrconnect.FieldDateOfBirth:
		// Zoho reads every date field, its own and custom ones, as dd-MMM-yyyy.
		d, err := parseAnyDate(v)
		if err != nil {
			return "", &hrconnect.Error{Code: hrconnect.EINVALID, Field: f.Target,
				Message: fmt.Sprintf("%s %q is not a date: enter it as YYYY-MM-DD (or dd-MMM-yyyy) and move the application again.", label, v)}
		}
		v = d.Format(ZohoDateFormat)
	}
	return v, nil
}

// joinProblems makes one error of several, for one message a person reads.
func joinProblems(ps []*hrconnect.Error) error {
	if len(ps) == 1 {
		return ps[0]
	}
	msgs := make([]string, len(ps))
	errs := make([]error, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
		errs[i] = p
	}
	return &hrconnect.Error{Code: hrconnect.EINVALID, Field: ps[0].Field, Message: strings.Join(msgs, " "), Err: errors.Join(errs...)}
}

// sourceValue reads one applicant field as text; dates as YYYY-MM-DD.
func sourceValue(a *hrconnect.Applicant, f hrconnect.ApplicantField) (string, bool) {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	switch f {
	case hrconnect.FieldApplicantID:
		return a.ApplicantID, true
	case hrconnect.FieldFirstName:
		return a.FirstName, true
	case hrconnect.FieldSurname:
		return a.Surname, true
	case hrconnect.FieldEmail:
		return a.Email, true
	case hrconnect.FieldPhone:
		return a.Phone, true
	case hrconnect.FieldJobTitle:
		return a.JobTitle, true
	case hrconnect.FieldDepartment:
		return a.Department, true
	case hrconnect.FieldStartDate:
		return date(a.StartDate), true
	case hrconnect.FieldDateOfBirth:
		return date(a.DateOfBirth), true
	}
	if key, ok := strings.CutPrefix(string(f), "custom:"); ok && key != "" {
		return a.Custom[key], true
	}
	return "", false
}

// validEmail accepts a plain address, local@domain with a dotted domain,
// and nothing else: no display name, no angle brackets, no spaces.
func validEmail(v string) bool {
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || addr.Name != "" {
		return false
	}
	at := strings.LastIndexByte(v, '@')
	domain := v[at+1:]
	return at > 0 && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// parseAnyDate reads YYYY-MM-DD or Zoho's dd-MMM-yyyy.
func parseAnyDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Parse(ZohoDateFormat, v)
}

// validLinkName reports whether s can be a Zoho People field link name.
func validLinkName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// recordOf converts Zoho fields to the transfer's stored record.
func recordOf(fields []zoho.Field) []hrconnect.RecordField {
	out := make([]hrconnect.RecordField, len(fields))
	for i, f := range fields {
		out[i] = hrconnect.RecordField{Name: f.Name, Value: f.Value}
	}
	return out
}
