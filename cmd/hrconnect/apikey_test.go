package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"hrconnect"
	"hrconnect/api"
)

// "hrconnect apikey create" prints a working key once, on stdout alone, and
// stores only its hash.
func TestAPIKeyCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sc := storeConfig{dataDir: dir}
	db, _, err := sc.open(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	tn := &hrconnect.Tenant{Name: "Acme"}
	mustNil(t, db.CreateTenant(ctx, tn))
	db.Close()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"apikey", "create", "--data-dir", dir, "--tenant", tn.ID, "--name", "ATS production"}, &out, &errOut); code != 0 {
		t.Fatalf("apikey create: exit %d: %s %s", code, out.String(), errOut.String())
	}
	key := strings.TrimSpace(out.String())
	if !strings.HasPrefix(key, api.KeyPrefix) || strings.Contains(key, "\n") || strings.Contains(errOut.String(), key) {
		t.Fatalf("stdout %q, stderr %q: want the key alone on stdout", out.String(), errOut.String())
	}

	db, _, err = sc.open(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k, err := db.APIKeyByHash(ctx, api.HashKey(key))
	if err != nil {
		t.Fatal(err)
	}
	if k.TenantID != tn.ID || k.Name != "ATS production" || !k.Can(hrconnect.PermIntegrations) {
		t.Errorf("stored key = %+v", k)
	}

	// Usage errors: no verb, missing flags, unknown tenant.
	for _, args := range [][]string{{"apikey"}, {"apikey", "create", "--data-dir", dir, "--name", "x"}} {
		if code := run(ctx, args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code := run(ctx, []string{"apikey", "create", "--data-dir", dir, "--tenant", "ten_nope", "--name", "x"}, &out, &errOut); code != 1 {
		t.Errorf("unknown tenant: exit %d, want 1", code)
	}
}
