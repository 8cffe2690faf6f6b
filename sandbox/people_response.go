package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Zoho People error codes the sandbox answers with (API-FACTS §2.4, §2.2).
const (
	peopleCodeInvalidForm     = 7011 // form name is invalid
	peopleCodeInvalidField    = 7013 // field name is invalid
	peopleCodeInvalidInput    = 7016 // inputData missing or unparsable
	peopleCodeMissingParam    = 7019 // a request parameter is missing (password, recordId)
	peopleCodeLimitExceeded   = 7021 // limit over 200
	peopleCodeNoRecords       = 7024 // nothing matched
	peopleCodeInvalidValue    = 7034 // a parameter's value is not acceptable (sIndex, limit)
	peopleCodeBadSearchValue  = 7042 // SearchValue missing, searchParams unparsable
	peopleCodeBadSearchOp     = 7043 // unknown searchOperator
	peopleCodeNoSuchRecord    = 7049 // no record with that recordId
	peopleCodeBadFieldValue   = 7050 // a field's value is not a single value
	peopleCodeDuplicate       = 7051 // value already exists
	peopleCodeMandatory       = 7052 // mandatory field has no value
	peopleCodeInvalidEmail    = 7053 // not an email address
	peopleCodeThresholdLocked = 7209 // insert threshold exceeded, locked out
	peopleCodeInvalidScope    = 7218 // token lacks the scope
)

// peopleThresholdMessage is the text Zoho sends with 7209 (API-FACTS §2.4).
const peopleThresholdMessage = "API access blocked since threshold limit exceeded. Please try after some time"

// peopleError is an error answer of the People API: HTTP status (200 for data
// errors, as Zoho sends them), code and message.
type peopleError struct {
	status int
	code   any // an int, or "INVALID_OAUTHTOKEN"
	msg    string
}

func newPeopleError(code int, msg string) *peopleError {
	return &peopleError{status: http.StatusOK, code: code, msg: msg}
}

// errPeopleInvalidToken is the answer to a missing, unknown, expired or
// revoked access token. Zoho's exact body is not documented (API-FACTS §4);
// the sandbox keeps People's envelope and puts the Accounts exception name in
// errors.code, so a client must not assume that code is always a number.
var errPeopleInvalidToken = &peopleError{status: http.StatusUnauthorized, code: "INVALID_OAUTHTOKEN", msg: "Invalid OAuthtoken"}

// errPeopleInvalidScope is the answer to a live token without the scope the
// call needs: HTTP 401 with code 7218 (SANDBOX.md).
var errPeopleInvalidScope = &peopleError{status: http.StatusUnauthorized, code: peopleCodeInvalidScope, msg: "Invalid OAuth Scope"}

// errPeopleLocked is the answer to an insert during a threshold lock-out.
var errPeopleLocked = newPeopleError(peopleCodeThresholdLocked, peopleThresholdMessage)

// peopleEnvelope is every People answer: {"response":{…}}. The field order
// gives Zoho's key order in both shapes: result, message, uri, status on
// success; message, uri, errors, status on error.
type peopleEnvelope struct {
	Response peopleResponse `json:"response"`
}

type peopleResponse struct {
	Result  any               `json:"result,omitempty"`
	Message string            `json:"message"`
	URI     string            `json:"uri"`
	Errors  *peopleErrorsBody `json:"errors,omitempty"`
	Status  int               `json:"status"`
}

type peopleErrorsBody struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

// writePeopleJSON writes a People body with Zoho's content type.
func writePeopleJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json;charset=UTF-8"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// writePeopleError writes e in People's error envelope.
func writePeopleError(w http.ResponseWriter, uri string, e *peopleError) {
	body, _ := json.Marshal(peopleEnvelope{Response: peopleResponse{
		Message: "Error occurred",
		URI:     uri,
		Errors:  &peopleErrorsBody{Code: e.code, Message: e.msg},
		Status:  1,
	}})
	writePeopleJSON(w, e.status, body)
}

// writePeopleResult writes a success envelope around result.
func writePeopleResult(w http.ResponseWriter, uri, message string, result any) {
	body, err := json.Marshal(peopleEnvelope{Response: peopleResponse{Result: result, Message: message, URI: uri}})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writePeopleJSON(w, http.StatusOK, body)
}

// writePeopleWritten writes insertRecord's or updateRecord's success without
// encoding/json: it is the hot path of the insert benchmark, and pkId, form
// and messages never need escaping (IDs are digits, forms are known names).
func writePeopleWritten(w http.ResponseWriter, uri, id, resultMsg, msg string) {
	b := make([]byte, 0, 192)
	b = append(b, `{"response":{"result":{"pkId":"`...)
	b = append(b, id...)
	b = append(b, `","message":"`...)
	b = append(b, resultMsg...)
	b = append(b, `"},"message":"`...)
	b = append(b, msg...)
	b = append(b, `","uri":"`...)
	b = append(b, uri...)
	b = append(b, `","status":0}}`...)
	writePeopleJSON(w, http.StatusOK, b)
}
