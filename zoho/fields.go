package zoho

import (
	"fmt"
	"unicode/utf8"
)

// maxFieldValue caps one value of a People record: Zoho's longest fields
// (multi-line text) hold a few thousand characters, so anything near this
// is not a record's value.
const maxFieldValue = 64 << 10

// ValidateFields checks a People record before it is sent: each name a field
// link name (letters, digits and underscores, at most 100), none twice, and
// each value valid UTF-8 of at most 64 KiB. What it refuses would otherwise
// reach Zoho garbled (invalid UTF-8 becomes U+FFFD in inputData) or be
// refused there at the cost of a call. The error is a ClassData *Error
// naming the field.
func ValidateFields(fields []Field) error {
	if e := checkFields("people.record", "", fields); e != nil {
		return e
	}
	return nil
}

func checkFields(op, dc string, fields []Field) *Error {
	bad := func(field, msg, resolution string) *Error {
		return &Error{Op: op, DC: dc, Class: ClassData, Field: field, Message: msg, Resolution: resolution}
	}
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		switch {
		case !validFormName(f.Name):
			name := clip(f.Name, 100)
			if name == "" {
				name = fmt.Sprintf("fields[%d]", i)
			}
			return bad(name, fmt.Sprintf("Field %d's name %q is not a Zoho People field link name (letters, digits and underscores, at most 100).", i+1, clip(f.Name, 100)),
				"Use the field's link name from Zoho People's form settings in the field mapping.")
		case seen[f.Name]:
			return bad(f.Name, fmt.Sprintf("The field %s is in the record twice.", f.Name), "Map each Zoho People field once.")
		case !utf8.ValidString(f.Value):
			return bad(f.Name, fmt.Sprintf("The value of %s is not valid UTF-8 text.", f.Name), "Correct the value at its source (the applicant or the mapping's fixed value).")
		case len(f.Value) > maxFieldValue:
			return bad(f.Name, fmt.Sprintf("The value of %s is %d bytes, more than any Zoho People field holds.", f.Name, len(f.Value)), "Shorten the value at its source.")
		}
		seen[f.Name] = true
	}
	return nil
}
