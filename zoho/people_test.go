package zoho_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect/zoho"
)

// employee returns the four mandatory employee fields for person n.
func employee(n int) []zoho.Field {
	return []zoho.Field{
		{Name: "EmployeeID", Value: fmt.Sprintf("E%04d", n)},
		{Name: "FirstName", Value: "Ada"},
		{Name: "LastName", Value: fmt.Sprintf("Lovelace %d", n)},
		{Name: "EmailID", Value: fmt.Sprintf("ada.%d@example.com", n)},
	}
}

// Insert, read back by ID, find by each SearchColumn and by searchParams,
// update; a search without a match is empty, not an error.
func TestPeopleInsertGetSearchUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", peopleScope)
	at := tok.AccessToken

	fields := append(employee(1), zoho.Field{Name: "Dateofjoining", Value: "05-Jan-2026"},
		zoho.Field{Name: "AboutMe", Value: `Quotes " and \ and {braces}, & ümlauts, 'single' | pipes`})
	id, err := e.c.InsertRecord(e.ctx(), dc, at, "employee", fields, zoho.InsertOptions{IsDirectAdd: true, Password: "Secr3t-passw0rd"})
	if err != nil {
		t.Fatalf("InsertRecord: %v", err)
	}
	if id == "" {
		t.Fatal("no record ID")
	}

	rec, err := e.c.GetRecordByID(e.ctx(), dc, at, "employee", id)
	if err != nil {
		t.Fatalf("GetRecordByID: %v", err)
	}
	for _, f := range fields {
		if got := rec.Get(f.Name); got != f.Value {
			t.Errorf("%s = %q, want %q", f.Name, got, f.Value)
		}
	}
	if rec.ID != id || rec.Get("Employeestatus") != "Active" {
		t.Errorf("record %s status %q: want %s, Active (isDirectAdd)", rec.ID, rec.Get("Employeestatus"), id)
	}

	for _, q := range []struct {
		col zoho.SearchColumn
		val string
	}{{zoho.SearchEmployeeID, "E0001"}, {zoho.SearchEmailAlias, "ada.1@example.com"}} {
		found, ok, err := e.c.FindEmployee(e.ctx(), dc, at, q.col, q.val)
		if err != nil || !ok || found.ID != id || found.Get("EmailID") != "ada.1@example.com" {
			t.Errorf("FindEmployee(%s, %s) = %v, %v, %v; want record %s", q.col, q.val, found.ID, ok, err, id)
		}
	}
	_, ok, err := e.c.FindEmployee(e.ctx(), dc, at, zoho.SearchEmailAlias, "nobody@example.com")
	if err != nil || ok {
		t.Errorf("FindEmployee(nobody) = %v, %v; want not found and no error (7024 is empty)", ok, err)
	}

	// searchParams, with a value that needs escaping.
	if _, err := e.c.InsertRecord(e.ctx(), dc, at, "employee", []zoho.Field{
		{Name: "EmployeeID", Value: "E0002"}, {Name: "FirstName", Value: "O'Brien"},
		{Name: "LastName", Value: "Kate"}, {Name: "EmailID", Value: "kate@example.com"},
	}, zoho.InsertOptions{}); err != nil {
		t.Fatal(err)
	}
	recs, err := e.c.GetRecords(e.ctx(), dc, at, "employee", zoho.RecordQuery{SearchParams: []zoho.SearchParam{{Field: "FirstName", Operator: "Is", Text: "O'Brien"}}})
	if err != nil || len(recs) != 1 || recs[0].Get("EmailID") != "kate@example.com" {
		t.Errorf("searchParams FirstName Is O'Brien: %v, %v", recs, err)
	}
	recs, err = e.c.GetRecords(e.ctx(), dc, at, "employee", zoho.RecordQuery{MatchAny: true, SearchParams: []zoho.SearchParam{
		{Field: "EmailID", Operator: "Is", Text: "kate@example.com"}, {Field: "EmployeeID", Operator: "Is", Text: "E0001"},
	}})
	if err != nil || len(recs) != 2 {
		t.Errorf("searchParams OR: %d records, %v; want 2", len(recs), err)
	}
	recs, err = e.c.GetRecords(e.ctx(), dc, at, "employee", zoho.RecordQuery{Start: 2, Limit: 1})
	if err != nil || len(recs) != 1 || recs[0].Get("EmployeeID") != "E0002" {
		t.Errorf("sIndex 2 limit 1: %v, %v", recs, err)
	}
	recs, err = e.c.GetRecords(e.ctx(), dc, at, "employee", zoho.RecordQuery{SearchParams: []zoho.SearchParam{{Field: "LastName", Operator: "Starts_With", Text: "zzz"}}})
	if err != nil || recs != nil {
		t.Errorf("no match: %v, %v; want nil, nil", recs, err)
	}

	upd, err := e.c.UpdateRecord(e.ctx(), dc, at, "employee", id, []zoho.Field{{Name: "LastName", Value: "King"}})
	if err != nil || upd != id {
		t.Fatalf("UpdateRecord: %q, %v", upd, err)
	}
	rec, err = e.c.GetRecordByID(e.ctx(), dc, at, "employee", id)
	if err != nil || rec.Get("LastName") != "King" || rec.Get("FirstName") != "Ada" {
		t.Errorf("after update: %v, %v", rec.Fields, err)
	}

	_, err = e.c.GetRecordByID(e.ctx(), dc, at, "employee", "972601999999999999")
	zerr(t, err, zoho.ClassData)
	if !errors.Is(err, zoho.ErrNotFound) {
		t.Errorf("unknown record ID: %v does not match ErrNotFound", err)
	}
	_, err = e.c.UpdateRecord(e.ctx(), dc, at, "employee", "972601999999999999", []zoho.Field{{Name: "LastName", Value: "X"}})
	if ze := zerr(t, err, zoho.ClassData); ze.Code != "7049" || !errors.Is(err, zoho.ErrNotFound) {
		t.Errorf("update of an unknown record: %v", err)
	}
}

