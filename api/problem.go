package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"hrconnect"
)

// Problem is an RFC 9457 problem details object, the body of every error
// reply (media type application/problem+json), with hrconnect's members:
// Code (the hrconnect error code), Field (the input field at fault) and
// Resolution (what to do about it).
type Problem struct {
	Type       string `json:"type"`
	Title      string `json:"title"`
	Status     int    `json:"status"`
	Detail     string `json:"detail"`
	Code       string `json:"code"`
	Field      string `json:"field,omitempty"`
	Resolution string `json:"resolution,omitempty"`
	// RequestID is the request's ID, also in the X-Request-ID header and in
	// the log line of the request: quote it when reporting a problem.
	RequestID string `json:"request_id,omitempty"`
}

// ProblemContentType is the media type of error replies.
const ProblemContentType = "application/problem+json"

// ProblemTypeBase starts every problem's type URI; the code follows. They
// are URNs, names rather than addresses: docs/api.md explains each.
const ProblemTypeBase = "urn:hrconnect:problem:"

// statusError gives an error an HTTP status other than its code's: a body
// that is not JSON at all is 400 rather than 422, a body too large 413.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// status maps an error to its HTTP status. It is the one place where
// hrconnect's error codes meet HTTP.
func status(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	switch hrconnect.ErrorCode(err) {
	case hrconnect.EINVALID:
		return http.StatusUnprocessableEntity
	case hrconnect.ENOTFOUND:
		return http.StatusNotFound
	case hrconnect.ECONFLICT:
		return http.StatusConflict
	case hrconnect.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case hrconnect.EFORBIDDEN:
		return http.StatusForbidden
	case hrconnect.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// problemFor builds the problem reply for err. An internal error says
// nothing of its cause (which may name tables, hosts or worse); the log has
// it, under the request ID.
func problemFor(err error, requestID string) *Problem {
	st := status(err)
	code := hrconnect.ErrorCode(err)
	p := &Problem{Type: ProblemTypeBase + code, Title: http.StatusText(st), Status: st, Code: code, RequestID: requestID}
	var e *hrconnect.Error
	if code != hrconnect.EINTERNAL && errors.As(err, &e) {
		p.Detail, p.Field, p.Resolution = e.Message, e.Field, e.Resolution
	} else {
		p.Code, p.Type = hrconnect.EINTERNAL, ProblemTypeBase+hrconnect.EINTERNAL
		p.Detail = "An internal error occurred; it has been logged."
		p.Resolution = "Try again; if it keeps happening, report it with the request ID " + requestID + "."
	}
	return p
}

// writeProblem writes p as the reply.
func writeProblem(w http.ResponseWriter, p *Problem) {
	if p.Status == http.StatusUnauthorized {
		// RFC 6750 §3: tell the client which scheme to use.
		w.Header().Set("WWW-Authenticate", `Bearer realm="hrconnect"`)
	}
	w.Header().Set("Content-Type", ProblemContentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
