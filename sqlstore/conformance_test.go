package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/sqlstore"
	"hrconnect/vault"
)

// TestConformance holds both dialects to one behaviour: every subtest of
// runConformance runs against SQLite and PostgreSQL.
func TestConformance(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) { runConformance(t, b) })
}

// fixture is a database with two tenants, each with an owner (with the
// integrations permission) and a second user.
type fixture struct {
	db              *sqlstore.DB
	another         func() *sqlstore.DB
	vault           *vault.Vault
	ctx             context.Context
	tenant, other   *hrconnect.Tenant
	owner, user     *hrconnect.User
	otherOwner      *hrconnect.User
	connectionCount int
}

func newFixture(t *testing.T, b backend) *fixture {
	t.Helper()
	db, another, v := b.open(t)
	f := &fixture{db: db, another: another, vault: v, ctx: testContext(t)}
	f.tenant = &hrconnect.Tenant{Name: "Acme"}
	f.other = &hrconnect.Tenant{Name: "Globex"}
	must(t, db.CreateTenant(f.ctx, f.tenant))
	must(t, db.CreateTenant(f.ctx, f.other))
	f.owner = &hrconnect.User{TenantID: f.tenant.ID, Email: "admin@acme.test", Name: "Ada", Permissions: []hrconnect.Permission{hrconnect.PermIntegrations}}
	f.user = &hrconnect.User{TenantID: f.tenant.ID, Email: "bob@acme.test", Name: "Bob"}
	f.otherOwner = &hrconnect.User{TenantID: f.other.ID, Email: "admin@globex.test", Name: "Gus"}
	for _, u := range []*hrconnect.User{f.owner, f.user, f.otherOwner} {
		must(t, db.CreateUser(f.ctx, u))
	}
	return f
}

// connection creates a Zoho People connection in the fixture's tenant,
// with owner credentials, changed by opts.
func (f *fixture) connection(t *testing.T, opts ...func(*hrconnect.Connection)) *hrconnect.Connection {
	t.Helper()
	f.connectionCount++
	c := &hrconnect.Connection{
		TenantID:   f.tenant.ID,
		OwnerID:    f.owner.ID,
		Name:       fmt.Sprintf("Zoho People %d", f.connectionCount),
		LinkName:   fmt.Sprintf("zoho_people_%d", f.connectionCount),
		Service:    hrconnect.ServiceZohoPeople,
		Scopes:     []string{"ZOHOPEOPLE.forms.ALL", "ZOHOPEOPLE.employee.ALL"},
		DataCentre: "eu",
		ClientID:   "1000.CLIENTID",
	}
	for _, o := range opts {
		o(c)
	}
	creds := &hrconnect.Credentials{ClientSecret: "secret-" + c.LinkName, RefreshToken: "1000.refresh." + c.LinkName}
	must(t, f.db.CreateConnection(f.ctx, c, creds))
	return c
}

func (f *fixture) key(c *hrconnect.Connection) hrconnect.CredentialKey {
	return hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
}

func runConformance(t *testing.T, b backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Tenants", testTenants},
		{"Users", testUsers},
		{"ConnectionCRUD", testConnectionCRUD},
		{"ConnectionValidation", testConnectionValidation},
		{"ConnectionFilters", testConnectionFilters},
		{"UniqueLinkName", testUniqueLinkName},
		{"TenantIsolation", testTenantIsolation},
		{"Credentials", testCredentials},
		{"PerUserCredentials", testPerUserCredentials},
		{"LockToken", testLockToken},
		{"LockTokenContext", testLockTokenContext},
		{"TimesRoundTrip", testTimesRoundTrip},
		{"Events", testEvents},
		{"Services", testServices},
		{"DeleteCascades", testDeleteCascades},
		{"MigrateIdempotent", testMigrateIdempotent},
		{"ReencryptAll", testReencryptAll},
		{"SecretsBoundToTheirRow", testSecretsBoundToTheirRow},
		{"ConcurrentLockToken", testConcurrentLockToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newFixture(t, b))
		})
	}
}

func testTenants(t *testing.T, f *fixture) {
	got, err := f.db.Tenant(f.ctx, f.tenant.ID)
	must(t, err)
	if got.ID != f.tenant.ID || got.Name != "Acme" || !got.CreatedAt.Equal(f.tenant.CreatedAt) || got.CreatedAt.IsZero() {
		t.Errorf("Tenant = %+v, want %+v", got, f.tenant)
	}
	if !strings.HasPrefix(f.tenant.ID, "ten_") {
		t.Errorf("tenant ID %q lacks its prefix", f.tenant.ID)
	}
	_, err = f.db.Tenant(f.ctx, "ten_missing")
	wantCode(t, err, hrconnect.ENOTFOUND)

	// An ID chosen by the caller is kept, and cannot be taken twice.
	own := &hrconnect.Tenant{ID: "ats-company-42", Name: "Initech"}
	must(t, f.db.CreateTenant(f.ctx, own))
	if own.ID != "ats-company-42" {
		t.Errorf("ID = %q", own.ID)
	}
	wantCode(t, f.db.CreateTenant(f.ctx, &hrconnect.Tenant{ID: "ats-company-42", Name: "Other"}), hrconnect.ECONFLICT)
	wantCode(t, f.db.CreateTenant(f.ctx, &hrconnect.Tenant{}), hrconnect.EINVALID)
}

