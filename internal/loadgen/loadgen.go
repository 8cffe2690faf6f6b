// Package loadgen sends a bounded number of HTTP GET requests to a server on
// the loopback interface from a fixed number of concurrent clients, and
// reports the rate, the latency percentiles and the errors. It is the load
// generator of the benchmark report (docs/BENCHMARKS.md): it runs in a
// process of its own, so that the server's figures include the network and
// none of the client's work.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hrconnect"
)

// Bounds on a run: no load test may run away.
const (
	MaxRequests    = 1_000_000
	MaxConcurrency = 1024
	MaxDuration    = 10 * time.Minute
)

// Config is one run: Requests GETs of URL from Concurrency clients, ending
// early when Duration has passed.
type Config struct {
	// URL is the address requested; its host must be a loopback address
	// (127.0.0.0/8, ::1 or localhost).
	URL string
	// APIKey, when set, is sent as "Authorization: Bearer APIKey".
	APIKey      string
	Requests    int
	Concurrency int
	Duration    time.Duration
	// Timeout bounds each request; 0 means 30 s.
	Timeout time.Duration
}

// Check reports what is wrong with c, as an *hrconnect.Error naming the
// field, or nil.
func (c Config) Check() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return hrconnect.Invalid("url", "%q is not an http:// URL: give the full address, such as http://127.0.0.1:8080/api/v1/connections.", c.URL)
	}
	if !loopback(u.Hostname()) {
		return hrconnect.Invalid("url", "%s is not a loopback address: the load generator only sends to this machine (127.0.0.1, ::1 or localhost).", u.Hostname())
	}
	if c.Requests < 1 || c.Requests > MaxRequests {
		return hrconnect.Invalid("requests", "%d requests: give between 1 and %d.", c.Requests, MaxRequests)
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		return hrconnect.Invalid("concurrency", "%d clients: give between 1 and %d.", c.Concurrency, MaxConcurrency)
	}
	if c.Concurrency > c.Requests {
		return hrconnect.Invalid("concurrency", "%d clients for %d requests would leave clients idle: give at most as many clients as requests.", c.Concurrency, c.Requests)
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		return hrconnect.Invalid("duration", "%s: give a duration above 0 and at most %s, such as 10s.", c.Duration, MaxDuration)
	}
	if c.Timeout < 0 {
		return hrconnect.Invalid("timeout", "%s: a request timeout cannot be negative; 0 means 30s.", c.Timeout)
	}
	return nil
}

func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Result is what a run measured.
type Result struct {
	Requests int           // requests that got an answer or failed
	Errors   int           // transport errors and answers other than 2xx
	Elapsed  time.Duration // from the first request to the last answer
	// FirstError describes the first error, to say what went wrong.
	FirstError string
	// Bytes is the total size of the answers' bodies.
	Bytes int64
	// P50, P90, P99 and Max are the latencies of the successful requests.
	P50, P90, P99, Max time.Duration
}

// RPS is the rate of requests answered, errors included.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Run sends the requests c describes and waits for every answer.
func Run(ctx context.Context, c Config) (Result, error) {
	if err := c.Check(); err != nil {
		return Result{}, err
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	tr := &http.Transport{MaxIdleConns: c.Concurrency, MaxIdleConnsPerHost: c.Concurrency, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout}
	ctx, cancel := context.WithTimeout(ctx, c.Duration)
	defer cancel()

	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, c.Requests)
		res       Result
		wg        sync.WaitGroup
	)
	fail := func(msg string) {
		mu.Lock()
		res.Errors++
		if res.FirstError == "" {
			res.FirstError = msg
		}
		mu.Unlock()
	}
	start := time.Now()
	for range c.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(c.Requests) && ctx.Err() == nil {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
				if err != nil {
					fail(err.Error())
					return
				}
				if c.APIKey != "" {
					req.Header.Set("Authorization", "Bearer "+c.APIKey)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						return // the run's time is up: not the server's error
					}
					fail(err.Error())
					continue
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				mu.Lock()
				res.Bytes += n
				mu.Unlock()
				if err != nil {
					if ctx.Err() != nil {
						return // cut off by the run's end, as above
					}
					fail("read answer: " + err.Error())
					continue
				}
				if resp.StatusCode/100 != 2 {
					fail(fmt.Sprintf("HTTP %d", resp.StatusCode))
					continue
				}
				mu.Lock()
				latencies = append(latencies, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(latencies) + res.Errors
	slices.Sort(latencies)
	res.P50, res.P90, res.P99 = Percentile(latencies, 50), Percentile(latencies, 90), Percentile(latencies, 99)
	if len(latencies) > 0 {
		res.Max = latencies[len(latencies)-1]
	}
	return res, nil
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value that at least p % of the values
// do not exceed. It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 || p <= 0 {
		return 0
	}
	// p·n first: 0.99·100 is not exactly 99 in floating point, 99·100/100 is.
	rank := int(math.Ceil(p * float64(len(sorted)) / 100))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}
