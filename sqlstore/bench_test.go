package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/sqlstore"
)

// benchFixture opens a database with one tenant, its owner and one
// connection with credentials and a cached token.
func benchFixture(b *testing.B, be backend) (*sqlstore.DB, *hrconnect.Connection) {
	b.Helper()
	db, _, _ := be.open(b)
	ctx := context.Background()
	tenant := &hrconnect.Tenant{Name: "Bench"}
	must(b, db.CreateTenant(ctx, tenant))
	owner := &hrconnect.User{TenantID: tenant.ID, Email: "a@bench.test", Name: "A"}
	must(b, db.CreateUser(ctx, owner))
	c := &hrconnect.Connection{TenantID: tenant.ID, OwnerID: owner.ID, Name: "People", LinkName: "people", Service: hrconnect.ServiceZohoPeople, DataCentre: "eu"}
	must(b, db.CreateConnection(ctx, c, &hrconnect.Credentials{ClientSecret: "cs", RefreshToken: "rt"}))
	k := hrconnect.CredentialKey{TenantID: tenant.ID, ConnectionID: c.ID}
	_, err := db.LockToken(ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
		return &hrconnect.Token{AccessToken: "1000.access", Expiry: time.Now().Add(time.Hour), Generation: 1}, nil
	})
	must(b, err)
	return db, c
}

func BenchmarkCreateConnection(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db, c := benchFixture(b, be)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				i++
				n := &hrconnect.Connection{TenantID: c.TenantID, OwnerID: c.OwnerID, Name: "People", LinkName: fmt.Sprint("people_", i),
					Service: hrconnect.ServiceZohoPeople, DataCentre: "eu", Scopes: []string{"ZOHOPEOPLE.forms.ALL"}}
				if err := db.CreateConnection(ctx, n, &hrconnect.Credentials{ClientSecret: "cs", RefreshToken: "rt"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCachedToken(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db, c := benchFixture(b, be)
			ctx := context.Background()
			k := hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tok, err := db.CachedToken(ctx, k)
					if err != nil || tok == nil {
						b.Fatal(tok, err)
					}
				}
			})
		})
	}
}

// BenchmarkLockToken measures a lock, read, store cycle: a refresh without
// the call to Zoho.
func BenchmarkLockToken(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			db, c := benchFixture(b, be)
			ctx := context.Background()
			k := hrconnect.CredentialKey{TenantID: c.TenantID, ConnectionID: c.ID}
			for b.Loop() {
				_, err := db.LockToken(ctx, k, func(cur *hrconnect.Token) (*hrconnect.Token, error) {
					next := *cur
					next.Generation++
					return &next, nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