func testUsers(t *testing.T, f *fixture) {
	got, err := f.db.User(f.ctx, f.tenant.ID, f.owner.ID)
	must(t, err)
	if got.Email != f.owner.Email || got.Name != "Ada" || got.TenantID != f.tenant.ID || !got.CreatedAt.Equal(f.owner.CreatedAt) {
		t.Errorf("User = %+v, want %+v", got, f.owner)
	}
	if !got.Can(hrconnect.PermIntegrations) {
		t.Errorf("permissions lost: %v", got.Permissions)
	}
	bob, err := f.db.User(f.ctx, f.tenant.ID, f.user.ID)
	must(t, err)
	if bob.Can(hrconnect.PermIntegrations) || len(bob.Permissions) != 0 {
		t.Errorf("Bob's permissions = %v", bob.Permissions)
	}

	_, err = f.db.User(f.ctx, f.other.ID, f.owner.ID) // another tenant's user
	wantCode(t, err, hrconnect.ENOTFOUND)
	wantCode(t, f.db.CreateUser(f.ctx, &hrconnect.User{TenantID: "ten_missing", Email: "x@y.test"}), hrconnect.ENOTFOUND)
	wantCode(t, f.db.CreateUser(f.ctx, &hrconnect.User{TenantID: f.tenant.ID, ID: f.user.ID}), hrconnect.ECONFLICT)
	// The same user ID may exist in another tenant.
	must(t, f.db.CreateUser(f.ctx, &hrconnect.User{TenantID: f.other.ID, ID: f.user.ID, Email: "b@globex.test"}))
	// An email address is one person's, whatever its case.
	err = f.db.CreateUser(f.ctx, &hrconnect.User{TenantID: f.other.ID, Email: "BOB@acme.test", Name: "Bob again"})
	wantCode(t, err, hrconnect.ECONFLICT)
	var e *hrconnect.Error
	if errors.As(err, &e) && e.Field != "email" {
		t.Errorf("Field = %q, message %q", e.Field, e.Message)
	}
}

func testConnectionCRUD(t *testing.T, f *fixture) {
	c := f.connection(t)
	if !strings.HasPrefix(c.ID, "con_") || c.Status != hrconnect.StatusConnected || c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Fatalf("created = %+v", c)
	}

	got, err := f.db.Connection(f.ctx, f.tenant.ID, c.ID)
	must(t, err)
	assertConnection(t, got, c)
	got, err = f.db.ConnectionByLinkName(f.ctx, f.tenant.ID, c.LinkName)
	must(t, err)
	assertConnection(t, got, c)

	creds, err := f.db.Credentials(f.ctx, f.key(c))
	must(t, err)
	if creds.ClientSecret != "secret-"+c.LinkName || creds.RefreshToken != "1000.refresh."+c.LinkName {
		t.Errorf("credentials = %+v", creds)
	}

	// Update: what may change changes; what may not, does not.
	c.Name = "People (EU)"
	c.Scopes = []string{"ZOHOPEOPLE.forms.ALL"}
	c.ClientID = "1000.NEWCLIENT"
	c.Status = hrconnect.StatusNeedsReconnect
	c.LastError, c.LastResolution = "Zoho refused the refresh token.", "Reconnect the connection."
	c.LastErrorAt = time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	c.LastRefreshAt = time.Date(2026, 3, 1, 8, 0, 0, 1000, time.UTC)
	c.DataCentre, c.LinkName, c.Service = "us", "renamed", "zoho_recruit" // immutable
	before := c.UpdatedAt
	time.Sleep(2 * time.Millisecond)
	must(t, f.db.UpdateConnection(f.ctx, c))
	if !c.UpdatedAt.After(before) {
		t.Errorf("UpdatedAt %v not after %v", c.UpdatedAt, before)
	}
	got, err = f.db.Connection(f.ctx, f.tenant.ID, c.ID)
	must(t, err)
	if got.DataCentre != "eu" || got.Service != hrconnect.ServiceZohoPeople || got.LinkName != "zoho_people_1" {
		t.Errorf("immutable fields changed: %+v", got)
	}
	c.DataCentre, c.LinkName, c.Service = "eu", "zoho_people_1", hrconnect.ServiceZohoPeople
	assertConnection(t, got, c)

	// Clearing the error clears its time.
	c.Status, c.LastError, c.LastResolution, c.LastErrorAt = hrconnect.StatusConnected, "", "", time.Time{}
	must(t, f.db.UpdateConnection(f.ctx, c))
	got, err = f.db.Connection(f.ctx, f.tenant.ID, c.ID)
	must(t, err)
	assertConnection(t, got, c)

	list, err := f.db.Connections(f.ctx, hrconnect.ConnectionFilter{TenantID: f.tenant.ID})
	must(t, err)
	if len(list) != 1 || list[0].ID != c.ID {
		t.Fatalf("Connections = %v", list)
	}

	must(t, f.db.DeleteConnection(f.ctx, f.tenant.ID, c.ID))
	_, err = f.db.Connection(f.ctx, f.tenant.ID, c.ID)
	wantCode(t, err, hrconnect.ENOTFOUND)
	wantCode(t, f.db.DeleteConnection(f.ctx, f.tenant.ID, c.ID), hrconnect.ENOTFOUND)
	wantCode(t, f.db.UpdateConnection(f.ctx, c), hrconnect.ENOTFOUND)

	// A connection without an owner or credentials is allowed (created by the API).
	bare := &hrconnect.Connection{TenantID: f.tenant.ID, Name: "Bare", LinkName: "bare", Service: "custom_thing"}
	must(t, f.db.CreateConnection(f.ctx, bare, nil))
	_, err = f.db.Credentials(f.ctx, f.key(bare))
	wantCode(t, err, hrconnect.ENOTFOUND)
}

// assertConnection compares every field.
func assertConnection(t *testing.T, got, want *hrconnect.Connection) {
	t.Helper()
	g, w := *got, *want
	for _, p := range []struct{ g, w *time.Time }{{&g.LastErrorAt, &w.LastErrorAt}, {&g.LastRefreshAt, &w.LastRefreshAt}, {&g.CreatedAt, &w.CreatedAt}, {&g.UpdatedAt, &w.UpdatedAt}} {
		if !p.g.Equal(*p.w) {
			t.Errorf("time %v, want %v", *p.g, *p.w)
		}
		*p.g, *p.w = time.Time{}, time.Time{}
	}
	if !slices.Equal(g.Scopes, w.Scopes) {
		t.Errorf("Scopes = %q, want %q", g.Scopes, w.Scopes)
	}
	g.Scopes, w.Scopes = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("connection =\n%+v\nwant\n%+v", g, w)
	}
}

