package web

import (
	"errors"
	"net/http"

	"hrconnect"
)

// statusOf is the one place that maps an application error code to an HTTP
// status. An invalid form is re-rendered with 422 (the request was
// well-formed, its content was not); other EINVALID errors are 400.
func statusOf(code string) int {
	switch code {
	case "":
		return http.StatusOK
	case hrconnect.EINVALID:
		return http.StatusBadRequest
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

// formStatus is the status of a form re-rendered because of err.
func formStatus(err error) int {
	if hrconnect.ErrorCode(err) == hrconnect.EINVALID {
		return http.StatusUnprocessableEntity
	}
	return statusOf(hrconnect.ErrorCode(err))
}

// appError returns err's *hrconnect.Error, or an EINTERNAL one that shows
// nothing of err (its details are for the log only).
func appError(err error) *hrconnect.Error {
	var e *hrconnect.Error
	if errors.As(err, &e) {
		return e
	}
	return &hrconnect.Error{Code: hrconnect.EINTERNAL, Message: "Something went wrong on our side.", Resolution: "Try again; if it keeps happening, tell your administrator the time it happened.", Err: err}
}

// Errors the handlers share.
var (
	errForbidden = &hrconnect.Error{Code: hrconnect.EFORBIDDEN,
		Message:    "You need the Integrations Management permission to set up, change or remove a connection.",
		Resolution: "Ask an administrator of your company to give you the permission on the Users page."}
	errNotFound = hrconnect.Errorf(hrconnect.ENOTFOUND, "There is no such page here.")
)
