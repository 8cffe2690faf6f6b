package sqlstore_test

import (
	"bytes"
	"slices"
	"sync"
	"testing"
	"time"

	"hrconnect"
)

// TestAuthStore holds both dialects to the signing-in half of
// hrconnect.AuthStore: users and passwords, sessions, and pending
// authorisations.
func TestAuthStore(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		t.Run("users", func(t *testing.T) { testAuthUsers(t, b) })
		t.Run("sessions", func(t *testing.T) { testAuthSessions(t, b) })
		t.Run("pending", func(t *testing.T) { testAuthPending(t, b) })
	})
}

func testAuthUsers(t *testing.T, b backend) {
	f := newFixture(t, b)
	n, err := f.db.TenantCount(f.ctx)
	must(t, err)
	if n != 2 {
		t.Errorf("TenantCount = %d, want 2", n)
	}

	// Found without regard to case, across tenants, with no password yet.
	u, hash, err := f.db.UserByEmail(f.ctx, " ADMIN@Acme.test ")
	must(t, err)
	if u.ID != f.owner.ID || u.TenantID != f.tenant.ID || hash != "" || !u.Can(hrconnect.PermIntegrations) {
		t.Errorf("UserByEmail = %+v, hash %q", u, hash)
	}
	must(t, f.db.SetPassword(f.ctx, f.tenant.ID, f.owner.ID, "$2a$hash"))
	if _, hash, err = f.db.UserByEmail(f.ctx, "admin@acme.test"); err != nil || hash != "$2a$hash" {
		t.Errorf("hash after SetPassword = %q, %v", hash, err)
	}
	_, _, err = f.db.UserByEmail(f.ctx, "nobody@acme.test")
	wantCode(t, err, hrconnect.ENOTFOUND)
	// A user of another tenant cannot be reached through this one.
	wantCode(t, f.db.SetPassword(f.ctx, f.tenant.ID, f.otherOwner.ID, "x"), hrconnect.ENOTFOUND)

	// An email is unique across tenants, whatever its case.
	dup := &hrconnect.User{TenantID: f.other.ID, Email: "Bob@ACME.test", Name: "Bob again"}
	if err := f.db.CreateUser(f.ctx, dup); err == nil {
		t.Error("a second user with the same email (other case, other tenant) was created")
	}

	users, err := f.db.Users(f.ctx, f.tenant.ID)
	must(t, err)
	var emails []string
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	if want := []string{"admin@acme.test", "bob@acme.test"}; !slices.Equal(emails, want) {
		t.Errorf("Users = %v, want %v (this tenant's only, by email)", emails, want)
	}

	bob := *f.user
	bob.Name = "Robert"
	bob.Permissions = []hrconnect.Permission{hrconnect.PermIntegrations}
	must(t, f.db.UpdateUser(f.ctx, &bob))
	got, err := f.db.User(f.ctx, f.tenant.ID, bob.ID)
	must(t, err)
	if got.Name != "Robert" || !got.Can(hrconnect.PermIntegrations) || got.Email != "bob@acme.test" {
		t.Errorf("after UpdateUser: %+v", got)
	}
	stranger := *f.otherOwner
	stranger.TenantID = f.tenant.ID
	wantCode(t, f.db.UpdateUser(f.ctx, &stranger), hrconnect.ENOTFOUND)
}