func testConnectionValidation(t *testing.T, f *fixture) {
	for _, c := range []*hrconnect.Connection{
		{LinkName: "x", Service: "s"},
		{TenantID: f.tenant.ID, Service: "s"},
		{TenantID: f.tenant.ID, LinkName: "x"},
	} {
		wantCode(t, f.db.CreateConnection(f.ctx, c, nil), hrconnect.EINVALID)
	}
	wantCode(t, f.db.CreateConnection(f.ctx, &hrconnect.Connection{TenantID: "ten_missing", LinkName: "x", Service: "s"}, nil), hrconnect.ENOTFOUND)
	// The owner must be a user of the same tenant.
	err := f.db.CreateConnection(f.ctx, &hrconnect.Connection{TenantID: f.tenant.ID, OwnerID: f.otherOwner.ID, LinkName: "x", Service: "s"}, nil)
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.Connections(f.ctx, hrconnect.ConnectionFilter{})
	wantCode(t, err, hrconnect.EINVALID)
}

func testConnectionFilters(t *testing.T, f *fixture) {
	people := f.connection(t, func(c *hrconnect.Connection) { c.Name = "B people" })
	recruit := f.connection(t, func(c *hrconnect.Connection) { c.Name = "A recruit"; c.Service = hrconnect.ServiceZohoRecruit })
	broken := f.connection(t, func(c *hrconnect.Connection) { c.Name = "C broken"; c.Status = hrconnect.StatusNeedsReconnect })
	bobs := f.connection(t, func(c *hrconnect.Connection) { c.Name = "d bob's"; c.OwnerID = f.user.ID }) // case is ignored
	shared := f.connection(t, func(c *hrconnect.Connection) { c.Name = "E shared"; c.PerUser = true })
	unauthorised := f.connection(t, func(c *hrconnect.Connection) { c.Name = "F shared, unauthorised"; c.PerUser = true })
	must(t, f.db.SetCredentials(f.ctx, hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: shared.ID, UserID: f.user.ID},
		&hrconnect.Credentials{ClientSecret: "s", RefreshToken: "bob's own"}))
	// Another tenant's connections never show.
	must(t, f.db.CreateConnection(f.ctx, &hrconnect.Connection{TenantID: f.other.ID, Name: "0 other", LinkName: "o", Service: hrconnect.ServiceZohoPeople}, nil))

	ids := func(cs ...*hrconnect.Connection) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		filter hrconnect.ConnectionFilter
		want   []string
	}{
		{"all, by name", hrconnect.ConnectionFilter{}, ids(recruit, people, broken, bobs, shared, unauthorised)},
		{"service", hrconnect.ConnectionFilter{Service: hrconnect.ServiceZohoRecruit}, ids(recruit)},
		{"status", hrconnect.ConnectionFilter{Status: hrconnect.StatusNeedsReconnect}, ids(broken)},
		{"owner", hrconnect.ConnectionFilter{OwnerID: f.user.ID}, ids(bobs)},
		{"authorized by", hrconnect.ConnectionFilter{AuthorizedBy: f.user.ID}, ids(shared)},
		{"authorized by a user who authorised nothing", hrconnect.ConnectionFilter{AuthorizedBy: f.owner.ID}, nil},
		{"service, status and owner", hrconnect.ConnectionFilter{Service: hrconnect.ServiceZohoPeople, Status: hrconnect.StatusConnected, OwnerID: f.owner.ID},
			ids(people, shared, unauthorised)},
		{"nothing matches", hrconnect.ConnectionFilter{Service: "nothing"}, nil},
	} {
		tt.filter.TenantID = f.tenant.ID
		got, err := f.db.Connections(f.ctx, tt.filter)
		must(t, err)
		if !slices.Equal(ids(got...), tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, ids(got...), tt.want)
		}
	}
}

func testUniqueLinkName(t *testing.T, f *fixture) {
	c := f.connection(t)
	dup := &hrconnect.Connection{TenantID: f.tenant.ID, Name: "Dup", LinkName: c.LinkName, Service: hrconnect.ServiceZohoPeople}
	err := f.db.CreateConnection(f.ctx, dup, &hrconnect.Credentials{ClientSecret: "x"})
	wantCode(t, err, hrconnect.ECONFLICT)
	if msg := hrconnect.ErrorMessage(err); !strings.Contains(msg, c.LinkName) || !strings.Contains(msg, "choose another link name") {
		t.Errorf("message %q", msg)
	}
	var e *hrconnect.Error
	if errors.As(err, &e) && e.Field != "link_name" {
		t.Errorf("Field = %q", e.Field)
	}
	// Nothing of the failed connection remains.
	list, err := f.db.Connections(f.ctx, hrconnect.ConnectionFilter{TenantID: f.tenant.ID})
	must(t, err)
	if len(list) != 1 {
		t.Errorf("%d connections after a conflict", len(list))
	}
	// Link names are unique per tenant, not globally.
	dup.TenantID = f.other.ID
	must(t, f.db.CreateConnection(f.ctx, dup, nil))
}

