package zoho

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// peopleReply is every People reply: {"response":{"result":…,"message":…,
// "status":0|1,"errors":{"code":…,"message":…}}}. Zoho's HTTP status is 200
// for data errors and 401 for token and scope errors, so the envelope, not the
// status, says whether a call worked. The top-level code and message catch
// the bare {"code":…,"message":…} body other Zoho APIs send on token errors.
type peopleReply struct {
	Response *struct {
		Result  json.RawMessage `json:"result"`
		Message flexString      `json:"message"`
		Status  *flexInt        `json:"status"`
		Errors  json.RawMessage `json:"errors"`
	} `json:"response"`
	Code    flexString `json:"code"`
	Message flexString `json:"message"`
}

// peopleErrorDetail is one entry of the envelope's "errors".
type peopleErrorDetail struct {
	Code    flexString      `json:"code"`
	Message json.RawMessage `json:"message"`
}

// decodePeople reads a People reply of any HTTP status and returns the
// envelope's result, or the *Error it describes. fields are the fields sent,
// used to name the field an error is about. A 7024 "no records" comes back as
// an *Error with Code "7024"; readers turn it into an empty result.
func decodePeople(op, dc string, status int, body []byte, fields []Field) (json.RawMessage, *Error) {
	var r peopleReply
	if err := json.Unmarshal(body, &r); err != nil || (r.Response == nil && r.Code == "" && r.Message == "") {
		if status == http.StatusUnauthorized {
			return nil, reauthError(op, dc, status, "", "", peopleService)
		}
		return nil, serverError(op, dc, peopleService, status)
	}
	if r.Response == nil {
		return nil, peopleError(op, dc, status, string(r.Code), string(r.Message), nil, fields)
	}
	resp := r.Response
	code, msg, keys := peopleErrorOf(resp.Errors)
	failed := (resp.Status != nil && *resp.Status != 0) || code != "" || status < 200 || status > 299
	if !failed {
		return resp.Result, nil
	}
	if msg == "" {
		msg = string(resp.Message)
	}
	return nil, peopleError(op, dc, status, code, msg, keys, fields)
}

// peopleErrorOf reads the envelope's "errors": an object {code, message}
// (what Zoho documents), an array of them (the first counts), or a bare
// message. When message is an object, its keys are taken as field names.
func peopleErrorOf(raw json.RawMessage) (code, msg string, keys []string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", "", nil
	}
	switch raw[0] {
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return peopleErrorOf(list[0])
		}
		return "", "", nil
	case '"':
		var s string
		json.Unmarshal(raw, &s)
		return "", s, nil
	case '{':
	default:
		var s flexString
		s.UnmarshalJSON(raw)
		return string(s), "", nil
	}
	var d peopleErrorDetail
	if json.Unmarshal(raw, &d) != nil {
		return "", "", nil
	}
	code = string(d.Code)
	m := bytes.TrimSpace(d.Message)
	switch {
	case len(m) > 0 && m[0] == '"':
		json.Unmarshal(m, &msg)
	case len(m) > 0 && m[0] == '{':
		var byField map[string]flexString
		if json.Unmarshal(m, &byField) == nil {
			var parts []string
			for k, v := range byField {
				keys = append(keys, k)
				parts = append(parts, k+": "+string(v))
			}
			slices.Sort(keys)
			slices.Sort(parts)
			msg = strings.Join(parts, "; ")
		}
	}
	return code, msg, keys
}