func testAuthSessions(t *testing.T, b backend) {
	f := newFixture(t, b)
	now := time.Now()
	s := &hrconnect.Session{ID: "hash-live", TenantID: f.tenant.ID, UserID: f.owner.ID, ExpiresAt: now.Add(time.Hour)}
	must(t, f.db.CreateSession(f.ctx, s))
	got, err := f.db.Session(f.ctx, "hash-live")
	must(t, err)
	if got.TenantID != f.tenant.ID || got.UserID != f.owner.ID || !got.ExpiresAt.Equal(s.ExpiresAt) || got.CreatedAt.IsZero() {
		t.Errorf("Session = %+v, want %+v", got, s)
	}

	expired := &hrconnect.Session{ID: "hash-old", TenantID: f.tenant.ID, UserID: f.owner.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Minute)}
	must(t, f.db.CreateSession(f.ctx, expired))
	_, err = f.db.Session(f.ctx, "hash-old")
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.Session(f.ctx, "never-made")
	wantCode(t, err, hrconnect.ENOTFOUND)

	// A session for a user of another tenant is refused.
	wantCode(t, f.db.CreateSession(f.ctx, &hrconnect.Session{ID: "x", TenantID: f.tenant.ID, UserID: f.otherOwner.ID, ExpiresAt: now.Add(time.Hour)}), hrconnect.ENOTFOUND)

	must(t, f.db.DeleteSession(f.ctx, "hash-live"))
	_, err = f.db.Session(f.ctx, "hash-live")
	wantCode(t, err, hrconnect.ENOTFOUND)
	must(t, f.db.DeleteSession(f.ctx, "hash-live")) // twice is fine
}

func testAuthPending(t *testing.T, b backend) {
	f := newFixture(t, b)
	now := time.Now()
	p := &hrconnect.PendingAuthorization{
		State: "state-hash", SessionID: "session-hash", TenantID: f.tenant.ID, UserID: f.owner.ID,
		Service: hrconnect.ServiceZohoPeople, Name: "Zoho People", DataCentre: "eu", ClientID: "1000.CID",
		ClientSecret: "PENDING-client-secret-9d1", CodeVerifier: "PENDING-verifier-4c2",
		Scopes: []string{"ZOHOPEOPLE.forms.ALL"}, ConnectionID: "con_x", ExpiresAt: now.Add(10 * time.Minute),
	}
	must(t, f.db.CreatePendingAuthorization(f.ctx, p))
	wantCode(t, f.db.CreatePendingAuthorization(f.ctx, p), hrconnect.ECONFLICT)

	if b.name == "sqlite" {
		dump := sqliteFiles(t, f.db)
		for _, s := range []string{p.ClientSecret, p.CodeVerifier} {
			if bytes.Contains(dump, []byte(s)) {
				t.Errorf("%q is in the database in plain text", s)
			}
		}
	}

	// After a key rotation and re-encryption, it still opens.
	if _, err := f.vault.Rotate(); err != nil {
		t.Fatal(err)
	}
	if n, err := f.db.ReencryptAll(f.ctx); err != nil || n == 0 {
		t.Errorf("ReencryptAll = %d, %v; want the pending authorisation re-sealed", n, err)
	}

	got, err := f.db.TakePendingAuthorization(f.ctx, "state-hash")
	must(t, err)
	if got.ClientSecret != p.ClientSecret || got.CodeVerifier != p.CodeVerifier || got.SessionID != "session-hash" ||
		got.TenantID != f.tenant.ID || got.UserID != f.owner.ID || got.DataCentre != "eu" || got.ClientID != "1000.CID" ||
		got.ConnectionID != "con_x" || !slices.Equal(got.Scopes, p.Scopes) || got.Service != p.Service || got.Name != p.Name {
		t.Errorf("Take = %+v, want %+v", got, p)
	}
	// Single use.
	_, err = f.db.TakePendingAuthorization(f.ctx, "state-hash")
	wantCode(t, err, hrconnect.ENOTFOUND)

	// Expired: not handed out.
	old := *p
	old.State, old.CreatedAt, old.ExpiresAt = "old-hash", now.Add(-20*time.Minute), now.Add(-10*time.Minute)
	must(t, f.db.CreatePendingAuthorization(f.ctx, &old))
	_, err = f.db.TakePendingAuthorization(f.ctx, "old-hash")
	wantCode(t, err, hrconnect.ENOTFOUND)

	// Racing callbacks: exactly one wins.
	race := *p
	race.State = "race-hash"
	must(t, f.db.CreatePendingAuthorization(f.ctx, &race))
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			if _, err := f.db.TakePendingAuthorization(f.ctx, "race-hash"); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d concurrent takes of one state succeeded, want 1", wins)
	}
}
