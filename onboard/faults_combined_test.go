package onboard_test

import (
	"strings"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/sqlstore"
)

// Every fault at once, in one run: one People call in five answered with
// HTTP 503 and latency on half of them, the refresh token revoked (the
// transfers park) and then reconnected, and a 7209 lock-out on the first
// insert after the reconnect. Every transfer ends succeeded, each hire is
// one employee, the token endpoint is called a bounded number of times (no
// refresh storm), and no insert is sent once the lock is known until it
// ends, none succeeding before it ends.
func TestAllFaultsAtOnce(t *testing.T) {
	dialects(t, func(t *testing.T, open func(testing.TB) *sqlstore.DB) {
		const n, workers = 40, 10
		e := newEnv(t, open(t), options{cfg: testConfig(), maxWorkers: workers})
		for i, ep := range []string{"people.insertRecord", "people.getRecords"} {
			e.fault(map[string]any{"endpoint": ep, "kind": "status", "status": 503, "rate": 0.2, "seed": 11 + i})
			e.fault(map[string]any{"endpoint": ep, "kind": "latency", "latency_ms": 25, "rate": 0.5, "seed": 21 + i})
		}
		e.fault(map[string]any{"endpoint": "accounts.token", "kind": "revoke", "refresh_token": e.issued.RefreshToken, "count": 1})
		e.sb.Advance(time.Hour) // the cached access token expires: the next use refreshes, and meets the revocation
		tokensBefore := e.state().Calls["accounts.token"]

		// 1. Revoked: every transfer parks, at the cost of one token call.
		trs := e.hireMany(n)
		e.waitFor(trs, 30*time.Second, inState(hrconnect.TransferWaitingReconnect))
		time.Sleep(500 * time.Millisecond) // many snoozes' worth
		st := e.state()
		if calls := st.Calls["accounts.token"] - tokensBefore; calls != 1 {
			t.Fatalf("%d token calls while the connection is revoked, want 1", calls)
		}
		if st.Calls["people.insertRecord"] != 0 {
			t.Fatalf("%d inserts without a token", st.Calls["people.insertRecord"])
		}

		// 2. Reconnected, into a lock-out: the first insert locks the
		// organisation out, and everything waits until it ends.
		e.fault(map[string]any{"endpoint": "people.insertRecord", "kind": "lockout", "count": 1})
		reconnected := e.sb.Now()
		if _, _, err := e.conns.Reauthorize(e.ctx, e.tenant.ID, e.conn.ID, e.user.ID, "", e.newCode(e.conn.ClientID), "", "", ""); err != nil {
			t.Fatalf("Reauthorize: %v", err)
		}
		var until time.Time
		for deadline := time.Now().Add(30 * time.Second); until.IsZero(); time.Sleep(2 * time.Millisecond) {
			var err error
			until, err = e.db.ConnectionBlockedUntil(e.ctx, e.tenant.ID, e.conn.ID)
			must(t, err)
			if time.Now().After(deadline) {
				t.Fatal("no lock-out recorded 30 s after the reconnect")
			}
		}
		known := e.state().Calls["people.insertRecord"]
		if d := until.Sub(e.sb.Now()); d < 4*time.Minute || d > 5*time.Minute {
			t.Fatalf("connection blocked for %s, want Zoho's five minutes", d)
		}
		e.waitFor(trs, 30*time.Second, func(tr *hrconnect.Transfer) bool {
			return tr.State == hrconnect.TransferWaitingLockout || tr.State == hrconnect.TransferSucceeded
		})
		during := e.state().Calls
		time.Sleep(time.Second) // many snoozes' and retries' worth
		after := e.state().Calls
		for _, ep := range []string{"people.insertRecord", "people.getRecords"} {
			if after[ep] != during[ep] {
				t.Fatalf("%d %s calls during the lock-out", after[ep]-during[ep], ep)
			}
		}
		// Once the lock is recorded, every attempt checks it before it
		// calls: only inserts already on their way (one per worker at most)
		// may still reach Zoho.
		if late := during["people.insertRecord"] - known; late > workers {
			t.Fatalf("%d inserts after the lock-out was recorded; at most the %d workers' inserts in flight may arrive", late, workers)
		}

		// 3. The lock ends on Zoho's clock: all finish, through the 503s.
		e.sb.Advance(until.Sub(e.sb.Now()) + time.Second)
		done := e.waitFor(trs, 60*time.Second, inState(hrconnect.TransferSucceeded))

		st = e.state()
		emps := st.employees()
		ids, emails := byEmployeeID(emps), map[string]int{}
		for _, em := range emps {
			emails[strings.ToLower(em.Fields["EmailID"])]++
			if em.AddedTime.Before(until) {
				t.Errorf("employee %s added at %s, during the lock-out (%s to %s)", em.Fields["EmployeeID"], em.AddedTime, reconnected, until)
			}
		}
		if len(emps) != n || len(ids) != n || len(emails) != n {
			t.Fatalf("%d employees, %d employee IDs, %d email addresses; want %d of each", len(emps), len(ids), len(emails), n)
		}
		retried := 0
		for _, tr := range done {
			if tr.ZohoRecordID == "" {
				t.Errorf("transfer %s succeeded without a record ID", tr.ID)
			}
			if tr.Attempts > 1 {
				retried++
			}
		}
		if st.Calls["people.insertRecord"] <= n || retried == 0 {
			t.Fatalf("%d inserts for %d hires, %d transfers retried: the 503s did not bite", st.Calls["people.insertRecord"], n, retried)
		}
		// No refresh storm: the refused refresh and the reconnect's code
		// exchange; one refresh more is allowed, should the reconnect's
		// token be taken for expired. A storm is one call per transfer per
		// look.
		tokenCalls := st.Calls["accounts.token"] - tokensBefore
		if tokenCalls > 3 {
			t.Fatalf("%d token calls for %d transfers through a revocation, a reconnect and a lock-out; want at most 3", tokenCalls, n)
		}
		t.Logf("%s: %d hires; %d inserts (%d after the lock was recorded), %d lookups, %d token calls; %d transfers retried",
			e.db.Driver(), n, st.Calls["people.insertRecord"], during["people.insertRecord"]-known, st.Calls["people.getRecords"], tokenCalls, retried)
	})
}
