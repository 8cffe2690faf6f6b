package zoho

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Class says what should happen after a failed call: it is the one thing a
// caller needs to decide between retrying, refreshing, asking a person to
// reconnect, and asking a person to fix a record or the configuration.
type Class uint8

const (
	// ClassNone is the class of a nil error.
	ClassNone Class = iota
	// ClassRetry: a passing failure (network error, timeout, dropped
	// connection, HTTP 5xx, Zoho's throttle or lock-out). Try again later,
	// not before RetryAfter when it is set.
	ClassRetry
	// ClassReauth: Zoho refused the access token (expired, revoked or pushed
	// out by newer ones). Refresh it once and retry the call once.
	ClassReauth
	// ClassReconnect: the connection's grant is gone (refresh token revoked or
	// unknown, client deleted or its secret changed, consent declined). Only a
	// person reconnecting the account can fix it; park the work until then.
	ClassReconnect
	// ClassData: Zoho refused the record itself (a mandatory value is missing,
	// a value already exists or is malformed). A person must fix the record;
	// retrying it unchanged will fail again.
	ClassData
	// ClassConfig: hrconnect's own setup is wrong for this account (wrong
	// scope, form or field name, redirect URI, permission, host). A person
	// must fix the connection or the field mapping.
	ClassConfig
)

var classNames = [...]string{"none", "retry", "reauth", "reconnect", "data", "config"}

// String returns the class's name: "retry", "reauth", "reconnect", "data", "config".
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// ErrNotFound is matched (with errors.Is) by an *Error for a record that does
// not exist, such as People's 7049 for an unknown record ID. Searches that find
// nothing are not errors: they return an empty result.
var ErrNotFound = errors.New("zoho: record not found")

// Error is every error this package returns from a call to Zoho. It carries
// what Zoho said, what it means for a person (Message, Resolution), and what a
// program should do next (Class, RetryAfter).
//
// No Error ever contains a client secret, grant code, token or password: calls
// that hold one scrub it from every field before returning.
type Error struct {
	// Op is the call that failed, named like the sandbox's endpoints:
	// "accounts.token", "people.insertRecord", "recruit.insertCandidates".
	Op string
	// DC is the data centre's location code ("eu"), when known.
	DC string
	// Class is what to do next.
	Class Class
	// HTTPStatus is the reply's HTTP status, 0 when no reply came.
	HTTPStatus int
	// Code is Zoho's error code as Zoho wrote it: "invalid_code",
	// "Access Denied", "7052", "INVALID_TOKEN". Empty when Zoho gave none.
	Code string
	// ZohoMessage is Zoho's own error text, when it gave one.
	ZohoMessage string
	// Field is the field the error is about (a People field link name or a
	// Recruit API name), when Zoho names one.
	Field string
	// Message says what went wrong, for a person.
	Message string
	// Resolution says what a person can do about it.
	Resolution string
	// RetryAfter is the least wait before retrying, when Zoho's reply implies
	// one (a lock-out, a throttle, a Retry-After header); 0 when unknown.
	RetryAfter time.Duration
	// Err is the underlying cause (a network error, a context error), or nil.
	Err error
}

// Error returns the operation, the data centre, Zoho's code and the message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("zoho ")
	b.WriteString(e.Op)
	if e.DC != "" {
		b.WriteString(" (")
		b.WriteString(e.DC)
		b.WriteByte(')')
	}
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code)
		b.WriteString(": ")
	}
	if e.Err != nil && !strings.Contains(e.Message, e.Err.Error()) {
		b.WriteString(strings.TrimSuffix(e.Message, "."))
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is(err,
// context.DeadlineExceeded) and the like work.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) true for a missing record.
func (e *Error) Is(target error) bool {
	return target == ErrNotFound && (e.Code == "7049" || e.Code == "NOT_FOUND")
}

// ClassOf returns the class of err: ClassNone for nil, the Class of an *Error
// in err's chain, ClassRetry for network and context errors, and ClassConfig
// for anything else (an error this package cannot explain needs a person).
func ClassOf(err error) Class {
	if err == nil {
		return ClassNone
	}
	var ze *Error
	if errors.As(err, &ze) {
		return ze.Class
	}
	if transient(err) {
		return ClassRetry
	}
	return ClassConfig
}

// IsRetryable reports whether err is worth retrying unchanged, later.
func IsRetryable(err error) bool { return ClassOf(err) == ClassRetry }

// RetryAfter returns the least wait before retrying err, 0 when unknown.
func RetryAfter(err error) time.Duration {
	var ze *Error
	if errors.As(err, &ze) {
		return ze.RetryAfter
	}
	return 0
}

// transient reports whether err is a network or context failure: worth a
// retry, since nothing about the request itself was refused.
func transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// transportError wraps a failure to get any reply from Zoho. The request URL
// in a *url.Error loses its query string: searches carry email addresses and
// employee IDs there, which do not belong in error logs.
func transportError(op, dc, service string, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.URL, "?") {
		stripped := *ue
		stripped.URL, _, _ = strings.Cut(ue.URL, "?")
		if ue == err {
			err = &stripped
		} else {
			err = &redacted{msg: strings.ReplaceAll(err.Error(), ue.URL, stripped.URL), err: err}
		}
	}
	msg := "No reply from " + service + ": the connection failed or was dropped."
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "No reply from " + service + " in time."
	} else if errors.Is(err, context.Canceled) {
		msg = "The call to " + service + " was cancelled."
	}
	return &Error{
		Op: op, DC: dc, Class: ClassRetry, Message: msg, Err: err,
		Resolution: "hrconnect retries on its own. If it keeps failing, check that this server can reach " + service + " (network, proxy, firewall) and Zoho's status page.",
	}
}

// serverError is a reply hrconnect cannot use: HTTP 5xx, or a body that is not
// Zoho's JSON (a proxy's or load balancer's page).
func serverError(op, dc, service string, status int) *Error {
	msg := service + " answered with HTTP " + strconv.Itoa(status) + "."
	if status < 500 {
		msg = service + " sent a reply hrconnect could not read (HTTP " + strconv.Itoa(status) + ")."
	}
	return &Error{
		Op: op, DC: dc, Class: ClassRetry, HTTPStatus: status, Message: msg,
		Resolution: "This is usually a passing fault at Zoho or on the way; hrconnect retries on its own. If it lasts, check Zoho's status page.",
	}
}

// parseRetryAfter reads a Retry-After header given in seconds (the only form
// Zoho is known to use); it returns 0 when absent or unreadable.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	if n > 86400 {
		n = 86400
	}
	return time.Duration(n) * time.Second
}

// redacted stands in for an underlying error whose text held a secret: it
// shows the scrubbed text and still unwraps to the original, so errors.Is
// keeps working.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// scrub removes every non-empty secret from each text field of e and from its
// cause's text. Calls that hold secrets (client secret, code, tokens,
// password) run it on every error they return; it costs nothing on success.
func (e *Error) scrub(secrets ...string) *Error {
	replace := func(s string) string {
		for _, sec := range secrets {
			if len(sec) >= 4 && strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, "[redacted]")
			}
		}
		return s
	}
	e.Code = replace(e.Code)
	e.ZohoMessage = replace(e.ZohoMessage)
	e.Field = replace(e.Field)
	e.Message = replace(e.Message)
	e.Resolution = replace(e.Resolution)
	if e.Err != nil {
		if s := e.Err.Error(); replace(s) != s {
			e.Err = &redacted{msg: replace(s), err: e.Err}
		}
	}
	return e
}