func testTenantIsolation(t *testing.T, f *fixture) {
	c := f.connection(t)
	k := f.key(c)
	_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		return &hrconnect.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour), Generation: 1}, nil
	})
	must(t, err)
	must(t, f.db.AddEvent(f.ctx, &hrconnect.ConnectionEvent{TenantID: f.tenant.ID, ConnectionID: c.ID, Kind: hrconnect.EventCreated, Message: "m"}))

	o := f.other.ID
	wrong := hrconnect.CredentialKey{TenantID: o, ConnectionID: c.ID}

	_, err = f.db.Connection(f.ctx, o, c.ID)
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.ConnectionByLinkName(f.ctx, o, c.LinkName)
	wantCode(t, err, hrconnect.ENOTFOUND)
	list, err := f.db.Connections(f.ctx, hrconnect.ConnectionFilter{TenantID: o})
	must(t, err)
	if len(list) != 0 {
		t.Errorf("other tenant lists %d connections", len(list))
	}
	_, err = f.db.Credentials(f.ctx, wrong)
	wantCode(t, err, hrconnect.ENOTFOUND)
	wantCode(t, f.db.SetCredentials(f.ctx, wrong, &hrconnect.Credentials{RefreshToken: "stolen"}), hrconnect.ENOTFOUND)
	tok, err := f.db.CachedToken(f.ctx, wrong)
	must(t, err)
	if tok != nil {
		t.Errorf("other tenant sees token %+v", tok)
	}
	_, err = f.db.LockToken(f.ctx, wrong, func(*hrconnect.Token) (*hrconnect.Token, error) {
		t.Error("fn ran for another tenant's key")
		return nil, nil
	})
	wantCode(t, err, hrconnect.ENOTFOUND)
	events, err := f.db.Events(f.ctx, o, c.ID, 10)
	must(t, err)
	if len(events) != 0 {
		t.Errorf("other tenant sees %d events", len(events))
	}
	moved := *c
	moved.TenantID, moved.Name = o, "hijacked"
	wantCode(t, f.db.UpdateConnection(f.ctx, &moved), hrconnect.ENOTFOUND)
	wantCode(t, f.db.DeleteConnection(f.ctx, o, c.ID), hrconnect.ENOTFOUND)

	// Everything is still there, unchanged, for its own tenant.
	got, err := f.db.Connection(f.ctx, f.tenant.ID, c.ID)
	must(t, err)
	if got.Name != c.Name {
		t.Errorf("name changed to %q", got.Name)
	}
	creds, err := f.db.Credentials(f.ctx, k)
	must(t, err)
	if creds.RefreshToken != "1000.refresh."+c.LinkName {
		t.Errorf("credentials changed: %+v", creds)
	}
	if tok, err := f.db.CachedToken(f.ctx, k); err != nil || tok == nil || tok.AccessToken != "at" {
		t.Errorf("token = %+v, %v", tok, err)
	}

	must(t, f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.tenant.ID, Key: "crm", Name: "CRM", AuthType: hrconnect.AuthAPIKey}, "k"))
	_, err = f.db.Service(f.ctx, o, "crm")
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.ServiceSecret(f.ctx, o, "crm")
	wantCode(t, err, hrconnect.ENOTFOUND)
	wantCode(t, f.db.DeleteService(f.ctx, o, "crm"), hrconnect.ENOTFOUND)
	svcs, err := f.db.Services(f.ctx, o)
	must(t, err)
	if len(svcs) != 0 {
		t.Errorf("other tenant sees %d services", len(svcs))
	}
}

func testCredentials(t *testing.T, f *fixture) {
	c := f.connection(t)
	k := f.key(c)
	all := &hrconnect.Credentials{
		ClientSecret: "cs", RefreshToken: "rt", APIKey: "ak", Username: "un", Password: "pw",
		OAuth1Token: "o1", OAuth1TokenSecret: "o1s",
	}
	// A cached token exists; replacing the credentials drops it.
	_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		return &hrconnect.Token{AccessToken: "old", Expiry: time.Now().Add(time.Hour), Generation: 7,
			Refreshes: []time.Time{time.Now()}, Refused: ""}, nil
	})
	must(t, err)
	must(t, f.db.SetCredentials(f.ctx, k, all))
	got, err := f.db.Credentials(f.ctx, k)
	must(t, err)
	if *got != *all {
		t.Errorf("credentials = %+v, want %+v", got, all)
	}
	if tok, err := f.db.CachedToken(f.ctx, k); err != nil || tok != nil {
		t.Errorf("token after SetCredentials = %+v, %v; want none", tok, err)
	}
	// Replacing again replaces every field.
	must(t, f.db.SetCredentials(f.ctx, k, &hrconnect.Credentials{RefreshToken: "rt2"}))
	got, err = f.db.Credentials(f.ctx, k)
	must(t, err)
	if *got != (hrconnect.Credentials{RefreshToken: "rt2"}) {
		t.Errorf("credentials = %+v", got)
	}

	wantCode(t, f.db.SetCredentials(f.ctx, hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: "con_missing"}, all), hrconnect.ENOTFOUND)
	wantCode(t, f.db.SetCredentials(f.ctx, hrconnect.CredentialKey{TenantID: f.tenant.ID}, all), hrconnect.EINVALID)
	wantCode(t, f.db.SetCredentials(f.ctx, k, nil), hrconnect.EINVALID)
}

func testPerUserCredentials(t *testing.T, f *fixture) {
	shared := f.connection(t, func(c *hrconnect.Connection) { c.PerUser = true })
	owners := f.key(shared)
	bobs := hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: shared.ID, UserID: f.user.ID}
	_, err := f.db.Credentials(f.ctx, bobs)
	wantCode(t, err, hrconnect.ENOTFOUND)

	must(t, f.db.SetCredentials(f.ctx, bobs, &hrconnect.Credentials{ClientSecret: "cs", RefreshToken: "bob-rt"}))
	got, err := f.db.Credentials(f.ctx, bobs)
	must(t, err)
	if got.RefreshToken != "bob-rt" {
		t.Errorf("Bob's credentials = %+v", got)
	}
	got, err = f.db.Credentials(f.ctx, owners)
	must(t, err)
	if got.RefreshToken != "1000.refresh."+shared.LinkName {
		t.Errorf("owner's credentials changed: %+v", got)
	}

	// Tokens are per key too.
	for i, k := range []hrconnect.CredentialKey{owners, bobs} {
		_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
			return &hrconnect.Token{AccessToken: fmt.Sprint("at-", i), Generation: int64(i + 1)}, nil
		})
		must(t, err)
	}
	for i, k := range []hrconnect.CredentialKey{owners, bobs} {
		tok, err := f.db.CachedToken(f.ctx, k)
		must(t, err)
		if tok == nil || tok.AccessToken != fmt.Sprint("at-", i) {
			t.Errorf("token %d = %+v", i, tok)
		}
	}

	// Per-user credentials need a per-user connection and a user of the tenant.
	plain := f.connection(t)
	wantCode(t, f.db.SetCredentials(f.ctx, hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: plain.ID, UserID: f.user.ID},
		&hrconnect.Credentials{RefreshToken: "x"}), hrconnect.EINVALID)
	wantCode(t, f.db.SetCredentials(f.ctx, hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: shared.ID, UserID: f.otherOwner.ID},
		&hrconnect.Credentials{RefreshToken: "x"}), hrconnect.ENOTFOUND)
}

