package sandbox

import (
	"encoding/json"
	"net/http"
)

// recruitError is an error answer of the Recruit API in the CRM v2 shape:
// {"code":…,"details":{…},"message":…,"status":"error"} with an HTTP status.
type recruitError struct {
	status int
	body   recruitItemError
}

func newRecruitError(status int, code, message string, details map[string]any) *recruitError {
	if details == nil {
		details = map[string]any{}
	}
	return &recruitError{status: status, body: recruitItemError{Code: code, Details: details, Message: message, Status: "error"}}
}

// errRecruitInvalidToken answers a missing, unknown, expired or revoked token
// (API-FACTS §3.5, §4).
var errRecruitInvalidToken = newRecruitError(http.StatusUnauthorized, "INVALID_TOKEN", "invalid oauth token", nil)

// errRecruitScopeMismatch answers a live token without the needed scope.
var errRecruitScopeMismatch = newRecruitError(http.StatusUnauthorized, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", nil)

// recruitInfo is the "info" of a list or search answer.
type recruitInfo struct {
	PerPage     int  `json:"per_page"`
	Count       int  `json:"count"`
	Page        int  `json:"page"`
	MoreRecords bool `json:"more_records"`
}

// recruitPage is a list or search answer.
type recruitPage struct {
	Data []map[string]any `json:"data"`
	Info recruitInfo      `json:"info"`
}

// writeRecruitJSON writes a Recruit body with Zoho's content type.
func writeRecruitJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

func writeRecruitError(w http.ResponseWriter, e *recruitError) {
	writeRecruitJSON(w, e.status, e.body)
}
