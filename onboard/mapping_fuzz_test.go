package onboard_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/onboard"
	"hrconnect/zoho"
)

// FuzzFieldMapping feeds arbitrary field mappings (as an administrator's
// JSON could hold them) and applicants through FieldMapping.Validate and
// onboard.Map. Neither may panic; every refusal is an EINVALID
// *hrconnect.Error naming a field, with a message; and a record Map builds
// from a valid mapping is one Zoho People can take: field link names once
// each, text Zoho's client accepts (zoho.ValidateFields), every mandatory
// field with a value, nothing empty sent.
func FuzzFieldMapping(f *testing.F) {
	applicant := `{"ApplicantID":"A1","FirstName":"Ada","Surname":"Lovelace","Email":"ada@example.com","StartDate":"2026-01-05T00:00:00Z","Custom":{"shirt":"L"}}`
	for _, s := range [][2]string{
		{`{"Form":"employee","Fields":[{"target":"EmployeeID","source":"applicant_id","mandatory":true},{"target":"FirstName","source":"first_name","mandatory":true},{"target":"LastName","source":"surname","mandatory":true},{"target":"EmailID","source":"email","mandatory":true}]}`, applicant},
		{`{"Form":"employee","Fields":[{"target":"EmployeeID","source":"applicant_id"},{"target":"FirstName","source":"first_name"},{"target":"LastName","source":"surname"},{"target":"EmailID","source":"email"},{"target":"Dateofjoining","source":"start_date"},{"target":"Shirt_Size","source":"custom:shirt"},{"target":"Department","value":"R&D"}]}`, applicant},
		{`{"Fields":[{"target":"EmailID","value":"Ada <ada@example>"}]}`, applicant},
		{`{"Fields":[{"target":"Dateofjoining","value":"next tuesday"}]}`, applicant},
		{`{"Fields":[{"target":"Photo","source":"first_name"}]}`, applicant},
		{`{"Fields":[{"target":"First Name","source":"first_name"}]}`, applicant},
		{`{"Fields":[{"target":"X","source":"salary"}]}`, applicant},
		{`{"Fields":[{"target":"X","mandatory":true}]}`, applicant},
		{`{"Fields":[{"target":"X","source":"first_name"},{"target":"X","source":"surname"}]}`, applicant},
		{`{"Fields":[]}`, `{}`},
		{`{"Form":"P_Custom","Fields":[{"target":"Notes","source":"custom:"}]}`, `{"Custom":{"":"x"}}`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, mappingJSON, applicantJSON []byte) {
		var m hrconnect.FieldMapping
		var a hrconnect.Applicant
		if json.Unmarshal(mappingJSON, &m) != nil || json.Unmarshal(applicantJSON, &a) != nil {
			return // not a mapping or an applicant: the JSON decoder refuses it
		}
		raw := m
		raw.Fields = append([]hrconnect.FieldMap(nil), m.Fields...)
		verr := m.Validate()
		checkInvalid(t, "Validate", verr)

		// Map copes with a mapping nobody validated, too.
		fields, err := onboard.Map(&a, &raw)
		checkInvalid(t, "Map", err)
		if verr != nil || err != nil {
			return
		}
		if err := zoho.ValidateFields(fields); err != nil {
			t.Fatalf("Map built a record the Zoho client refuses: %v\nmapping %s\nrecord %v", err, mappingJSON, fields)
		}
		got := map[string]string{}
		for _, fl := range fields {
			if strings.TrimSpace(fl.Value) == "" {
				t.Fatalf("Map sends %s empty", fl.Name)
			}
			got[fl.Name] = fl.Value
		}
		for _, fm := range m.Fields {
			if _, ok := got[fm.Target]; fm.Mandatory && !ok {
				t.Fatalf("mandatory %s is not in the record %v", fm.Target, fields)
			}
		}
	})
}

// checkInvalid fails unless err is nil or an EINVALID *hrconnect.Error with
// a field and a message.
func checkInvalid(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var he *hrconnect.Error
	if !errors.As(err, &he) || he.Code != hrconnect.EINVALID || he.Field == "" || strings.TrimSpace(hrconnect.ErrorMessage(err)) == "" {
		t.Fatalf("%s: a refusal without code EINVALID, field and message: %#v", what, err)
	}
}
