package ops

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"hrconnect/internal/logging"
)

// RequestIDHeader carries a request's ID in and out.
const RequestIDHeader = "X-Request-ID"

// maxRequestID caps an ID taken from a request.
const maxRequestID = 64

// wellFormedID reports whether a given request ID is safe to adopt: 8 to 64
// letters, digits, '-', '_' or '.', so that it can be logged and echoed
// without quoting or injection (no spaces, no newlines).
func wellFormedID(id string) bool {
	if len(id) < 8 || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// newRequestID returns a random request ID.
func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "req_" + hex.EncodeToString(b)
}

// Middleware gives every request an ID (the well-formed X-Request-ID it
// came with, else a new one), returns it in the X-Request-ID response header,
// carries it in the request's context so that every line logged with that
// context names it (logging.With), and records the request's latency by
// route pattern and status class. m may be nil: then nothing is timed.
func Middleware(m *Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !wellFormedID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		r = r.WithContext(logging.With(r.Context(), slog.String(logging.RequestIDKey, id)))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if m == nil {
			return
		}
		// ServeMux sets Pattern on the request it was given, and the muxes
		// below pass this one down: the innermost match wins. Never the raw
		// path, whose IDs would make a series per record.
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.latency.WithLabelValues(route, statusClass(rec.status)).Observe(time.Since(start).Seconds())
	})
}

func statusClass(code int) string {
	if code == 0 {
		code = http.StatusOK
	}
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code/100) + "xx"
}

// statusRecorder remembers the status a handler wrote.
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
