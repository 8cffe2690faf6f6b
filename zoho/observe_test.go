package zoho_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect/zoho"
)

// observations records what a Config.Observe is told.
type observations struct {
	mu  sync.Mutex
	got map[[2]string]int
}

func (o *observations) observe(endpoint, outcome string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got[[2]string{endpoint, outcome}]++
}

func (o *observations) count(endpoint, outcome string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.got[[2]string{endpoint, outcome}]
}

// TestObserve: every call to the sandbox reaches Observe once, named by its
// endpoint and sorted by outcome the way the calls sort their errors: ok,
// a refusal's class, or network_error.
func TestObserve(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := &observations{got: map[[2]string]int{}}
	c := zoho.NewClient(zoho.Config{Directory: e.dir, HTTPClient: &http.Client{Timeout: 10 * time.Second}, Observe: o.observe})
	dc := e.dc("eu")
	cl := e.selfClient("eu")
	code := e.code(cl, peopleScope)
	tok, err := c.ExchangeCode(e.ctx(), dc, cl.ID, cl.Secret, code, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ExchangeCode(e.ctx(), dc, cl.ID, cl.Secret, code, "", ""); err == nil {
		t.Fatal("a spent code was accepted")
	}
	if _, err := c.Refresh(e.ctx(), dc, cl.ID, cl.Secret, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	at := tok.AccessToken
	if _, err := c.InsertRecord(e.ctx(), dc, at, "employee", employee(1), zoho.InsertOptions{}); err != nil {
		t.Fatal(err)
	}
	var missing []zoho.Field
	for _, f := range employee(2) {
		if f.Name != "LastName" {
			missing = append(missing, f)
		}
	}
	_, err = c.InsertRecord(e.ctx(), dc, at, "employee", missing, zoho.InsertOptions{})
	zerr(t, err, zoho.ClassData)
	_, err = c.InsertRecord(e.ctx(), dc, "1000.bogus.token", "employee", employee(3), zoho.InsertOptions{})
	zerr(t, err, zoho.ClassReauth)
	if _, _, err := c.FindEmployee(e.ctx(), dc, at, zoho.SearchEmailAlias, "nobody@example.com"); err != nil {
		t.Fatal(err) // "no records" (7024) is an answer, not a refusal
	}
	e.fault(map[string]any{"endpoint": "people.getRecords", "kind": "status", "status": 503, "count": 1})
	_, err = c.GetRecords(e.ctx(), dc, at, "employee", zoho.RecordQuery{})
	zerr(t, err, zoho.ClassRetry)
	e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "drop", "count": 1})
	_, err = c.InsertRecord(e.ctx(), dc, at, "employee", employee(4), zoho.InsertOptions{})
	zerr(t, err, zoho.ClassRetry)

	for _, w := range []struct {
		endpoint, outcome string
		n                 int
	}{
		{"token", "ok", 2},
		{"token", "reconnect", 1},
		{"insertRecord", "ok", 1},
		{"insertRecord", "data", 1},
		{"insertRecord", "reauth", 1},
		{"insertRecord", "network_error", 1},
		{"getRecords", "ok", 1},
		{"getRecords", "retry", 1},
	} {
		if got := o.count(w.endpoint, w.outcome); got != w.n {
			t.Errorf("%s %s observed %d times, want %d (all: %v)", w.endpoint, w.outcome, got, w.n, o.got)
		}
	}
}

// BenchmarkInsertRecordObserved measures what counting calls costs: the
// same inserts through two clients built alike, without and with an
// Observe (which reads each reply once more, into a pooled buffer).
func BenchmarkInsertRecordObserved(b *testing.B) {
	e := newEnv(b)
	dc := e.dc("eu")
	_, tok := e.connect("eu", peopleScope)
	e.limits(map[string]any{"off": true})
	var seq atomic.Int64
	for _, observed := range []bool{false, true} {
		name := "off"
		var calls atomic.Int64
		cfg := zoho.Config{Directory: e.dir}
		if observed {
			name, cfg.Observe = "on", func(string, string) { calls.Add(1) }
		}
		c := zoho.NewClient(cfg)
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := strconv.FormatInt(seq.Add(1), 10)
					fields := []zoho.Field{
						{Name: "EmployeeID", Value: "B" + n},
						{Name: "FirstName", Value: "Grace"},
						{Name: "LastName", Value: "Hopper"},
						{Name: "EmailID", Value: "grace." + n + "@example.com"},
					}
					if _, err := c.InsertRecord(ctx, dc, tok.AccessToken, "employee", fields, zoho.InsertOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		if observed && calls.Load() == 0 {
			b.Fatal("no call observed")
		}
	}
}
