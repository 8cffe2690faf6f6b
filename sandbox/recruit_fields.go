package sandbox

// recruitFieldType is how the sandbox checks a Candidates field on insert.
type recruitFieldType int

const (
	recruitText    recruitFieldType = iota // a string
	recruitEmail                           // a string holding an email address
	recruitNumber                          // a JSON number, or a string holding one
	recruitBoolean                         // true or false
	recruitLookup                          // an object such as {"id":"…"} (Candidate_Owner)
	recruitAny                             // anything (Associated_Tags)
)

// recruitExpectedType is the expected_data_type Zoho names in INVALID_DATA.
var recruitExpectedType = map[recruitFieldType]string{
	recruitText: "text", recruitEmail: "email", recruitNumber: "double",
	recruitBoolean: "boolean", recruitLookup: "lookup", recruitAny: "jsonarray",
}

// recruitCandidateFields are the writable standard fields of the Candidates
// module (API-FACTS §3.3) with their types. Fields outside this table and
// recruitReadOnlyFields are kept as custom fields, unchecked, since every
// Recruit account may add its own.
var recruitCandidateFields = map[string]recruitFieldType{
	"Salutation": recruitText, "First_Name": recruitText, "Last_Name": recruitText,
	"Email": recruitEmail, "Secondary_Email": recruitEmail,
	"Phone": recruitText, "Mobile": recruitText, "Website": recruitText,
	"Twitter": recruitText, "Skype_ID": recruitText,
	"Street": recruitText, "City": recruitText, "State": recruitText,
	"Country": recruitText, "Zip_Code": recruitText,
	"Current_Employer": recruitText, "Current_Job_Title": recruitText,
	"Current_Salary": recruitNumber, "Expected_Salary": recruitNumber,
	"Experience_in_Years": recruitNumber, "Highest_Qualification_Held": recruitText,
	"Skill_Set": recruitText, "Candidate_Status": recruitText,
	"Source": recruitText, "Origin": recruitText, "Rating": recruitNumber,
	"Email_Opt_Out": recruitBoolean, "Is_Unqualified": recruitBoolean,
	"Candidate_Owner": recruitLookup, "Associated_Tags": recruitAny,
}

// recruitReadOnlyFields are set by the sandbox; values sent for them on
// insert are ignored, as Zoho ignores read-only fields.
var recruitReadOnlyFields = map[string]bool{
	"id": true, "Candidate_ID": true, "Full_Name": true,
	"Created_Time": true, "Modified_Time": true, "Updated_On": true,
	"Last_Activity_Time": true, "Created_By": true, "Modified_By": true,
	"Is_Locked": true,
}

// recruitDefaultStatus is a new candidate's Candidate_Status.
const recruitDefaultStatus = "New"
