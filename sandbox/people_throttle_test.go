package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// insertN inserts n distinct valid employees and returns how many got each
// error code ("" for successes).
func (h *apiHarness) insertN(tok, prefix string, n int) map[string]int {
	h.t.Helper()
	codes := map[string]int{}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s%d", prefix, i)
		_, r := h.insertEmployee(tok, employeeJSON(id, id+"@example.com"))
		codes[r.errorCode()]++
	}
	return codes
}

func TestPeopleInsertThresholdLockOut(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)

	if got := h.insertN(tok, "A", 100); got[""] != 100 {
		t.Fatalf("first 100 inserts: %v, want 100 successes", got)
	}
	status, r := h.insertEmployee(tok, employeeJSON("A100", "a100@example.com"))
	if status != http.StatusOK || r.errorCode() != "7209" || r.Response.Errors.Message != peopleThresholdMessage || r.Response.Status != 1 {
		t.Fatalf("101st insert: HTTP %d %s %+v, want 7209", status, r.errorCode(), r.Response.Errors)
	}
	// Reads are not locked.
	if status, body := h.get(peopleAPI+"/forms/employee/getRecords", tok, url.Values{"limit": {"1"}}); status != 200 || decodePeople(t, body).Response.Status != 0 {
		t.Errorf("getRecords during the lock-out: HTTP %d %s", status, body)
	}

	h.s.Advance(4 * time.Minute)
	if _, r := h.insertEmployee(tok, employeeJSON("B0", "b0@example.com")); r.errorCode() != "7209" {
		t.Fatalf("after 4 sandbox minutes: %s, want still 7209", r.errorCode())
	}
	h.s.Advance(time.Minute + time.Second)
	// The lock-out began at the 101st call: 5 minutes later the threshold is
	// open again, with a fresh window of 100.
	if got := h.insertN(tok, "C", 100); got[""] != 100 {
		t.Fatalf("after 5 sandbox minutes: %v, want 100 successes", got)
	}
	if _, r := h.insertEmployee(tok, employeeJSON("C100", "c100@example.com")); r.errorCode() != "7209" {
		t.Fatalf("101st insert of the new window: %s, want 7209", r.errorCode())
	}
}

func TestPeopleInsertThresholdSlidingWindow(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	h.s.mu.Lock()
	h.s.limits.PeopleInsertsPerMinute = 10
	h.s.mu.Unlock()

	if got := h.insertN(tok, "A", 6); got[""] != 6 {
		t.Fatalf("%v", got)
	}
	h.s.Advance(40 * time.Second)
	if got := h.insertN(tok, "B", 4); got[""] != 4 {
		t.Fatalf("%v", got)
	}
	h.s.Advance(21 * time.Second) // the first 6 are now more than a minute old
	// Refused calls count too: a 7052 spends one of the 10.
	if _, r := h.insertEmployee(tok, `{"EmployeeID":"X"}`); r.errorCode() != "7052" {
		t.Fatalf("invalid insert: %s", r.errorCode())
	}
	if got := h.insertN(tok, "C", 5); got[""] != 5 {
		t.Fatalf("after the oldest left the window: %v, want 5 successes", got)
	}
	if _, r := h.insertEmployee(tok, employeeJSON("D", "d@example.com")); r.errorCode() != "7209" {
		t.Fatalf("11th call in a minute: %s, want 7209", r.errorCode())
	}

	// A lock-out shorter than the window starts a fresh window when it ends,
	// rather than locking again at once on the calls before it.
	h.s.mu.Lock()
	h.s.limits.PeopleLockoutSeconds = 10
	h.s.mu.Unlock()
	h.s.Advance(5 * time.Minute)
	if got := h.insertN(tok, "E", 11); got[""] != 10 || got["7209"] != 1 {
		t.Fatalf("with a 10 s lock-out: %v", got)
	}
	h.s.Advance(11 * time.Second)
	if got := h.insertN(tok, "F", 10); got[""] != 10 {
		t.Fatalf("after a 10 s lock-out: %v, want 10 successes", got)
	}
}

