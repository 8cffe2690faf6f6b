package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"testing"

	"hrconnect"
)

// TestAPIKeysAndAudit holds both dialects to the API-key and audit-log half
// of hrconnect.AuthStore.
func TestAPIKeysAndAudit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		t.Run("apikeys", func(t *testing.T) { t.Parallel(); testAPIKeys(t, b) })
		t.Run("audit", func(t *testing.T) { t.Parallel(); testAudit(t, b) })
	})
}

func testAPIKeys(t *testing.T, b backend) {
	f := newFixture(t, b)
	secret := "hrc_TESTKEY-plaintext-7f3a"
	hash := sha256.Sum256([]byte(secret))
	k := &hrconnect.APIKey{TenantID: f.tenant.ID, Name: "ATS production", Prefix: "hrc_TEST", CreatedBy: f.owner.ID,
		Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	must(t, f.db.CreateAPIKey(f.ctx, k, hash[:]))
	if !strings.HasPrefix(k.ID, "key_") || k.CreatedAt.IsZero() {
		t.Fatalf("after CreateAPIKey: %+v", k)
	}
	// The same hash twice is refused, even in another tenant: the hash alone
	// finds the key.
	wantCode(t, f.db.CreateAPIKey(f.ctx, &hrconnect.APIKey{TenantID: f.other.ID, Name: "dup"}, hash[:]), hrconnect.ECONFLICT)
	wantCode(t, f.db.CreateAPIKey(f.ctx, &hrconnect.APIKey{TenantID: f.tenant.ID}, []byte("h")), hrconnect.EINVALID)
	wantCode(t, f.db.CreateAPIKey(f.ctx, &hrconnect.APIKey{TenantID: "ten_missing", Name: "x"}, []byte("h2")), hrconnect.ENOTFOUND)

	got, err := f.db.APIKeyByHash(f.ctx, hash[:])
	must(t, err)
	if got.ID != k.ID || got.TenantID != f.tenant.ID || got.Name != k.Name || got.Prefix != "hrc_TEST" ||
		got.CreatedBy != f.owner.ID || !got.Can(hrconnect.PermIntegrations) || !got.CreatedAt.Equal(k.CreatedAt) {
		t.Errorf("APIKeyByHash = %+v, want %+v", got, k)
	}
	if got.LastUsedAt.IsZero() {
		t.Error("APIKeyByHash did not record the key's use")
	}
	// The use is stored, not only returned.
	again, err := f.db.APIKeyByHash(f.ctx, hash[:])
	must(t, err)
	if !again.LastUsedAt.Equal(got.LastUsedAt) {
		t.Errorf("LastUsedAt = %v, then %v; want the stored use back within a minute", got.LastUsedAt, again.LastUsedAt)
	}
	for _, h := range [][]byte{nil, []byte("unknown"), []byte(secret)} {
		_, err = f.db.APIKeyByHash(f.ctx, h)
		wantCode(t, err, hrconnect.ENOTFOUND)
	}

	// A key without permissions reads back without them.
	h2 := sha256.Sum256([]byte("hrc_second"))
	ro := &hrconnect.APIKey{TenantID: f.tenant.ID, Name: "read only", Prefix: "hrc_seco"}
	must(t, f.db.CreateAPIKey(f.ctx, ro, h2[:]))
	other := &hrconnect.APIKey{TenantID: f.other.ID, Name: "Globex"}
	h3 := sha256.Sum256([]byte("hrc_third"))
	must(t, f.db.CreateAPIKey(f.ctx, other, h3[:]))

	keys, err := f.db.APIKeys(f.ctx, f.tenant.ID)
	must(t, err)
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
		if k.TenantID != f.tenant.ID {
			t.Errorf("APIKeys listed a key of tenant %s", k.TenantID)
		}
	}
	if len(ids) != 2 || !slices.Contains(ids, k.ID) || !slices.Contains(ids, ro.ID) {
		t.Errorf("APIKeys = %v, want this tenant's two keys", ids)
	}
	for _, k := range keys {
		if k.ID == ro.ID && len(k.Permissions) != 0 {
			t.Errorf("read-only key has permissions %v", k.Permissions)
		}
	}

	// Another tenant cannot delete the key; its own tenant can, once.
	wantCode(t, f.db.DeleteAPIKey(f.ctx, f.other.ID, k.ID), hrconnect.ENOTFOUND)
	must(t, f.db.DeleteAPIKey(f.ctx, f.tenant.ID, k.ID))
	wantCode(t, f.db.DeleteAPIKey(f.ctx, f.tenant.ID, k.ID), hrconnect.ENOTFOUND)
	_, err = f.db.APIKeyByHash(f.ctx, hash[:])
	wantCode(t, err, hrconnect.ENOTFOUND)

	// Only the hash is stored: the key is nowhere in the database file.
	if b.name == "sqlite" {
		if bytes.Contains(sqliteFiles(t, f.db), []byte(secret)) {
			t.Error("the API key is in the database in plain text")
		}
	}
}

func testAudit(t *testing.T, b backend) {
	f := newFixture(t, b)
	for i := range 5 {
		e := &hrconnect.AuditEntry{TenantID: f.tenant.ID, ActorID: "key_1", ActorName: "ATS", Action: "connection.created",
			Target: fmt.Sprintf("con_%d", i), Detail: "Zoho People"}
		must(t, f.db.AddAudit(f.ctx, e))
		if e.ID == 0 || e.At.IsZero() {
			t.Fatalf("after AddAudit: %+v", e)
		}
	}
	must(t, f.db.AddAudit(f.ctx, &hrconnect.AuditEntry{TenantID: f.other.ID, Action: "api_key.created", Target: "key_x"}))
	wantCode(t, f.db.AddAudit(f.ctx, &hrconnect.AuditEntry{TenantID: f.tenant.ID}), hrconnect.EINVALID)
	wantCode(t, f.db.AddAudit(f.ctx, &hrconnect.AuditEntry{TenantID: "ten_missing", Action: "x"}), hrconnect.ENOTFOUND)

	got, err := f.db.Audit(f.ctx, f.tenant.ID, 3)
	must(t, err)
	var targets []string
	for _, e := range got {
		targets = append(targets, e.Target)
		if e.TenantID != f.tenant.ID || e.ActorID != "key_1" || e.ActorName != "ATS" || e.Action != "connection.created" || e.Detail != "Zoho People" {
			t.Errorf("entry %+v", e)
		}
	}
	if want := []string{"con_4", "con_3", "con_2"}; !slices.Equal(targets, want) {
		t.Errorf("Audit(limit 3) targets = %v, want %v (newest first)", targets, want)
	}
	all, err := f.db.Audit(f.ctx, f.tenant.ID, 0)
	must(t, err)
	if len(all) != 5 {
		t.Errorf("Audit(limit 0) = %d entries, want all 5 of this tenant", len(all))
	}
}
