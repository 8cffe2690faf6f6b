// Package hrconnect holds the domain of hrconnect: tenants, users, services,
// connections and their secrets, the error type shared by every layer, and the
// interfaces of the services that the subpackages implement.
//
// Subpackages are named after what they wrap (sqlstore, zoho, vault, sandbox,
// web) and depend on this package, never the other way round.
package hrconnect

import (
	"errors"
	"fmt"
)

// Error codes: the kinds of failure the application reports. The web layer
// maps each to one HTTP status, in one place.
const (
	EINVALID      = "invalid"      // the input is wrong; the message says what and how to fix it
	ENOTFOUND     = "not_found"    // no such thing (or not in this tenant)
	ECONFLICT     = "conflict"     // it already exists, or the state forbids the change
	EUNAUTHORIZED = "unauthorized" // not signed in, or the credentials are wrong
	EFORBIDDEN    = "forbidden"    // signed in, but without the needed permission
	EUNAVAILABLE  = "unavailable"  // a remote service is failing; try again later
	EINTERNAL     = "internal"     // our bug or an unexpected failure
)

// Error is an application error: a code for programs and a message for people.
// Resolution, when set, tells a person what to do about it.
type Error struct {
	Code       string
	Message    string
	Resolution string
	// Field names the input field at fault, when there is one.
	Field string
	// Err is the underlying cause, kept for logs and errors.Is; it is never
	// shown to users.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Resolution != "" {
		msg += " " + e.Resolution
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain; any other
// error is an internal one whose details are not for users.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "Internal error."
}
