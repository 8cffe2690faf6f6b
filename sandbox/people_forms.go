package sandbox

// peopleForm describes one Zoho People form (formLinkName in Zoho's words):
// which fields it has, which must have a value, which must be unique and how
// getRecordByID groups them. The sandbox knows a fixed set of forms, so a
// client that misspells a form or a field gets the error Zoho would give
// (7011, 7013) instead of a silent success.
type peopleForm struct {
	name      string          // link name, as in /forms/json/{name}/insertRecord
	sections  []peopleSection // writable fields, grouped as getRecordByID shows them
	mandatory []string        // 7052 when missing or blank, in the order they are checked
	unique    []peopleUnique  // 7051 when the value is taken by another record
	emails    []string        // 7053 when not an email address
	// status is the field holding the employee status ("" when the form has
	// none); insertRecord fills it from isDirectAdd when the client does not.
	status string

	// Built by compilePeopleForms.
	known  map[string]bool // every writable field
	fields []string        // every writable field, in display order
}

// peopleSection is one group of fields in getRecordByID's answer.
type peopleSection struct {
	name   string
	fields []string
}

// peopleUnique is a field whose value identifies a record.
type peopleUnique struct {
	field string
	fold  bool // compare case-insensitively (email addresses, names)
}

// peopleForms are the forms the sandbox knows, by link name. The employee
// form's fields are those of API-FACTS §2.2 ("Field link names"); department
// and designation exist so that clients can be tested against a second form.
var peopleForms = compilePeopleForms(
	&peopleForm{
		name: "employee",
		sections: []peopleSection{
			{"Basic information", []string{"EmployeeID", "FirstName", "LastName", "EmailID", "Nick_Name", "Photo"}},
			{"Work Information", []string{"Department", "Designation", "Role", "Employee_type", "Employeestatus", "Source_of_hire", "Dateofjoining", "Reporting_To", "Work_location", "LocationName", "Expertise", "Tags"}},
			{"Personal Details", []string{"Date_of_birth", "Gender", "Marital_status", "AboutMe"}},
			{"Contact Details", []string{"Mobile", "Work_phone", "Extension", "Other_Email", "Present_Address", "Permanent_Address"}},
			{"Separation Information", []string{"Dateofexit"}},
		},
		mandatory: []string{"EmployeeID", "FirstName", "LastName", "EmailID"},
		unique:    []peopleUnique{{field: "EmployeeID"}, {field: "EmailID", fold: true}},
		emails:    []string{"EmailID", "Other_Email"},
		status:    "Employeestatus",
	},
	&peopleForm{
		name:      "department",
		sections:  []peopleSection{{"Department Details", []string{"Department", "Department_Lead", "Parent_Department", "MailAlias"}}},
		mandatory: []string{"Department"},
		unique:    []peopleUnique{{field: "Department", fold: true}},
		emails:    []string{"MailAlias"},
	},
	&peopleForm{
		name:      "designation",
		sections:  []peopleSection{{"Designation Details", []string{"Designation", "MailAlias"}}},
		mandatory: []string{"Designation"},
		unique:    []peopleUnique{{field: "Designation", fold: true}},
		emails:    []string{"MailAlias"},
	},
)

// compilePeopleForms builds each form's lookup tables once, at start-up.
func compilePeopleForms(forms ...*peopleForm) map[string]*peopleForm {
	out := make(map[string]*peopleForm, len(forms))
	for _, f := range forms {
		f.known = make(map[string]bool)
		for _, sec := range f.sections {
			for _, name := range sec.fields {
				f.fields = append(f.fields, name)
				f.known[name] = true
			}
		}
		out[f.name] = f
	}
	return out
}