func testLockToken(t *testing.T, f *fixture) {
	c := f.connection(t)
	k := f.key(c)

	// No token yet: fn sees nil; returning nil stores nothing.
	got, err := f.db.LockToken(f.ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
		if cur != nil {
			t.Errorf("first fn sees %+v", cur)
		}
		return nil, nil
	})
	must(t, err)
	if got != nil {
		t.Errorf("LockToken returned %+v", got)
	}
	if tok, err := f.db.CachedToken(f.ctx, k); err != nil || tok != nil {
		t.Errorf("CachedToken = %+v, %v", tok, err)
	}

	// What fn returns is stored, and returned, as stored.
	now := time.Now()
	first := &hrconnect.Token{AccessToken: "1000.access.1", Expiry: now.Add(time.Hour), Refreshes: []time.Time{now}, Generation: 1}
	got, err = f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) { return first, nil })
	must(t, err)
	assertToken(t, got, first)
	cached, err := f.db.CachedToken(f.ctx, k)
	must(t, err)
	assertToken(t, cached, first)

	// fn sees the stored token.
	_, err = f.db.LockToken(f.ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
		assertToken(t, cur, first)
		return nil, nil
	})
	must(t, err)

	// An error from fn stores nothing and is returned as it is.
	boom := errors.New("zoho is down")
	got, err = f.db.LockToken(f.ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
		return &hrconnect.Token{AccessToken: "never stored", Generation: 99}, boom
	})
	if !errors.Is(err, boom) || got != nil {
		t.Fatalf("LockToken = %+v, %v; want nil, %v", got, err, boom)
	}
	cached, err = f.db.CachedToken(f.ctx, k)
	must(t, err)
	assertToken(t, cached, first)

	// A refusal with no access token is a token too (the manager needs it).
	refused := &hrconnect.Token{Refused: "Zoho refused the refresh token (invalid_code).", Refreshes: []time.Time{now, now.Add(time.Second)}, Generation: 1}
	_, err = f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) { return refused, nil })
	must(t, err)
	cached, err = f.db.CachedToken(f.ctx, k)
	must(t, err)
	assertToken(t, cached, refused)

	// Without credentials there is nothing to lock.
	bare := &hrconnect.Connection{TenantID: f.tenant.ID, Name: "Bare", LinkName: "bare", Service: "s"}
	must(t, f.db.CreateConnection(f.ctx, bare, nil))
	_, err = f.db.LockToken(f.ctx, f.key(bare), func(*hrconnect.Token) (*hrconnect.Token, error) {
		t.Error("fn ran without credentials")
		return nil, nil
	})
	wantCode(t, err, hrconnect.ENOTFOUND)
	_, err = f.db.LockToken(f.ctx, hrconnect.CredentialKey{TenantID: f.tenant.ID}, nil)
	wantCode(t, err, hrconnect.EINVALID)
}

// testLockTokenContext: a caller waiting for the lock gives up with its
// context, and the lock stays usable.
func testLockTokenContext(t *testing.T, f *fixture) {
	c := f.connection(t)
	k := f.key(c)
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
			close(inside)
			<-release
			return &hrconnect.Token{AccessToken: "a", Generation: 1}, nil
		})
		done <- err
	}()
	<-inside
	ctx, cancel := context.WithTimeout(f.ctx, 50*time.Millisecond)
	defer cancel()
	_, err := f.db.LockToken(ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		t.Error("fn ran while the lock was held")
		return nil, nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting LockToken: %v", err)
	}
	// Another process gives up too.
	other := f.another()
	ctx2, cancel2 := context.WithTimeout(f.ctx, 300*time.Millisecond)
	defer cancel2()
	_, err = other.LockToken(ctx2, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		t.Error("fn ran in another process while the lock was held")
		return nil, nil
	})
	if err == nil {
		t.Error("another process's LockToken succeeded while the lock was held")
	}
	close(release)
	must(t, <-done)
	tok, err := other.LockToken(f.ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) { return nil, nil })
	must(t, err)
	if tok == nil || tok.AccessToken != "a" {
		t.Errorf("token = %+v", tok)
	}
}

// assertToken compares tokens as the store keeps them: times in UTC to the
// microsecond.
func assertToken(t *testing.T, got, want *hrconnect.Token) {
	t.Helper()
	if got == nil {
		t.Fatalf("token = nil, want %+v", want)
	}
	if got.AccessToken != want.AccessToken || got.Generation != want.Generation || got.Refused != want.Refused {
		t.Errorf("token = %+v, want %+v", got, want)
	}
	if !got.Expiry.Equal(us(want.Expiry)) {
		t.Errorf("Expiry = %v, want %v", got.Expiry, us(want.Expiry))
	}
	if len(got.Refreshes) != len(want.Refreshes) {
		t.Fatalf("Refreshes = %v, want %v", got.Refreshes, want.Refreshes)
	}
	for i := range got.Refreshes {
		if !got.Refreshes[i].Equal(us(want.Refreshes[i])) {
			t.Errorf("Refreshes[%d] = %v, want %v", i, got.Refreshes[i], us(want.Refreshes[i]))
		}
	}
}

