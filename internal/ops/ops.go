// Package ops is what operators of hrconnect use to run it: liveness
// (/healthz) and readiness (/readyz), Prometheus metrics (/metrics), and the
// request middleware that gives every request an ID, carries it into every
// log line of the request and times the request by its route pattern.
//
// No metric label ever carries a tenant ID, a token, an email or a URL's
// path or query: labels come from fixed sets (states, endpoint names,
// outcomes) or from the route table's patterns, so their number is bounded
// whatever the traffic. docs/operations.md lists every metric.
package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"hrconnect/sqlstore"
)

// Store is what the health checks and the scrape-time metrics read.
// *sqlstore.DB implements it.
type Store interface {
	// CheckDatabase runs a trivial query.
	CheckDatabase(ctx context.Context) error
	// CheckQueue reads River's job table.
	CheckQueue(ctx context.Context) error
	// TransferCounts counts transfers by state, over every tenant.
	TransferCounts(ctx context.Context) (map[string]int64, error)
	// QueueDepth counts River's waiting and running jobs by kind and state.
	QueueDepth(ctx context.Context) ([]sqlstore.QueueCount, error)
}

// ReadyTimeout bounds each readiness check: a database that takes longer
// to answer a trivial query is not ready to serve.
const ReadyTimeout = 2 * time.Second

// Healthz answers 200 while the process serves: it is the liveness probe,
// and checks nothing else, so that a slow database never gets a healthy
// process restarted.
func Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// check is one readiness check's result in /readyz's body.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
	Millis int64  `json:"duration_ms"`
}

// readyBody is /readyz's JSON body.
type readyBody struct {
	Status string   `json:"status"` // "ready" or "unready"
	Failed []string `json:"failed,omitempty"`
	Checks []check  `json:"checks"`
}

// Readyz returns the readiness probe: 200 when the database answers a query
// and River's tables can be read, each within ReadyTimeout; otherwise 503
// with a JSON body naming each check that failed and why.
func Readyz(s Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := readyBody{Status: "ready"}
		for _, c := range []struct {
			name string
			fn   func(context.Context) error
		}{{"database", s.CheckDatabase}, {"queue", s.CheckQueue}} {
			ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
			start := time.Now()
			err := c.fn(ctx)
			cancel()
			res := check{Name: c.name, OK: err == nil, Millis: time.Since(start).Milliseconds()}
			if err != nil {
				res.Error = err.Error()
				body.Status = "unready"
				body.Failed = append(body.Failed, c.name)
			}
			body.Checks = append(body.Checks, res)
		}
		status := http.StatusOK
		if body.Status != "ready" {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