// Each People error code lands in its class, names the field where Zoho
// does, and carries a resolution; no token or password appears in any text.
func TestPeopleErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", peopleScope)
	at := tok.AccessToken
	if _, err := e.c.InsertRecord(e.ctx(), dc, at, "employee", employee(1), zoho.InsertOptions{}); err != nil {
		t.Fatal(err)
	}
	const password = "Pa55word-that-must-not-leak"
	without := func(fs []zoho.Field, name string) []zoho.Field {
		var out []zoho.Field
		for _, f := range fs {
			if f.Name != name {
				out = append(out, f)
			}
		}
		return out
	}
	with := func(fs []zoho.Field, name, value string) []zoho.Field {
		out := append([]zoho.Field(nil), fs...)
		for i := range out {
			if out[i].Name == name {
				out[i].Value = value
				return out
			}
		}
		return append(out, zoho.Field{Name: name, Value: value})
	}
	for _, tc := range []struct {
		name   string
		form   string
		fields []zoho.Field
		class  zoho.Class
		code   string
		field  string
	}{
		{"missing mandatory", "employee", without(employee(2), "LastName"), zoho.ClassData, "7052", "LastName"},
		{"duplicate email", "employee", with(employee(3), "EmailID", "ADA.1@example.com"), zoho.ClassData, "7051", "EmailID"},
		{"duplicate employee ID", "employee", with(employee(4), "EmployeeID", "E0001"), zoho.ClassData, "7051", "EmployeeID"},
		{"invalid email", "employee", with(employee(5), "EmailID", "Ada <ada@example>"), zoho.ClassData, "7053", "EmailID"},
		{"unknown field", "employee", with(employee(6), "Shoe_Size", "42"), zoho.ClassConfig, "7013", "Shoe_Size"},
		{"unknown form", "no_such_form", employee(7), zoho.ClassConfig, "7011", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.c.InsertRecord(e.ctx(), dc, at, tc.form, tc.fields, zoho.InsertOptions{IsDirectAdd: true, Password: password})
			ze := zerr(t, err, tc.class)
			if ze.Code != tc.code || ze.Field != tc.field {
				t.Errorf("code %q field %q, want %q %q: %v", ze.Code, ze.Field, tc.code, tc.field, err)
			}
			if ze.HTTPStatus != http.StatusOK {
				t.Errorf("HTTP %d: People sends data errors with 200", ze.HTTPStatus)
			}
			if tc.field != "" && !strings.Contains(ze.Message, tc.field) {
				t.Errorf("message %q does not name %s", ze.Message, tc.field)
			}
			noSecrets(t, err, at, password)
		})
	}

	t.Run("password missing with isDirectAdd", func(t *testing.T) {
		_, err := e.c.InsertRecord(e.ctx(), dc, at, "employee", employee(8), zoho.InsertOptions{IsDirectAdd: true})
		zerr(t, err, zoho.ClassConfig)
	})
	t.Run("invalid token", func(t *testing.T) {
		bogus := "1000." + strings.Repeat("a", 32) + "." + strings.Repeat("b", 32)
		_, err := e.c.InsertRecord(e.ctx(), dc, bogus, "employee", employee(9), zoho.InsertOptions{})
		ze := zerr(t, err, zoho.ClassReauth)
		if ze.HTTPStatus != http.StatusUnauthorized || ze.Code != "INVALID_OAUTHTOKEN" {
			t.Errorf("got HTTP %d %v", ze.HTTPStatus, err)
		}
		noSecrets(t, err, bogus)
	})
	t.Run("expired token", func(t *testing.T) {
		e := newEnv(t)
		_, tok := e.connect("eu", peopleScope)
		e.advance(time.Hour + time.Second)
		_, err := e.c.GetRecords(e.ctx(), e.dc("eu"), tok.AccessToken, "employee", zoho.RecordQuery{})
		zerr(t, err, zoho.ClassReauth)
		noSecrets(t, err, tok.AccessToken)
	})
	t.Run("token of another data centre", func(t *testing.T) {
		_, err := e.c.GetRecords(e.ctx(), e.dc("us"), at, "employee", zoho.RecordQuery{})
		zerr(t, err, zoho.ClassReauth)
	})
	t.Run("wrong scope", func(t *testing.T) {
		_, rtok := e.connect("eu", "ZohoRecruit.modules.candidate.ALL")
		_, err := e.c.InsertRecord(e.ctx(), dc, rtok.AccessToken, "employee", employee(10), zoho.InsertOptions{})
		ze := zerr(t, err, zoho.ClassConfig)
		if ze.Code != "7218" || ze.HTTPStatus != http.StatusUnauthorized || !strings.Contains(ze.Resolution, peopleScope) {
			t.Errorf("got HTTP %d %v / %s", ze.HTTPStatus, err, ze.Resolution)
		}
		noSecrets(t, err, rtok.AccessToken)
	})
	t.Run("limit over 200", func(t *testing.T) {
		before := e.calls("people.getRecords")
		_, err := e.c.GetRecords(e.ctx(), dc, at, "employee", zoho.RecordQuery{Limit: 201})
		zerr(t, err, zoho.ClassConfig)
		if e.calls("people.getRecords") != before {
			t.Error("a request Zoho would refuse was sent")
		}
	})
}

