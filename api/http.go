package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hrconnect"
	"hrconnect/internal/logging"
)

// maxBodyBytes bounds a request body. The largest legitimate one is an
// invoke call's payload; a megabyte leaves room for it and keeps a client
// from making us buffer more.
const maxBodyBytes = 1 << 20

// statusRecorder remembers the status written, for the request's log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// wrap turns a route into an http.Handler: it names the request, checks the
// key and its permission, runs the route, writes its error as a problem,
// survives a panic, and logs one line. The line holds the method, the path
// pattern (IDs, never query strings or bodies), the status, the tenant and
// the key's ID, and nothing secret.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(hw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusRecorder{ResponseWriter: hw}
		reqID := logging.RequestID(r.Context()) // set by the server's middleware
		if reqID == "" {
			reqID = randomID()
		}
		w.Header().Set("X-Request-ID", reqID)
		var p *principal
		var err error
		func() {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v) // net/http's way to abort a reply; not ours to catch
					}
					err = fmt.Errorf("panic: %v", v)
				}
			}()
			if !rt.Public {
				if p, err = s.authenticate(r); err != nil {
					return
				}
				if err = p.authorize(rt.Permission); err != nil {
					return
				}
			}
			err = rt.handle(s, w, r, p)
		}()
		attrs := []any{"request_id", reqID, "method", r.Method, "path", r.URL.Path, "pattern", r.Pattern}
		if p != nil {
			attrs = append(attrs, "tenant", p.tenant(), "key_id", p.key.ID)
		}
		if err != nil {
			pr := problemFor(err, reqID)
			if pr.Status >= 500 {
				// The cause goes to the log only. Errors from connect and
				// zoho are built without secrets; this is their one outlet.
				s.log.ErrorContext(r.Context(), "api request failed", append(attrs, "status", pr.Status, "err", err.Error())...)
			}
			if w.status == 0 {
				writeProblem(w, pr)
			}
		}
		s.log.InfoContext(r.Context(), "api request", append(attrs, "status", w.status, "duration_ms", time.Since(start).Milliseconds())...)
	})
}

// randomID returns a short random ID for a request.
func randomID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := randomBytes(10)
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return "req_" + string(b)
}

// writeJSON writes v as the reply with the given status. Replies are never
// cached: several carry tokens or keys shown once.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// malformed marks an input error that is about the body's form, not its
// values: 400 rather than 422.
func malformed(field, format string, args ...any) error {
	return &statusError{status: http.StatusBadRequest, err: &hrconnect.Error{Code: hrconnect.EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}}
}

// decode reads r's body, a single JSON object, into v, strictly: an unknown
// field, a value of the wrong type, trailing data, a body over
// maxBodyBytes or one that is not JSON is refused with a message that says
// which field, what is wrong and how to fix it. With optional, an empty body
// is accepted and leaves v as it is.
func decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &statusError{status: http.StatusUnsupportedMediaType, err: &hrconnect.Error{Code: hrconnect.EINVALID,
				Message:    fmt.Sprintf("The request body is %q; this API takes JSON.", ct),
				Resolution: "Send the body as JSON with \"Content-Type: application/json\"."}}
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		unknownRe = "json: unknown field "
	)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		if optional {
			return nil
		}
		return malformed("", "The request body is empty: send a JSON object (the OpenAPI document shows its fields and an example).")
	case errors.As(err, &tooLarge):
		return &statusError{status: http.StatusRequestEntityTooLarge, err: &hrconnect.Error{Code: hrconnect.EINVALID,
			Message: fmt.Sprintf("The request body is larger than %d bytes.", maxBodyBytes), Resolution: "Send less data in one call."}}
	case errors.As(err, &syntax):
		return malformed("", "The request body is not valid JSON (%v, at byte %d): check quotes, commas and braces.", syntax, syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return malformed("", "The request body ends in the middle of a JSON value: send the whole object.")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return malformed("", "The request body must be a JSON object, not a JSON %s.", typeErr.Value)
		}
		return malformed(field, "The field %q must be %s, not a JSON %s.", field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), unknownRe):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), unknownRe))
		return malformed(field, "The field %q is not part of this request: remove it (check its spelling; the OpenAPI document lists the fields).", field)
	default:
		return malformed("", "The request body could not be read as JSON: %v.", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed("", "The request body holds more than one JSON value: send exactly one object.")
	}
	return nil
}

// jsonKind names a Go kind the way a JSON user would.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	}
	return "of another type"
}

// limitParam reads the "limit" query parameter: def when absent, an
// EINVALID error when it is not a whole number from 1 to max.
func limitParam(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, hrconnect.Invalid("limit", "The limit %q is not valid: give a whole number from 1 to %d.", v, max)
	}
	return n, nil
}

// timePtr returns &t, or nil for the zero time, so that JSON leaves out
// times that never happened.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
