package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
)

// routeControl registers the control surface under /_sandbox/: JSON endpoints
// for tests, benchmarks and demos, never part of real Zoho. Each answers 200
// with JSON on success and 400 with {"errors":[…]} on bad input.
func (s *Server) routeControl(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sandbox/clients", s.controlRegisterClient)
	mux.HandleFunc("POST /_sandbox/clients/{id}/dc-secret", s.controlDCSecret)
	mux.HandleFunc("POST /_sandbox/self-client/code", s.controlSelfClientCode)
	mux.HandleFunc("POST /_sandbox/users", s.controlAddUser)
	mux.HandleFunc("POST /_sandbox/orgs", s.controlAddOrg)
	mux.HandleFunc("GET /_sandbox/clock", s.controlClock)
	mux.HandleFunc("POST /_sandbox/clock", s.controlClock)
	mux.HandleFunc("POST /_sandbox/reset", s.controlReset)
	mux.HandleFunc("GET /_sandbox/state", s.controlState)
	mux.HandleFunc("GET /_sandbox/faults", s.controlListFaults)
	mux.HandleFunc("POST /_sandbox/faults", s.controlAddFault)
	mux.HandleFunc("DELETE /_sandbox/faults", s.controlClearFaults)
	mux.HandleFunc("DELETE /_sandbox/faults/{id}", s.controlClearFaults)
	mux.HandleFunc("GET /_sandbox/limits", s.controlLimits)
	mux.HandleFunc("PUT /_sandbox/limits", s.controlLimits)
}

// controlErrors is the control surface's error body.
type controlErrors struct {
	Errors []string `json:"errors"`
}

// writeControlJSON writes a control-surface answer.
func writeControlJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeControlErrors answers status (400 for bad input) with the reasons.
func writeControlErrors(w http.ResponseWriter, status int, msgs ...string) {
	writeControlJSON(w, status, controlErrors{Errors: msgs})
}

// decodeControl reads the request's JSON object into dst, strictly: unknown
// fields, wrong types, trailing data and (unless allowEmpty) an empty body are
// refused with a 400 that says what is wrong and how to fix it. It reports
// whether dst was filled (or the body was empty and allowed).
func decodeControl(w http.ResponseWriter, r *http.Request, dst any, allowEmpty bool) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeControlErrors(w, http.StatusBadRequest, "cannot read the request body: "+err.Error()+"; send one JSON object of at most 1 MiB")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return true
		}
		writeControlErrors(w, http.StatusBadRequest, "the request body is empty; send a JSON object with the fields "+fieldList(dst))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		writeControlErrors(w, http.StatusBadRequest, describeJSONError(err, dst))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeControlErrors(w, http.StatusBadRequest, "the request body holds more than one JSON value; send exactly one object")
		return false
	}
	return true
}

// describeJSONError turns a decoding error into advice for the caller.
func describeJSONError(err error, dst any) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("the request body is not valid JSON (%v at byte %d); send a JSON object with the fields %s", syntax, syntax.Offset, fieldList(dst))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("the request body is a JSON %s; send a JSON object with the fields %s", typ.Value, fieldList(dst))
		}
		return fmt.Sprintf("field %q must be %s, not a JSON %s", typ.Field, jsonTypeName(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the request body ends in the middle of its JSON value; send one complete JSON object"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Sprintf("unknown field %s; the fields are %s", strings.TrimPrefix(err.Error(), "json: unknown field "), fieldList(dst))
	}
	return "the request body cannot be read as JSON: " + err.Error()
}

// jsonTypeName names a Go type the way a JSON caller thinks of it.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32, reflect.Uint:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonTypeName(t.Elem()), "a "), "an ") + "s"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	}
	return "an object"
}

// fieldList lists the JSON fields of the struct dst points to.
func fieldList(dst any) string {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "(none)"
	}
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, `"`+name+`"`)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