// us is t as stored: UTC, truncated to the microsecond.
func us(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// testTimesRoundTrip: every time comes back in UTC, equal to the microsecond
// to what was stored, whatever its zone.
func testTimesRoundTrip(t *testing.T, f *fixture) {
	zone := time.FixedZone("UTC-7", -7*3600)
	times := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 123456789, zone),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 6, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2026, 6, 1, 0, 0, 0, 999, time.UTC), // below a microsecond
	}
	for i, tm := range times {
		c := f.connection(t, func(c *hrconnect.Connection) { c.LastErrorAt, c.LastRefreshAt = tm, tm.Add(time.Nanosecond) })
		got, err := f.db.Connection(f.ctx, f.tenant.ID, c.ID)
		must(t, err)
		if got.LastErrorAt != us(tm) || got.LastRefreshAt != us(tm.Add(time.Nanosecond)) {
			t.Errorf("%d: LastErrorAt = %v (%v), want %v", i, got.LastErrorAt, got.LastErrorAt.Location(), us(tm))
		}
		if !got.LastErrorAt.Equal(c.LastErrorAt) || got.CreatedAt != c.CreatedAt {
			t.Errorf("%d: stored %v/%v, CreateConnection reported %v/%v", i, got.LastErrorAt, got.CreatedAt, c.LastErrorAt, c.CreatedAt)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt in %v", got.CreatedAt.Location())
		}
		tok := &hrconnect.Token{AccessToken: "a", Expiry: tm, Refreshes: []time.Time{tm, tm.Add(time.Microsecond)}}
		_, err = f.db.LockToken(f.ctx, f.key(c), func(*hrconnect.Token) (*hrconnect.Token, error) { return tok, nil })
		must(t, err)
		cached, err := f.db.CachedToken(f.ctx, f.key(c))
		must(t, err)
		if cached.Expiry != us(tm) || cached.Refreshes[0] != us(tm) || cached.Refreshes[1] != us(tm.Add(time.Microsecond)) {
			t.Errorf("%d: token times %v %v, want %v", i, cached.Expiry, cached.Refreshes, us(tm))
		}
		e := &hrconnect.ConnectionEvent{TenantID: f.tenant.ID, ConnectionID: c.ID, Kind: hrconnect.EventChecked, At: tm}
		must(t, f.db.AddEvent(f.ctx, e))
		evs, err := f.db.Events(f.ctx, f.tenant.ID, c.ID, 1)
		must(t, err)
		if evs[0].At != us(tm) || e.At != us(tm) {
			t.Errorf("%d: event at %v, want %v", i, evs[0].At, us(tm))
		}
	}
}

func testEvents(t *testing.T, f *fixture) {
	c := f.connection(t)
	kinds := []hrconnect.EventKind{hrconnect.EventCreated, hrconnect.EventAuthorized, hrconnect.EventRefreshed, hrconnect.EventNeedsReconnect}
	var last int64
	for i, kind := range kinds {
		e := &hrconnect.ConnectionEvent{TenantID: f.tenant.ID, ConnectionID: c.ID, ActorID: f.owner.ID, Kind: kind, Message: fmt.Sprint("event ", i)}
		must(t, f.db.AddEvent(f.ctx, e))
		if e.ID <= last || e.At.IsZero() {
			t.Errorf("event %d: ID %d after %d, At %v", i, e.ID, last, e.At)
		}
		last = e.ID
	}
	evs, err := f.db.Events(f.ctx, f.tenant.ID, c.ID, 3)
	must(t, err)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	for i, e := range evs {
		want := kinds[len(kinds)-1-i]
		if e.Kind != want || e.ActorID != f.owner.ID || e.TenantID != f.tenant.ID || e.ConnectionID != c.ID {
			t.Errorf("event %d = %+v, want kind %s", i, e, want)
		}
	}
	all, err := f.db.Events(f.ctx, f.tenant.ID, c.ID, 0)
	must(t, err)
	if len(all) != 4 {
		t.Errorf("limit 0 gave %d events", len(all))
	}
	wantCode(t, f.db.AddEvent(f.ctx, &hrconnect.ConnectionEvent{TenantID: f.tenant.ID, Kind: hrconnect.EventCreated}), hrconnect.EINVALID)
	wantCode(t, f.db.AddEvent(f.ctx, &hrconnect.ConnectionEvent{TenantID: "ten_missing", ConnectionID: c.ID, Kind: hrconnect.EventCreated}), hrconnect.ENOTFOUND)
}

