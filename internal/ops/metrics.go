package ops

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hrconnect"
)

// Metric names, for docs/operations.md and the tests.
const (
	MetricTransfers   = "hrconnect_transfers"
	MetricZohoCalls   = "hrconnect_zoho_calls_total"
	MetricRefreshes   = "hrconnect_token_refreshes_total"
	MetricQueueJobs   = "hrconnect_queue_jobs"
	MetricHTTPLatency = "hrconnect_http_request_duration_seconds"
	MetricScrapeError = "hrconnect_scrape_errors_total"
)

// ScrapeTimeout bounds the database queries of one scrape.
const ScrapeTimeout = 5 * time.Second

// transferStates are the states reported even when no transfer is in them,
// so that a dashboard's series exist from the start.
var transferStates = []hrconnect.TransferState{
	hrconnect.TransferPending, hrconnect.TransferRunning, hrconnect.TransferSucceeded,
	hrconnect.TransferFailed, hrconnect.TransferWaitingReconnect, hrconnect.TransferWaitingLockout,
}

// queueStates are the River job states QueueDepth counts.
var queueStates = []string{"available", "running", "retryable", "scheduled"}

// Metrics holds hrconnect's Prometheus metrics in a registry of its own
// (never the global one, so tests and several servers in one process do not
// share counters). Its methods are safe for concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	zohoCalls *prometheus.CounterVec
	refreshes *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	log       *slog.Logger
}

// NewMetrics returns the metrics, with the scrape-time collectors of
// transfers and queue depth reading s. log receives scrape errors; nil
// discards them.
func NewMetrics(s Store, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		zohoCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricZohoCalls,
			Help: "HTTP calls to Zoho by endpoint and outcome (ok, network_error, or the class of Zoho's refusal: retry, reauth, reconnect, data, config).",
		}, []string{"endpoint", "outcome"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricRefreshes,
			Help: "Access token refreshes asked of a service, by outcome (ok, refused, throttled, failed).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricHTTPLatency,
			Help:    "HTTP request latency by route pattern and status class (2xx, 3xx, 4xx, 5xx).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "status"}),
	}
	scrapeErrors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: MetricScrapeError,
		Help: "Scrape-time database queries that failed, by collector (transfers, queue).",
	}, []string{"collector"})
	m.reg.MustRegister(
		m.zohoCalls, m.refreshes, m.latency, scrapeErrors,
		&transferCollector{store: s, errs: scrapeErrors.WithLabelValues("transfers"), log: log},
		&queueCollector{store: s, errs: scrapeErrors.WithLabelValues("queue"), log: log},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry, for tests that gather it directly.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ZohoCall counts one call to Zoho; it is a zoho.Observe.
func (m *Metrics) ZohoCall(endpoint, outcome string) {
	m.zohoCalls.WithLabelValues(endpoint, outcome).Inc()
}

// Refresh counts one token refresh; it is connect.WithRefreshObserver's
// function.
func (m *Metrics) Refresh(outcome string) { m.refreshes.WithLabelValues(outcome).Inc() }

// Handler serves the metrics in Prometheus's text format. A non-empty
// bearer token is then required as "Authorization: Bearer <token>", for
// operators who expose the port beyond their scraper.
func (m *Metrics) Handler(bearer string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// A failed scrape-time query costs its own series, not the scrape.
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	})
	if bearer == "" {
		return h
	}
	want := []byte("Bearer " + bearer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token set with --metrics-token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// transferCollector counts transfers by state at scrape time.
type transferCollector struct {
	store Store
	errs  prometheus.Counter
	log   *slog.Logger
}

var transfersDesc = prometheus.NewDesc(MetricTransfers,
	"Transfers (hires into Zoho People) by state, over every tenant, counted at scrape time.", []string{"state"}, nil)

func (c *transferCollector) Describe(ch chan<- *prometheus.Desc) { ch <- transfersDesc }

func (c *transferCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	counts, err := c.store.TransferCounts(ctx)
	if err != nil {
		c.errs.Inc()
		c.log.Warn("metrics: count transfers", "err", err)
		return
	}
	seen := map[string]bool{}
	for _, s := range transferStates {
		seen[string(s)] = true
		ch <- prometheus.MustNewConstMetric(transfersDesc, prometheus.GaugeValue, float64(counts[string(s)]), string(s))
	}
	for s, n := range counts { // a state added later still shows
		if !seen[s] {
			ch <- prometheus.MustNewConstMetric(transfersDesc, prometheus.GaugeValue, float64(n), s)
		}
	}
}

// queueCollector counts River's jobs by kind and state at scrape time.
type queueCollector struct {
	store Store
	errs  prometheus.Counter
	log   *slog.Logger
}

var queueDesc = prometheus.NewDesc(MetricQueueJobs,
	"River jobs waiting or running, by kind and state (available, running, retryable, scheduled), counted at scrape time.", []string{"kind", "state"}, nil)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	counts, err := c.store.QueueDepth(ctx)
	if err != nil {
		c.errs.Inc()
		c.log.Warn("metrics: count queued jobs", "err", err)
		return
	}
	for _, q := range counts {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(q.Count), q.Kind, q.State)
	}
}
