package connect_test

import (
	"context"
	"errors"
	"testing"

	"hrconnect"
	"hrconnect/connect"
	"hrconnect/zoho"
)

// "Use credentials of login user": each user authorises their own copy of a
// connection; their tokens never mix, and the connection is listed as shared
// for a user who authorised it without creating it.
func TestPerUserCredentials(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	in := e.instance(openDB(t, t.TempDir(), ""))
	tn, alice := tenant(t, in.db)
	bob := &hrconnect.User{TenantID: tn.ID, Email: "bob@acme.test", Name: "Bob"}
	if err := in.db.CreateUser(ctx, bob); err != nil {
		t.Fatal(err)
	}
	id, secret, code := e.selfClient("eu", zoho.ScopePeopleForms)
	c, aliceTokens, err := in.svc.ConnectWithCode(ctx, connect.ZohoConnection{
		TenantID: tn.ID, ActorID: alice.ID, Name: "People (mine)", DC: "eu", ClientID: id, Secret: secret, PerUser: true,
	}, code, "", "")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, aliceTokens.AccessToken, aliceTokens.RefreshToken)
	m := in.svc.Tokens()
	aliceKey := hrconnect.CredentialKey{TenantID: tn.ID, ConnectionID: c.ID, UserID: alice.ID}
	bobKey := hrconnect.CredentialKey{TenantID: tn.ID, ConnectionID: c.ID, UserID: bob.ID}

	if tok, err := m.AccessToken(ctx, aliceKey); err != nil || tok != aliceTokens.AccessToken {
		t.Fatalf("Alice's token: %v", err)
	}
	if _, err := m.AccessToken(ctx, bobKey); !errors.Is(err, connect.ErrNeedsReconnect) {
		t.Fatalf("Bob before authorising: %v, want needs-reconnect", err)
	}
	if _, err := m.AccessToken(ctx, hrconnect.CredentialKey{TenantID: tn.ID, ConnectionID: c.ID}); !errors.Is(err, connect.ErrNeedsReconnect) {
		t.Fatalf("owner credentials of a per-user connection: %v, want none", err)
	}

	_, bobTokens, err := in.svc.Reauthorize(ctx, tn.ID, c.ID, bob.ID, secret, e.newCode(id, zoho.ScopePeopleForms), "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, bobTokens.AccessToken, bobTokens.RefreshToken)
	bobTok, err := m.AccessToken(ctx, bobKey)
	if err != nil || bobTok != bobTokens.AccessToken || bobTok == aliceTokens.AccessToken {
		t.Fatalf("Bob's token: %v (same as Alice's: %v)", err, bobTok == aliceTokens.AccessToken)
	}
	if tok, _ := m.AccessToken(ctx, aliceKey); tok != aliceTokens.AccessToken {
		t.Fatal("Bob's authorisation replaced Alice's token")
	}

	shared, err := in.db.Connections(ctx, hrconnect.ConnectionFilter{TenantID: tn.ID, AuthorizedBy: bob.ID})
	if err != nil || len(shared) != 1 || shared[0].OwnerID != alice.ID {
		t.Fatalf("Bob's shared connections: %v %v", shared, err)
	}
	own, _ := in.db.Connections(ctx, hrconnect.ConnectionFilter{TenantID: tn.ID, OwnerID: bob.ID})
	if len(own) != 0 {
		t.Fatalf("Bob owns %d connections, want 0", len(own))
	}
}