func testServices(t *testing.T, f *fixture) {
	s := &hrconnect.Service{
		TenantID: f.tenant.ID, Key: "crm", Name: "B CRM", AuthType: hrconnect.AuthOAuth2,
		ParamType: hrconnect.ParamHeader, ParamName: "Authorization", TokenPrefix: "Bearer ",
		BaseURLs:     []string{"https://api.crm.test/v1/", "https://files.crm.test/"},
		AuthorizeURL: "https://crm.test/oauth/authorize", TokenURL: "https://crm.test/oauth/token",
		RefreshURL: "https://crm.test/oauth/refresh", RevokeURL: "https://crm.test/oauth/revoke",
		Scopes: []string{"read", "write"}, ScopeDelimiter: " ",
		ClientID: "crm-client",
	}
	must(t, f.db.CreateService(f.ctx, s, "crm-client-secret"))
	if s.CreatedAt.IsZero() {
		t.Error("CreatedAt not set")
	}
	got, err := f.db.Service(f.ctx, f.tenant.ID, "crm")
	must(t, err)
	if !slices.Equal(got.BaseURLs, s.BaseURLs) || !slices.Equal(got.Scopes, s.Scopes) || !got.CreatedAt.Equal(s.CreatedAt) {
		t.Errorf("service = %+v", got)
	}
	g, w := *got, *s
	g.BaseURLs, g.Scopes, w.BaseURLs, w.Scopes = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("service =\n%+v\nwant\n%+v", g, w)
	}
	secret, err := f.db.ServiceSecret(f.ctx, f.tenant.ID, "crm")
	must(t, err)
	if secret != "crm-client-secret" {
		t.Errorf("secret = %q", secret)
	}

	o1 := &hrconnect.Service{TenantID: f.tenant.ID, Key: "old", Name: "A OAuth 1", AuthType: hrconnect.AuthOAuth1,
		RequestTokenURL: "https://old.test/request", AccessTokenURL: "https://old.test/access"}
	must(t, f.db.CreateService(f.ctx, o1, ""))
	if secret, err := f.db.ServiceSecret(f.ctx, f.tenant.ID, "old"); err != nil || secret != "" {
		t.Errorf("empty secret = %q, %v", secret, err)
	}
	list, err := f.db.Services(f.ctx, f.tenant.ID)
	must(t, err)
	if len(list) != 2 || list[0].Key != "old" || list[1].Key != "crm" || list[0].AccessTokenURL != o1.AccessTokenURL {
		t.Errorf("Services = %+v", list)
	}

	err = f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.tenant.ID, Key: "crm", Name: "again", AuthType: hrconnect.AuthBasic}, "")
	wantCode(t, err, hrconnect.ECONFLICT)
	if !strings.Contains(hrconnect.ErrorMessage(err), "choose another key") {
		t.Errorf("message %q", hrconnect.ErrorMessage(err))
	}
	wantCode(t, f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.tenant.ID, Key: hrconnect.ServiceZohoPeople, Name: "x", AuthType: hrconnect.AuthBasic}, ""), hrconnect.ECONFLICT)
	wantCode(t, f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.tenant.ID, Name: "x", AuthType: hrconnect.AuthBasic}, ""), hrconnect.EINVALID)
	must(t, f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.other.ID, Key: "crm", Name: "theirs", AuthType: hrconnect.AuthBasic}, "theirs"))

	// In use: ECONFLICT; unused: deleted; gone: ENOTFOUND.
	c := f.connection(t, func(c *hrconnect.Connection) { c.Service = "crm" })
	wantCode(t, f.db.DeleteService(f.ctx, f.tenant.ID, "crm"), hrconnect.ECONFLICT)
	must(t, f.db.DeleteConnection(f.ctx, f.tenant.ID, c.ID))
	must(t, f.db.DeleteService(f.ctx, f.tenant.ID, "crm"))
	_, err = f.db.Service(f.ctx, f.tenant.ID, "crm")
	wantCode(t, err, hrconnect.ENOTFOUND)
	wantCode(t, f.db.DeleteService(f.ctx, f.tenant.ID, "crm"), hrconnect.ENOTFOUND)
	if secret, err := f.db.ServiceSecret(f.ctx, f.other.ID, "crm"); err != nil || secret != "theirs" {
		t.Errorf("other tenant's service: %q, %v", secret, err)
	}
}

func testDeleteCascades(t *testing.T, f *fixture) {
	c := f.connection(t, func(c *hrconnect.Connection) { c.PerUser = true })
	keep := f.connection(t)
	bobs := hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: c.ID, UserID: f.user.ID}
	must(t, f.db.SetCredentials(f.ctx, bobs, &hrconnect.Credentials{RefreshToken: "bob"}))
	for _, k := range []hrconnect.CredentialKey{f.key(c), bobs, f.key(keep)} {
		_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
			return &hrconnect.Token{AccessToken: "at"}, nil
		})
		must(t, err)
	}
	must(t, f.db.AddEvent(f.ctx, &hrconnect.ConnectionEvent{TenantID: f.tenant.ID, ConnectionID: c.ID, Kind: hrconnect.EventCreated}))

	must(t, f.db.DeleteConnection(f.ctx, f.tenant.ID, c.ID))
	for _, k := range []hrconnect.CredentialKey{f.key(c), bobs} {
		_, err := f.db.Credentials(f.ctx, k)
		wantCode(t, err, hrconnect.ENOTFOUND)
		if tok, err := f.db.CachedToken(f.ctx, k); err != nil || tok != nil {
			t.Errorf("token of a deleted connection: %+v, %v", tok, err)
		}
	}
	evs, err := f.db.Events(f.ctx, f.tenant.ID, c.ID, 10)
	must(t, err)
	if len(evs) != 1 {
		t.Errorf("%d events after delete, want 1", len(evs))
	}
	must(t, f.db.AddEvent(f.ctx, &hrconnect.ConnectionEvent{TenantID: f.tenant.ID, ConnectionID: c.ID, Kind: hrconnect.EventDeleted}))
	// The other connection is untouched.
	if tok, err := f.db.CachedToken(f.ctx, f.key(keep)); err != nil || tok == nil {
		t.Errorf("other connection's token: %+v, %v", tok, err)
	}
	if _, err := f.db.Credentials(f.ctx, f.key(keep)); err != nil {
		t.Error(err)
	}
	// The link name is free again.
	f.connectionCount = 0
	f.connection(t)
}

