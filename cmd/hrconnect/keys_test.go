package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/sqlstore"
	"hrconnect/vault"
)

// "hrconnect keys rotate" re-encrypts every secret under a new key and drops
// the old one; the secrets still read back.
func TestKeysRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sc := storeConfig{dataDir: dir}
	db, v, err := sc.open(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	oldPrimary := v.Info().Primary
	tn := &hrconnect.Tenant{Name: "Acme"}
	mustNil(t, db.CreateTenant(ctx, tn))
	u := &hrconnect.User{TenantID: tn.ID, Email: "a@acme.test", Name: "A"}
	mustNil(t, db.CreateUser(ctx, u))
	c := &hrconnect.Connection{TenantID: tn.ID, OwnerID: u.ID, Name: "People", LinkName: "people", Service: hrconnect.ServiceZohoPeople, DataCentre: "eu", ClientID: "1000.X", Status: hrconnect.StatusConnected}
	mustNil(t, db.CreateConnection(ctx, c, &hrconnect.Credentials{ClientSecret: "secret-before-rotation", RefreshToken: "1000.rt"}))
	db.Close()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"keys", "rotate", "--data-dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("keys rotate: exit %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "re-encrypted") || !strings.Contains(out.String(), "old keys dropped") {
		t.Fatalf("keys rotate said: %s", out.String())
	}

	v2, err := vault.Open(vault.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	info := v2.Info()
	if info.Primary == oldPrimary || len(info.KeyIDs) != 1 {
		t.Fatalf("after rotation: primary %d (was %d), keys %v", info.Primary, oldPrimary, info.KeyIDs)
	}
	db2, err := sqlstore.Open(ctx, sqlstore.Config{DataDir: dir, Vault: v2})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	creds, err := db2.Credentials(ctx, hrconnect.CredentialKey{TenantID: tn.ID, ConnectionID: c.ID})
	if err != nil || creds.ClientSecret != "secret-before-rotation" || creds.RefreshToken != "1000.rt" {
		t.Fatalf("credentials after rotation: %+v, %v", creds, err)
	}
}

func TestHelpExplainsEveryCommand(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &out); code != 0 {
		t.Fatal(code)
	}
	for name := range commands {
		if !strings.Contains(out.String(), "  "+name) {
			t.Errorf("help does not list %q", name)
		}
		var h bytes.Buffer
		run(context.Background(), []string{name, "-h"}, &h, &h)
		if !strings.Contains(h.String(), "Usage: hrconnect "+name) {
			t.Errorf("%s -h: %s", name, h.String())
		}
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"nonsense"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "hrconnect help") {
		t.Errorf("unknown command: exit %d, %q", code, errOut.String())
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
