package sqlstore_test

import "testing"

// Tenants lists every tenant, for hrconnect's own work across them.
func TestTenants(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		f := newFixture(t, b)
		got, err := f.db.Tenants(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, tn := range got {
			ids[tn.ID] = tn.Name != ""
		}
		if len(got) != 2 || !ids[f.tenant.ID] || !ids[f.other.ID] {
			t.Fatalf("Tenants = %v, want the fixture's two tenants with their names", got)
		}
	})
}