// Past the insert threshold Zoho People locks the organisation out (7209):
// retry, but not before the five-minute lock is over.
func TestPeopleLockOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", peopleScope)
	e.limits(map[string]any{"people_inserts_per_minute": 3})
	var err error
	n := 0
	for ; n < 10 && err == nil; n++ {
		_, err = e.c.InsertRecord(e.ctx(), dc, tok.AccessToken, "employee", employee(n), zoho.InsertOptions{})
	}
	if n != 4 {
		t.Errorf("insert %d was the first refused, want the 4th (3 a minute)", n)
	}
	ze := zerr(t, err, zoho.ClassRetry)
	if ze.Code != "7209" || ze.RetryAfter != 5*time.Minute || zoho.RetryAfter(err) != 5*time.Minute {
		t.Errorf("got %v, RetryAfter %v", err, ze.RetryAfter)
	}
	e.advance(5*time.Minute + time.Second)
	if _, err := e.c.InsertRecord(e.ctx(), dc, tok.AccessToken, "employee", employee(99), zoho.InsertOptions{}); err != nil {
		t.Errorf("insert after the lock period: %v", err)
	}

	// The lock-out fault does the same on demand.
	e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "lockout", "count": 1})
	_, err = e.c.InsertRecord(e.ctx(), dc, tok.AccessToken, "employee", employee(100), zoho.InsertOptions{})
	if ze := zerr(t, err, zoho.ClassRetry); ze.RetryAfter != 5*time.Minute {
		t.Errorf("lock-out fault: %v", err)
	}
}

