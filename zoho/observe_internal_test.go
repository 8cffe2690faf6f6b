package zoho

import "testing"

// TestEndpointOf: every URL the client builds gets a fixed name, whatever
// the data centre, form, record ID or query; anything else is "other".
func TestEndpointOf(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/oauth/v2/token", "token"},
		{"POST", "/eu/accounts/oauth/v2/token", "token"},
		{"POST", "/oauth/v2/token/revoke", "revoke"},
		{"POST", "/people/api/forms/json/employee/insertRecord", "insertRecord"},
		{"POST", "/people/api/forms/json/P_Employee/updateRecord", "updateRecord"},
		{"GET", "/eu/people/people/api/forms/employee/getRecords", "getRecords"},
		{"GET", "/people/api/forms/employee/getRecordByID", "getRecordByID"},
		{"GET", "/people/api/forms/employee/somethingNew", EndpointOther},
		{"GET", "/recruit/v2/Candidates", "recruit.listCandidates"},
		{"POST", "/recruit/v2/Candidates", "recruit.insertCandidates"},
		{"GET", "/recruit/v2/Candidates/search", "recruit.searchCandidates"},
		{"GET", "/in/recruit/recruit/v2/Candidates/55000001", "recruit.getCandidate"},
		{"GET", "/somewhere/else", EndpointOther},
	} {
		if got := endpointOf(c.method, c.path); got != c.want {
			t.Errorf("endpointOf(%s %s) = %q, want %q", c.method, c.path, got, c.want)
		}
	}
}