func TestPeopleInsertThresholdPerOrganisationAndOff(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	other := h.token("us", scopeFormsAll)
	h.s.mu.Lock()
	h.s.access[other].org = h.s.newOrgLocked(h.s.dcs["us"], "Second organisation")
	h.s.limits.PeopleInsertsPerMinute = 3
	h.s.mu.Unlock()

	if got := h.insertN(tok, "A", 4); got[""] != 3 || got["7209"] != 1 {
		t.Fatalf("default organisation: %v", got)
	}
	// Records and thresholds are per organisation: the same IDs are free
	// there, and its threshold untouched.
	if got := h.insertN(other, "A", 3); got[""] != 3 {
		t.Fatalf("second organisation: %v", got)
	}

	// Off lifts the threshold and its lock-out at once...
	h.s.mu.Lock()
	h.s.limits.Off = true
	h.s.mu.Unlock()
	if got := h.insertN(tok, "B", 20); got[""] != 20 {
		t.Fatalf("limits off: %v", got)
	}
	// ...but not a lock-out that a fault forces, which refuses reads as well.
	h.s.mu.Lock()
	h.s.dcs["us"].defaultOrg.people.lockOut(h.s.nowLocked().Add(time.Minute))
	h.s.mu.Unlock()
	if _, r := h.insertEmployee(tok, employeeJSON("F1", "f1@example.com")); r.errorCode() != "7209" {
		t.Fatalf("forced lock-out, insert: %s, want 7209", r.errorCode())
	}
	if _, body := h.get(peopleAPI+"/forms/employee/getRecords", tok, nil); decodePeople(t, body).errorCode() != "7209" {
		t.Fatalf("forced lock-out, getRecords: %s, want 7209", body)
	}
	if _, r := h.insertEmployee(other, employeeJSON("F1", "f1@example.com")); r.errorCode() != "" {
		t.Fatalf("forced lock-out reached the other organisation: %s", r.errorCode())
	}
	h.s.Advance(time.Minute)
	if _, r := h.insertEmployee(tok, employeeJSON("F1", "f1@example.com")); r.errorCode() != "" {
		t.Fatalf("after the forced lock-out: %s", r.errorCode())
	}
}

// TestPeopleConcurrentInserts races many clients inserting the same employees
// at once: each EmployeeID must end up in exactly one record, and every other
// attempt must get 7051. Run it with -race.
func TestPeopleConcurrentInserts(t *testing.T) {
	h := newAPIHarness(t)
	tok := h.token("us", scopeFormsAll)
	h.s.mu.Lock()
	h.s.limits.Off = true
	h.s.mu.Unlock()

	const employees, copies = 40, 5
	var (
		mu    sync.Mutex
		codes = map[string]int{}
		wins  = map[string]int{}
		wg    sync.WaitGroup
	)
	for c := 0; c < copies; c++ {
		for e := 0; e < employees; e++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("R%d", e)
				// Every other copy sends the address in upper case: a
				// collision on EmailID alone must be caught as well.
				email := fmt.Sprintf("r%d@example.com", e)
				if c%2 == 1 {
					email = fmt.Sprintf("R%d@EXAMPLE.COM", e)
				}
				status, body := h.postForm(peopleAPI+"/forms/json/employee/insertRecord", tok, url.Values{"inputData": {employeeJSON(id, email)}})
				r := decodePeople(t, body)
				mu.Lock()
				defer mu.Unlock()
				codes[fmt.Sprint(status, " ", r.errorCode())]++
				if r.errorCode() == "" {
					wins[id]++
				}
			}()
		}
	}
	wg.Wait()

	if codes["200 "] != employees || codes["200 7051"] != employees*(copies-1) || len(codes) != 2 {
		t.Errorf("answers %v, want %d successes and %d 7051", codes, employees, employees*(copies-1))
	}
	for id, n := range wins {
		if n != 1 {
			t.Errorf("%s inserted %d times", id, n)
		}
	}
	h.s.mu.Lock()
	emp := h.s.dcs["us"].defaultOrg.people.tables["employee"]
	n, byID, byEmail := len(emp.records), len(emp.byID), len(emp.unique[1])
	h.s.mu.Unlock()
	if n != employees || byID != employees || byEmail != employees {
		t.Errorf("%d records, %d by ID, %d by email; want %d of each", n, byID, byEmail, employees)
	}
}