// Transport faults and 5xx are retryable; a deadline shorter than Zoho's
// latency ends the call at the deadline.
func TestPeopleFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	_, tok := e.connect("eu", peopleScope)
	at := tok.AccessToken

	for i, f := range []map[string]any{
		{"kind": "status", "status": 500},
		{"kind": "status", "status": 503},
		{"kind": "drop"},
	} {
		f["endpoint"], f["count"] = "people.insertRecord", 1
		e.fault(f)
		_, err := e.c.InsertRecord(e.ctx(), dc, at, "employee", employee(i), zoho.InsertOptions{})
		ze := zerr(t, err, zoho.ClassRetry)
		if status, _ := f["status"].(int); ze.HTTPStatus != status {
			t.Errorf("fault %v: HTTP status %d", f, ze.HTTPStatus)
		}
		noSecrets(t, err, at)
	}

	e.fault(map[string]any{"endpoint": "people.getRecords", "kind": "latency", "latency_ms": 5000, "count": 1})
	ctx, cancel := context.WithTimeout(e.ctx(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.c.GetRecords(ctx, dc, at, "employee", zoho.RecordQuery{})
	took := time.Since(start)
	zerr(t, err, zoho.ClassRetry)
	if !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
		t.Errorf("after %v: %v; want the deadline's error, promptly", took, err)
	}
	noSecrets(t, err, at)

	// A dropped search: the error must not carry the searched email (it
	// travels in the query string). net/http retries a GET once itself.
	e.fault(map[string]any{"endpoint": "people.getRecords", "kind": "drop", "count": 2})
	_, _, err = e.c.FindEmployee(e.ctx(), dc, at, zoho.SearchEmailAlias, "private.person@example.com")
	zerr(t, err, zoho.ClassRetry)
	noSecrets(t, err, "private.person", at)

	// The faults are spent: the same calls work again.
	if _, err := e.c.InsertRecord(e.ctx(), dc, at, "employee", employee(50), zoho.InsertOptions{}); err != nil {
		t.Errorf("insert after the faults: %v", err)
	}
}

// One Client serves many goroutines at once (run under -race): inserts,
// searches and refreshes, each getting its own answer.
func TestClientConcurrentUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dc := e.dc("eu")
	c, tok := e.connect("eu", peopleScope)
	e.limits(map[string]any{"off": true})
	const n = 40
	ids := make([]string, n)
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := e.c.InsertRecord(e.ctx(), dc, tok.AccessToken, "employee", employee(i), zoho.InsertOptions{})
			if err != nil {
				errs <- err
				return
			}
			ids[i] = id
			rec, ok, err := e.c.FindEmployee(e.ctx(), dc, tok.AccessToken, zoho.SearchEmployeeID, fmt.Sprintf("E%04d", i))
			if err != nil || !ok || rec.ID != id {
				errs <- fmt.Errorf("find E%04d: %v %v %v, want %s", i, rec.ID, ok, err, id)
			}
			if i%10 == 0 {
				if _, err := e.c.Refresh(e.ctx(), dc, c.ID, c.Secret, tok.RefreshToken); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("record ID %s returned twice", id)
		}
		seen[id] = true
	}
}

// BenchmarkInsertRecord pushes inserts through the client into the sandbox
// with its limits off, from parallel goroutines as the workers do.
func BenchmarkInsertRecord(b *testing.B) {
	e := newEnv(b)
	dc := e.dc("eu")
	_, tok := e.connect("eu", peopleScope)
	e.limits(map[string]any{"off": true})
	ctx := context.Background()
	var seq atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := strconv.FormatInt(seq.Add(1), 10)
			fields := []zoho.Field{
				{Name: "EmployeeID", Value: "B" + n},
				{Name: "FirstName", Value: "Grace"},
				{Name: "LastName", Value: "Hopper"},
				{Name: "EmailID", Value: "grace." + n + "@example.com"},
			}
			if _, err := e.c.InsertRecord(ctx, dc, tok.AccessToken, "employee", fields, zoho.InsertOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
