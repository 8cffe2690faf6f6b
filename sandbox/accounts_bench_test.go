//go:build unix

package sandbox_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkTokenRefresh measures the token endpoint's hot path: the refresh
// grant with the limits off, over real HTTP on loopback, from parallel
// clients with keep-alive connections. Besides calls/s it reports the CPU
// time the whole process (clients included) spent per call, which does not
// depend on what else the machine is running. Reproduce with
//
//	go test -run '^$' -bench TokenRefresh -benchtime 5s ./sandbox/
func BenchmarkTokenRefresh(b *testing.B) {
	e := newEnv(b)
	e.control("PUT", "/_sandbox/limits", map[string]any{"off": true}, http.StatusOK, nil)
	c := e.selfClient("us")
	rt := e.mustExchange(c, e.code(c, peopleScope, 0)).RefreshToken
	body := url.Values{"grant_type": {"refresh_token"}, "client_id": {c.ID}, "client_secret": {c.Secret}, "refresh_token": {rt}}.Encode()
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	b.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	u := e.tokenURL("us")

	b.SetParallelism(4) // several clients per CPU, so that loopback latency overlaps
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Post(u, "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(`"access_token"`)) {
				b.Errorf("HTTP %d %s", resp.StatusCode, raw)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/call")
}

// processCPU returns the CPU time, user and system, this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
