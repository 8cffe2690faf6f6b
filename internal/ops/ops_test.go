package ops_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"hrconnect/internal/logging"
	"hrconnect/internal/ops"
	"hrconnect/internal/testenv"
	"hrconnect/sqlstore"
	"hrconnect/vault"
)

func openDB(t testing.TB, pgURL string) *sqlstore.DB {
	t.Helper()
	dir := t.TempDir()
	v, err := vault.Open(vault.Options{Dir: dir, ReloadInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v}
	if pgURL != "" {
		cfg = sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: pgURL, Vault: v, Migrate: true}
	}
	db, err := sqlstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dialects runs f on SQLite and on PostgreSQL.
func dialects(t *testing.T, f func(t *testing.T, db *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, openDB(t, ""))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, openDB(t, testenv.Postgres(t)))
	})
}

type readyReply struct {
	Status string   `json:"status"`
	Failed []string `json:"failed"`
	Checks []struct {
		Name  string `json:"name"`
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"checks"`
}

func getReady(t *testing.T, h http.Handler) (int, readyReply) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r readyReply
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("readyz body is not JSON: %v: %s", err, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return res.StatusCode, r
}

// TestReadyz: ready on a live database, 503 naming the database and the
// queue once it is closed.
func TestReadyz(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		h := ops.Readyz(db)
		code, r := getReady(t, h)
		if code != 200 || r.Status != "ready" || len(r.Failed) != 0 || len(r.Checks) != 2 || !r.Checks[0].OK || !r.Checks[1].OK {
			t.Fatalf("live database: %d %+v", code, r)
		}
		db.Close()
		code, r = getReady(t, h)
		if code != http.StatusServiceUnavailable || r.Status != "unready" || strings.Join(r.Failed, ",") != "database,queue" {
			t.Fatalf("closed database: %d %+v, want 503 naming database and queue", code, r)
		}
		for _, c := range r.Checks {
			if c.OK || !strings.Contains(c.Error, "closed") {
				t.Errorf("check %s: ok %v, error %q; want the cause", c.Name, c.OK, c.Error)
			}
		}
	})
}

// TestReadyzQueueTables: a database without River's tables is not ready,
// and the body says the queue is what failed.
func TestReadyzQueueTables(t *testing.T) {
	db := openDB(t, "")
	if err := db.InTx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), `DROP TABLE river_job`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	code, r := getReady(t, ops.Readyz(db))
	if code != http.StatusServiceUnavailable || strings.Join(r.Failed, ",") != "queue" || !strings.Contains(r.Checks[1].Error, "River") {
		t.Fatalf("no River tables: %d %+v", code, r)
	}
}

type opsTestArgs struct {
	N int `json:"n"`
}

func (opsTestArgs) Kind() string { return "ops_test" }

// TestQueueAndTransferMetrics: the scrape-time collectors count River's
// waiting jobs by kind and state and report every transfer state.
func TestQueueAndTransferMetrics(t *testing.T) {
	dialects(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		rc, err := db.NewRiverClient(&river.Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := rc.Insert(ctx, opsTestArgs{N: i}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := rc.Insert(ctx, opsTestArgs{N: 9}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		m := ops.NewMetrics(db, nil)
		got := samples(t, m.Registry(), ops.MetricQueueJobs)
		if len(got) != 2 || got[`kind="ops_test",state="available"`] != 3 || got[`kind="ops_test",state="scheduled"`] != 1 {
			t.Errorf("queue depth %v, want 3 available and 1 scheduled ops_test jobs", got)
		}
		tr := samples(t, m.Registry(), ops.MetricTransfers)
		if len(tr) != 6 || tr[`state="pending"`] != 0 {
			t.Errorf("transfer states reported: %v, want all 6 at zero", tr)
		}
		// A scrape on a closed database still answers, and counts the failure.
		db.Close()
		if got := samples(t, m.Registry(), ops.MetricQueueJobs); len(got) != 0 {
			t.Errorf("queue jobs reported from a closed database: %v", got)
		}
		errs := samples(t, m.Registry(), ops.MetricScrapeError)
		// The scrape above failed both queries (this one's failures may
		// be counted before or after the counter is read).
		if errs[`collector="queue"`] < 1 || errs[`collector="transfers"`] < 1 {
			t.Errorf("scrape errors %v, want at least 1 for each collector", errs)
		}
	})
}

// TestMiddleware: a well-formed X-Request-ID is kept, anything else is
// replaced; the ID is in the reply and in every line logged with the
// request's context, never a secret; latency is recorded by pattern, never
// by raw path.
func TestMiddleware(t *testing.T) {
	var logs bytes.Buffer
	log := logging.New(&logs, logging.Options{})
	m := ops.NewMetrics(openDB(t, ""), nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "looked up", "item", r.PathValue("id"), "api_key", "hrc_supersecret")
		log.WarnContext(r.Context(), "second line")
		w.WriteHeader(http.StatusTeapot)
	})
	srv := httptest.NewServer(ops.Middleware(m, mux))
	defer srv.Close()

	for _, c := range []struct {
		given string
		keep  bool
	}{
		{"ats-7f3a9c2e-0001", true},
		{"short", false},
		{"has space in it 123", false},
		{"semi;colon-1234567", false},
		{strings.Repeat("x", 65), false},
		{"", false},
	} {
		logs.Reset()
		req, _ := http.NewRequest("GET", srv.URL+"/items/rec_12345?email=ada@example.com", nil)
		if c.given != "" {
			req.Header[ops.RequestIDHeader] = []string{c.given}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		id := res.Header.Get(ops.RequestIDHeader)
		if c.keep && id != c.given || !c.keep && (id == c.given || !strings.HasPrefix(id, "req_")) {
			t.Errorf("X-Request-ID %q answered %q (keep %v)", c.given, id, c.keep)
		}
		lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
		if len(lines) != 2 {
			t.Fatalf("%d log lines, want 2: %s", len(lines), logs.String())
		}
		for _, l := range lines {
			var v map[string]any
			if err := json.Unmarshal([]byte(l), &v); err != nil || v[logging.RequestIDKey] != id {
				t.Errorf("line without request_id %q: %s", id, l)
			}
			if strings.Contains(l, "supersecret") {
				t.Errorf("a secret reached the log: %s", l)
			}
		}
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var samples uint64
	for _, f := range fams {
		if f.GetName() != ops.MetricHTTPLatency {
			continue
		}
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
				if strings.Contains(l.GetValue(), "rec_12345") || strings.Contains(l.GetValue(), "example.com") {
					t.Errorf("a raw path or query reached a label: %s=%q", l.GetName(), l.GetValue())
				}
			}
			if labels["route"] == "GET /items/{id}" && labels["status"] == "4xx" {
				samples += mt.GetHistogram().GetSampleCount()
			}
		}
	}
	if samples != 6 {
		t.Errorf("latency samples for the pattern and 4xx: %d, want 6", samples)
	}
}

// samples gathers reg and returns the values of metric name (counters and
// gauges) by their labels as name="value" pairs.
func samples(t *testing.T, reg prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			var ls []string
			for _, l := range mt.GetLabel() {
				ls = append(ls, l.GetName()+"=\""+l.GetValue()+"\"")
			}
			v := mt.GetGauge().GetValue() + mt.GetCounter().GetValue()
			out[strings.Join(ls, ",")] = v
		}
	}
	return out
}