func testMigrateIdempotent(t *testing.T, f *fixture) {
	c := f.connection(t)
	before, err := f.db.MigrationStatus(f.ctx)
	must(t, err)
	must(t, f.db.Migrate(f.ctx))
	must(t, f.db.Migrate(f.ctx))
	after, err := f.db.MigrationStatus(f.ctx)
	must(t, err)
	if !after.UpToDate() || after.Version != before.Version || after.Version != after.Latest || after.RiverVersion != after.RiverLatest {
		t.Errorf("status before %+v, after %+v", before, after)
	}
	// Reopening (which migrates SQLite, checks PostgreSQL) keeps the data.
	if _, err := f.another().Connection(f.ctx, f.tenant.ID, c.ID); err != nil {
		t.Error(err)
	}
	// Concurrent migrations (replicas starting together) do not collide.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := f.db.Migrate(f.ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// testConcurrentLockToken: goroutines of two processes (two *DB on the same
// database) refresh one token whenever it is older than a few milliseconds.
// Their fn bodies never overlap, and the final Generation counts exactly the
// refreshes performed: none was lost, none done twice.
func testConcurrentLockToken(t *testing.T, f *fixture) {
	c := f.connection(t)
	k := f.key(c)
	dbs := []*sqlstore.DB{f.db, f.another()}
	const (
		workers    = 8
		iterations = 15
		lifetime   = 3 * time.Millisecond
	)
	var inFlight, maxInFlight, refreshes atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		db := dbs[w%len(dbs)]
		wg.Go(func() {
			for range iterations {
				_, err := db.LockToken(f.ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
					n := inFlight.Add(1)
					defer inFlight.Add(-1)
					for m := maxInFlight.Load(); n > m && !maxInFlight.CompareAndSwap(m, n); m = maxInFlight.Load() {
					}
					now := time.Now()
					if cur.Valid(now, 0) {
						return nil, nil // someone else refreshed it
					}
					time.Sleep(time.Millisecond) // the call to Zoho
					refreshes.Add(1)
					next := &hrconnect.Token{AccessToken: fmt.Sprint("at-", now.UnixNano()), Expiry: now.Add(lifetime)}
					if cur != nil {
						next.Generation = cur.Generation + 1
					} else {
						next.Generation = 1
					}
					return next, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Duration(w%3) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if m := maxInFlight.Load(); m != 1 {
		t.Errorf("up to %d fn bodies ran at once, want 1", m)
	}
	tok, err := f.db.CachedToken(f.ctx, k)
	must(t, err)
	if tok == nil || tok.Generation != refreshes.Load() || refreshes.Load() < 2 {
		t.Errorf("Generation = %+v after %d refreshes", tok, refreshes.Load())
	}
	t.Logf("%d refreshes in %d calls", refreshes.Load(), workers*iterations)
}

func testReencryptAll(t *testing.T, f *fixture) {
	// A few secrets of each kind.
	var keys []hrconnect.CredentialKey
	for range 3 {
		c := f.connection(t, func(c *hrconnect.Connection) { c.PerUser = true })
		bobs := hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: c.ID, UserID: f.user.ID}
		must(t, f.db.SetCredentials(f.ctx, bobs, &hrconnect.Credentials{RefreshToken: "bob-" + c.ID}))
		keys = append(keys, f.key(c), bobs)
	}
	for _, k := range keys {
		_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
			return &hrconnect.Token{AccessToken: "at-" + k.ConnectionID + k.UserID}, nil
		})
		must(t, err)
	}
	must(t, f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.tenant.ID, Key: "crm", Name: "CRM", AuthType: hrconnect.AuthOAuth2}, "svc-secret"))
	// A row holding no token (locked, nothing stored) has nothing to re-seal.
	bare := f.connection(t)
	_, err := f.db.LockToken(f.ctx, f.key(bare), func(*hrconnect.Token) (*hrconnect.Token, error) { return nil, nil })
	must(t, err)

	n, err := f.db.ReencryptAll(f.ctx)
	must(t, err)
	if n != 0 {
		t.Errorf("ReencryptAll before any rotation re-sealed %d", n)
	}
	if _, err := f.vault.Rotate(); err != nil {
		t.Fatal(err)
	}
	n, err = f.db.ReencryptAll(f.ctx)
	must(t, err)
	// Credential fields: 2 per connection (4 connections), 1 per user copy
	// (3); 6 tokens; 1 service.
	if want := 4*2 + 3 + 6 + 1; n != want {
		t.Errorf("ReencryptAll re-sealed %d, want %d", n, want)
	}
	n, err = f.db.ReencryptAll(f.ctx)
	must(t, err)
	if n != 0 {
		t.Errorf("second ReencryptAll re-sealed %d, want 0", n)
	}
	for _, k := range keys {
		if _, err := f.db.Credentials(f.ctx, k); err != nil {
			t.Error(err)
		}
		tok, err := f.db.CachedToken(f.ctx, k)
		must(t, err)
		if tok.AccessToken != "at-"+k.ConnectionID+k.UserID {
			t.Errorf("token = %q", tok.AccessToken)
		}
	}
	if s, err := f.db.ServiceSecret(f.ctx, f.tenant.ID, "crm"); err != nil || s != "svc-secret" {
		t.Errorf("service secret %q, %v", s, err)
	}
}

// testSecretsBoundToTheirRow: a ciphertext copied into another row (another
// connection, tenant or user) or another column does not decrypt there.
func testSecretsBoundToTheirRow(t *testing.T, f *fixture) {
	a := f.connection(t, func(c *hrconnect.Connection) { c.PerUser = true })
	b := f.connection(t)
	bobs := hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: a.ID, UserID: f.user.ID}
	must(t, f.db.SetCredentials(f.ctx, bobs, &hrconnect.Credentials{RefreshToken: "bob", ClientSecret: "bob-cs"}))
	theirs := &hrconnect.Connection{TenantID: f.other.ID, Name: "Theirs", LinkName: "theirs", Service: hrconnect.ServiceZohoPeople}
	must(t, f.db.CreateConnection(f.ctx, theirs, &hrconnect.Credentials{RefreshToken: "theirs"}))

	for _, tt := range []struct {
		name, query string
		args        []any
		victim      hrconnect.CredentialKey
	}{
		{"another connection's", `UPDATE credentials SET refresh_token = (SELECT refresh_token FROM credentials WHERE connection_id = $1 AND user_id = '')
			WHERE connection_id = $2 AND user_id = ''`, []any{a.ID, b.ID}, f.key(b)},
		{"another user's", `UPDATE credentials SET refresh_token = (SELECT refresh_token FROM credentials WHERE connection_id = $1 AND user_id = $2)
			WHERE connection_id = $1 AND user_id = ''`, []any{a.ID, f.user.ID}, f.key(a)},
		{"another tenant's", `UPDATE credentials SET refresh_token = (SELECT refresh_token FROM credentials WHERE connection_id = $1)
			WHERE connection_id = $2 AND user_id = $3`, []any{theirs.ID, a.ID, f.user.ID}, bobs},
		{"another column's", `UPDATE credentials SET refresh_token = client_secret WHERE connection_id = $1 AND user_id = ''`,
			[]any{b.ID}, f.key(b)},
	} {
		err := f.db.InTx(f.ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(f.ctx, tt.query, tt.args...)
			return err
		})
		must(t, err)
		_, err = f.db.Credentials(f.ctx, tt.victim)
		if !errors.Is(err, vault.ErrWrongScope) {
			t.Errorf("%s ciphertext: Credentials = %v, want ErrWrongScope", tt.name, err)
		}
	}
}
