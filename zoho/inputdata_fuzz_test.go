package zoho

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzPeopleInputData builds People's inputData from arbitrary fields, as a
// field mapping and an applicant could produce them. checkFields refuses
// what is not a record, always with a ClassData error that names the field
// and says what to do; whatever it accepts, peopleBody encodes so that the
// form body decodes back to exactly those names and values (no field lost,
// added or altered, whatever quotes, backslashes, control characters or
// separators the values hold).
func FuzzPeopleInputData(f *testing.F) {
	for _, s := range [][4]string{
		{"EmployeeID", "E0001", "FirstName", "Ada"},
		{"AboutMe", `Quotes " and \ and {braces}, & ümlauts`, "Other", "a=b&c=d+e%20"},
		{"Notes", "line\nbreak\ttab\x00nul\u2028sep", "X", "</script>"},
		{"EmployeeID", "E1", "EmployeeID", "E2"},
		{"", "empty name", "Ok", "v"},
		{"Bad Name", "space", "Ok", "v"},
		{"Bad\"Name", "quote", "Ok", "v"},
		{"Ok", "\xff\xfe invalid utf-8", "Other", "v"},
		{"Ok", "", "Other", ""},
		{strings.Repeat("A", 101), "too long a name", "Ok", "v"},
	} {
		f.Add(s[0], s[1], s[2], s[3])
	}
	f.Fuzz(func(t *testing.T, n1, v1, n2, v2 string) {
		fields := []Field{{Name: n1, Value: v1}, {Name: n2, Value: v2}}
		if err := checkFields("people.insertRecord", "eu", fields); err != nil {
			if err.Class != ClassData || err.Field == "" || err.Message == "" || err.Resolution == "" {
				t.Fatalf("refusal without class, field, message or resolution: %#v", err)
			}
			if !strings.Contains(err.Error(), err.Message) {
				t.Fatalf("Error() %q does not say %q", err.Error(), err.Message)
			}
			return
		}
		body := peopleBody(nil, fields)
		form, err := url.ParseQuery(string(body))
		if err != nil {
			t.Fatalf("the body is not a form: %v: %q", err, body)
		}
		if len(form) != 1 || len(form["inputData"]) != 1 {
			t.Fatalf("the body has other parameters than one inputData: %v", form)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(form.Get("inputData")), &got); err != nil {
			t.Fatalf("inputData is not a JSON object of strings: %v: %q", err, form.Get("inputData"))
		}
		if len(got) != 2 || got[n1] != v1 || got[n2] != v2 {
			t.Fatalf("inputData %q decodes to %q, want %q", form.Get("inputData"), got, fields)
		}
	})
}
