package sqlstore_test

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/sqlstore"
)

// TestNoPlaintextSecrets stores secrets of every kind with recognisable
// values, then reads the raw database (SQLite: the bytes of the database and
// WAL files; PostgreSQL: every row of every table as text) and finds none of
// them, in plain text or hex.
func TestNoPlaintextSecrets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		f := newFixture(t, b)
		secret := func(kind string) string { return "PLAINTEXT-" + kind + "-7f3a9c" }
		secrets := []string{}
		use := func(kind string) string { s := secret(kind); secrets = append(secrets, s); return s }

		zoho := f.connection(t, func(c *hrconnect.Connection) { c.PerUser = true })
		must(t, f.db.SetCredentials(f.ctx, f.key(zoho), &hrconnect.Credentials{
			ClientSecret: use("client-secret"), RefreshToken: use("refresh-token"),
		}))
		bobs := hrconnect.CredentialKey{TenantID: f.tenant.ID, ConnectionID: zoho.ID, UserID: f.user.ID}
		must(t, f.db.SetCredentials(f.ctx, bobs, &hrconnect.Credentials{ClientSecret: use("users-client-secret"), RefreshToken: use("users-refresh-token")}))
		for _, k := range []hrconnect.CredentialKey{f.key(zoho), bobs} {
			access := use("access-token-" + k.UserID)
			_, err := f.db.LockToken(f.ctx, k, func(*hrconnect.Token) (*hrconnect.Token, error) {
				return &hrconnect.Token{AccessToken: access, Expiry: time.Now().Add(time.Hour), Generation: 1}, nil
			})
			must(t, err)
		}
		custom := &hrconnect.Connection{TenantID: f.tenant.ID, Name: "CRM", LinkName: "crm", Service: "crm"}
		must(t, f.db.CreateConnection(f.ctx, custom, &hrconnect.Credentials{
			APIKey: use("api-key"), Username: use("username"), Password: use("password"),
			OAuth1Token: use("oauth1-token"), OAuth1TokenSecret: use("oauth1-token-secret"),
		}))
		must(t, f.db.CreateService(f.ctx, &hrconnect.Service{TenantID: f.tenant.ID, Key: "crm", Name: "CRM", AuthType: hrconnect.AuthAPIKey},
			use("service-client-secret")))

		// The secrets are there, readable through the store.
		if creds, err := f.db.Credentials(f.ctx, f.key(custom)); err != nil || creds.Password != secret("password") {
			t.Fatalf("credentials: %+v, %v", creds, err)
		}

		var dump []byte
		switch b.name {
		case "sqlite":
			dump = sqliteFiles(t, f.db)
		case "postgres":
			dump = postgresRows(t, f.db)
		}
		if !bytes.Contains(dump, []byte(zoho.LinkName)) {
			t.Fatalf("the dump (%d bytes) lacks even the link name %q: it is not reading the data", len(dump), zoho.LinkName)
		}
		lower := bytes.ToLower(dump)
		for _, s := range secrets {
			for _, form := range []string{s, hex.EncodeToString([]byte(s)), strings.ToLower(s)} {
				if bytes.Contains(lower, []byte(strings.ToLower(form))) {
					t.Errorf("secret %q is in the database in plain text (as %q)", s, form)
				}
			}
		}
	})
}

// sqliteFiles returns the bytes of the database file and its WAL.
func sqliteFiles(t *testing.T, db *sqlstore.DB) []byte {
	t.Helper()
	var all []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(db.Path() + suffix)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// postgresRows returns every row of every table in the database's schema,
// each cast to text (bytea shows as hex).
func postgresRows(t *testing.T, db *sqlstore.DB) []byte {
	t.Helper()
	ctx := testContext(t)
	var all []byte
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			tables = append(tables, name)
		}
		rows.Close()
		if len(tables) < 8 {
			t.Errorf("only %d tables: %v", len(tables), tables)
		}
		for _, table := range tables {
			rows, err := tx.QueryContext(ctx, `SELECT t::text FROM "`+table+`" t`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var row string
				if err := rows.Scan(&row); err != nil {
					return err
				}
				all = append(all, row...)
				all = append(all, '\n')
			}
			rows.Close()
		}
		return nil
	})
	must(t, err)
	return all
}
