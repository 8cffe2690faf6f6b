package onboard

import (
	"strings"
	"testing"

	"hrconnect/zoho"
)

// Candidates that cannot be applicants are skipped with a reason that
// names the problem; the sandbox's Recruit refuses malformed addresses on
// insert, so these records are built here as Recruit could send them.
func TestCandidateApplicantSkips(t *testing.T) {
	base := func(change map[string]any) zoho.RecruitRecord {
		r := zoho.RecruitRecord{"id": "100000000000000001", "Candidate_ID": "ZR_1_CAND", "First_Name": "Ada", "Last_Name": "Lovelace",
			"Email": "ada@example.com", "Candidate_Status": "Hired"}
		for k, v := range change {
			r[k] = v
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		rec    zoho.RecruitRecord
		reason string
	}{
		{"no email", base(map[string]any{"Email": nil}), "no email address"},
		{"blank email", base(map[string]any{"Email": "  "}), "no email address"},
		{"two at signs", base(map[string]any{"Email": "ada@@example.com"}), `"ada@@example.com" is not a valid address`},
		{"display name", base(map[string]any{"Email": "Ada <ada@example.com>"}), "not a valid address"},
		{"bare host", base(map[string]any{"Email": "ada@localhost"}), "not a valid address"},
		{"not ASCII", base(map[string]any{"Email": "ädä@example.com"}), "not a valid address"},
		{"malformed secondary", base(map[string]any{"Email": nil, "Secondary_Email": "ada.example.com"}), "not a valid address"},
		{"no first name", base(map[string]any{"First_Name": nil}), "no first name"},
		{"no last name", base(map[string]any{"Last_Name": ""}), "no last name"},
		{"no record ID", base(map[string]any{"id": nil}), "without a record ID"},
	} {
		it, a := candidateApplicant("ten_1", tc.rec)
		if a != nil || it.Outcome != ImportSkipped || !strings.Contains(it.Reason, tc.reason) {
			t.Errorf("%s: %+v, %+v; want skipped because %q", tc.name, it, a, tc.reason)
		}
	}
	it, a := candidateApplicant("ten_1", base(map[string]any{"Email": " Ada@Example.com ", "Phone": nil, "Mobile": "+44 3"}))
	if a == nil || a.ApplicantID != RecruitApplicantPrefix+"100000000000000001" || a.Email != "Ada@Example.com" || a.Phone != "+44 3" ||
		a.Custom[CustomRecruitCandidateID] != "ZR_1_CAND" || it.Reason != "" {
		t.Fatalf("a good candidate: %+v, %+v", it, a)
	}
}