// peopleError classifies a People error by Zoho's code, then by HTTP status.
func peopleError(op, dc string, status int, code, zmsg string, keys []string, fields []Field) *Error {
	e := &Error{Op: op, DC: dc, HTTPStatus: status, Code: clip(code, 64), ZohoMessage: clip(zmsg, 500)}
	field := errorField(zmsg, keys, fields)
	e.Field = field
	the := "a field"
	if field != "" {
		the = field
	}
	fix := "Correct " + the + " for this person in the ATS (or the field mapping), then retry the transfer."
	switch code {
	case "7052":
		e.Class = ClassData
		e.Message = "Zoho People needs a value for " + the + "."
		e.Resolution = "Fill in " + the + " for this person in the ATS, or map an ATS field to it; EmployeeID, FirstName, LastName and EmailID are always needed. Then retry the transfer."
	case "7051":
		e.Class = ClassData
		e.Message = "Zoho People already has a record with this " + the + "."
		e.Resolution = "Employee IDs and email addresses must be unique in Zoho People. If it is the same person, link the existing employee instead; otherwise change " + the + " and retry."
	case "7053":
		e.Class = ClassData
		e.Message = "Zoho People does not accept the email address in " + the + "."
		e.Resolution = "Enter a plain address such as name@example.com (no display name or spaces) in the ATS, then retry the transfer."
	case "7050", "7034", "7016", "7056", "7057", "7058", "7059", "7048", "7061", "7042":
		e.Class = ClassData
		e.Message = "Zoho People does not accept the value of " + the + "."
		e.Resolution = fix
	case "7054", "7055":
		e.Class = ClassData
		e.Message = "Zoho People does not accept the date in " + the + "."
		e.Resolution = "Dates go to Zoho People as dd-MMM-yyyy, such as 05-Jan-2026. " + fix
	case "7049":
		e.Class = ClassData
		e.Message = "Zoho People has no record with this ID."
		e.Resolution = "The record may have been deleted in Zoho People; look the employee up again by ID or email."
	case "7011":
		e.Class = ClassConfig
		e.Message = "Zoho People has no form with this name."
		e.Resolution = "Check the form link name in the connection's settings against Zoho People (Settings, Forms)."
	case "7013", "7020":
		e.Class = ClassConfig
		e.Message = "Zoho People's form has no field " + the + "."
		e.Resolution = "Check the field mapping: each target must be a field link name of the Zoho People form, spelt exactly."
	case "7012", "7019", "7021", "7043", "7029", "7031":
		e.Class = ClassConfig
		e.Message = "Zoho People refused the request as hrconnect built it."
		e.Resolution = "This is a fault in hrconnect's request or settings; contact support with this message."
	case "7037", "7038", "7039", "7040", "7060":
		e.Class = ClassConfig
		e.Message = "The Zoho user behind this connection may not do this in Zoho People."
		e.Resolution = "Give the connected user the permission in Zoho People (an administrator role can add employees), or reconnect as a user who has it."
	case "7209":
		e.Class = ClassRetry
		e.RetryAfter = peopleLockoutWait * time.Second
		e.Message = "Zoho People has locked API access for a while: too many calls in a minute."
		e.Resolution = "hrconnect waits out the lock (five minutes) and retries on its own. If it happens often, lower the transfer rate."
	default:
		switch {
		case isScopeError(code, zmsg):
			e.Class = ClassConfig
			e.Message = "The connection's token does not have the Zoho People scope this call needs."
			e.Resolution = "Reconnect the account with the scope " + ScopePeopleForms + " (Self Client: generate the code with that scope)."
		case isTokenError(code, zmsg) || status == http.StatusUnauthorized:
			return reauthError(op, dc, status, code, zmsg, peopleService)
		case status == http.StatusTooManyRequests || status >= 500:
			se := serverError(op, dc, peopleService, status)
			se.Code, se.ZohoMessage = e.Code, e.ZohoMessage
			return se
		case status == http.StatusForbidden:
			e.Class = ClassConfig
			e.Message = "Zoho People refused access."
			e.Resolution = "Check the connected user's permissions in Zoho People and the connection's scopes."
		default:
			// An undocumented code on a record: a person must look at it,
			// and retrying unchanged would not help.
			e.Class = ClassData
			e.Message = "Zoho People refused the record."
			e.Resolution = "Read Zoho's message, correct the record in the ATS, then retry the transfer."
		}
	}
	if e.ZohoMessage != "" {
		e.Message += " Zoho says: " + e.ZohoMessage
	}
	return e
}

// reauthError is a refused access token: refresh once and retry once.
func reauthError(op, dc string, status int, code, zmsg, service string) *Error {
	e := &Error{Op: op, DC: dc, Class: ClassReauth, HTTPStatus: status, Code: clip(code, 64), ZohoMessage: clip(zmsg, 300),
		Message:    service + " did not accept the access token: it expired, was revoked, or was replaced by newer ones.",
		Resolution: "hrconnect refreshes the token and retries once; if the refresh is refused, reconnect the Zoho account."}
	return e
}

// isTokenError reports whether code or message say the access token was
// refused, in any of Zoho's spellings.
func isTokenError(code, msg string) bool {
	switch strings.ToUpper(code) {
	case "INVALID_OAUTHTOKEN", "INVALID_TOKEN", "AUTHENTICATION_FAILURE", "OAUTH_TOKEN_INVALID":
		return true
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "invalid oauth token") || strings.Contains(m, "invalid oauthtoken")
}

// isScopeError reports whether code or message say the token lacks a scope.
// Refreshing cannot fix that, so it must be told apart from a token error.
func isScopeError(code, msg string) bool {
	switch strings.ToUpper(code) {
	case "7218", "INVALID_OAUTHSCOPE", "OAUTH_SCOPE_MISMATCH":
		return true
	}
	return strings.Contains(strings.ToLower(msg), "oauth scope")
}

// knownFields are field link names Zoho's messages may name even when the
// record did not carry them (a missing mandatory field).
var knownFields = []string{"EmployeeID", "FirstName", "LastName", "EmailID"}

// errorField finds the field an error is about: a key of a per-field message,
// else the longest field name of the record (or a mandatory employee field)
// that the message names as a whole word, else the word after "field".
func errorField(msg string, keys []string, fields []Field) string {
	if len(keys) > 0 {
		return clip(keys[0], 64)
	}
	if msg == "" {
		return ""
	}
	best := ""
	try := func(name string) {
		if len(name) > len(best) && containsWord(msg, name) {
			best = name
		}
	}
	for _, f := range fields {
		try(f.Name)
	}
	for _, n := range knownFields {
		try(n)
	}
	if best != "" {
		return best
	}
	for _, marker := range []string{"field name is invalid: ", "for the field ", "field "} {
		if i := strings.Index(strings.ToLower(msg), marker); i >= 0 {
			if w := leadingWord(msg[i+len(marker):]); w != "" {
				return clip(w, 64)
			}
		}
	}
	return ""
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// containsWord reports whether w occurs in s with no word character on
// either side.
func containsWord(s, w string) bool {
	if w == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !isWordByte(s[j-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		i = j + 1
	}
}

// leadingWord returns the run of word characters s starts with.
func leadingWord(s string) string {
	n := 0
	for n < len(s) && isWordByte(s[n]) {
		n++
	}
	return s[:n]
}
