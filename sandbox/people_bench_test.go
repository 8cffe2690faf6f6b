package sandbox

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPeopleInsertRecord measures insertRecord over real HTTP on the
// loopback interface, with parallel keep-alive clients and the limits off,
// and reports inserts a second. Every insert is a new employee, so the
// uniqueness indexes grow as they would in a long run. Reproduce with
//
//	go test -run '^$' -bench PeopleInsertRecord -cpu 2 -benchtime 5s ./sandbox/
func BenchmarkPeopleInsertRecord(b *testing.B) {
	h := newAPIHarness(b)
	tok := h.token("us", scopeFormsAll)
	h.s.mu.Lock()
	h.s.limits.Off = true
	h.s.mu.Unlock()
	target := h.ts.URL + peopleAPI + "/forms/json/employee/insertRecord"
	success := []byte(`"status":0`)
	var seq atomic.Int64

	b.SetParallelism(4) // 4 clients per CPU: enough to keep the server busy
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := strconv.FormatInt(seq.Add(1), 10)
			input := `{"EmployeeID":"B` + n + `","FirstName":"Bench","LastName":"Mark","EmailID":"b` + n + `@example.com"}`
			req, err := http.NewRequest("POST", target, strings.NewReader("inputData="+url.QueryEscape(input)))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := h.client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !bytes.Contains(body, success) {
				b.Errorf("insert %s: HTTP %d %s (%v)", n, resp.StatusCode, body, err)
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "inserts/s")

	h.s.mu.Lock()
	stored := len(h.s.dcs["us"].defaultOrg.people.tables["employee"].records)
	h.s.mu.Unlock()
	if int64(stored) != seq.Load() {
		b.Errorf("%d employees stored after %d inserts", stored, seq.Load())
	}
}

// BenchmarkPeopleInsertRecordHandler measures the same inserts without the
// network: the handler is called directly, so the figure is the sandbox's own
// cost per insert (parsing, checks, indexes, the lock), apart from TCP and
// the HTTP client.
func BenchmarkPeopleInsertRecordHandler(b *testing.B) {
	s := New()
	handler := s.Handler()
	s.mu.Lock()
	s.limits.Off = true
	tok := s.mintLocked("us", scopeFormsAll).token
	s.mu.Unlock()
	var seq atomic.Int64

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := strconv.FormatInt(seq.Add(1), 10)
			input := `{"EmployeeID":"B` + n + `","FirstName":"Bench","LastName":"Mark","EmailID":"b` + n + `@example.com"}`
			req := httptest.NewRequest("POST", peopleAPI+"/forms/json/employee/insertRecord", strings.NewReader("inputData="+url.QueryEscape(input)))
			req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != 200 || !bytes.Contains(rec.Body.Bytes(), []byte(`"status":0`)) {
				b.Errorf("insert %s: HTTP %d %s", n, rec.Code, rec.Body)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "inserts/s")
}
