package sqlstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hrconnect"
	"hrconnect/internal/testenv"
	"hrconnect/sqlstore"
	"hrconnect/vault"
)

// backend opens databases of one dialect for the tests.
type backend struct {
	name string
	// open returns a fresh, migrated database with a vault of its own, and a
	// function that opens another *DB on the same database and vault: a
	// second process, in effect.
	open func(t testing.TB) (db *sqlstore.DB, another func() *sqlstore.DB, v *vault.Vault)
}

var backends = []backend{
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

// forEachBackend runs fn as a subtest per dialect.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b)
		})
	}
}

func newVault(t testing.TB, dir string) *vault.Vault {
	t.Helper()
	v, err := vault.Open(vault.Options{Dir: dir, ReloadInterval: -1})
	if err != nil {
		t.Fatalf("open vault: %v", err)
	}
	return v
}

func mustOpen(t testing.TB, cfg sqlstore.Config) *sqlstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open %s database: %v", cfg.Driver, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func openSQLite(t testing.TB) (*sqlstore.DB, func() *sqlstore.DB, *vault.Vault) {
	dir := t.TempDir()
	copySQLiteTemplate(t, dir)
	v := newVault(t, filepath.Join(dir, "keys"))
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: dir, Vault: v}
	return mustOpen(t, cfg), func() *sqlstore.DB { return mustOpen(t, cfg) }, v
}

func openPostgres(t testing.TB) (*sqlstore.DB, func() *sqlstore.DB, *vault.Vault) {
	v := newVault(t, t.TempDir())
	cfg := sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: testenv.Postgres(t), Vault: v, Migrate: true, MaxConns: 40}
	return mustOpen(t, cfg), func() *sqlstore.DB { return mustOpen(t, cfg) }, v
}

// sqliteTemplate is a migrated, empty SQLite database that openSQLite copies
// instead of migrating each test's database anew: migrating is the slowest
// part of opening (seconds under the race detector), and Open still checks
// and completes the copy's migrations. TestOpenSQLiteFile migrates from
// nothing.
var sqliteTemplate struct {
	once sync.Once
	data []byte
	err  error
}

func copySQLiteTemplate(t testing.TB, dir string) {
	t.Helper()
	sqliteTemplate.once.Do(func() {
		tmp, err := os.MkdirTemp("", "sqlstore-template-")
		if err != nil {
			sqliteTemplate.err = err
			return
		}
		defer os.RemoveAll(tmp)
		db, err := sqlstore.Open(context.Background(), sqlstore.Config{DataDir: tmp})
		if err != nil {
			sqliteTemplate.err = err
			return
		}
		// Closing the last connection checkpoints the WAL into the file.
		if err := db.Close(); err != nil {
			sqliteTemplate.err = err
			return
		}
		sqliteTemplate.data, sqliteTemplate.err = os.ReadFile(db.Path())
	})
	if sqliteTemplate.err != nil {
		t.Fatalf("SQLite template: %v", sqliteTemplate.err)
	}
	if err := os.WriteFile(filepath.Join(dir, sqlstore.FileName), sqliteTemplate.data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails the test unless err carries the hrconnect error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := hrconnect.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenPostgresBehind: Open on PostgreSQL refuses a database whose schema
// is behind, saying what to run, and accepts it once migrated.
func TestOpenPostgresBehind(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	cfg := sqlstore.Config{Driver: sqlstore.DriverPostgres, URL: testenv.Postgres(t)}

	_, err := sqlstore.Open(ctx, cfg)
	if !errors.Is(err, sqlstore.ErrSchemaBehind) {
		t.Fatalf("Open on an empty database: err = %v, want ErrSchemaBehind", err)
	}
	if msg := hrconnect.ErrorMessage(err); !strings.Contains(msg, "hrconnect migrate") {
		t.Errorf("message %q does not say to run hrconnect migrate", msg)
	}

	migrated := cfg
	migrated.Migrate = true
	db := mustOpen(t, migrated)
	st, err := db.MigrationStatus(ctx)
	must(t, err)
	if !st.UpToDate() || st.Version != st.Latest || st.Latest < 1 || st.RiverVersion != st.RiverLatest || st.RiverLatest < 1 {
		t.Fatalf("status after migrating = %+v", st)
	}
	mustOpen(t, cfg) // up to date now: no error
}

// TestOpenSQLiteFile: the SQLite database is DataDir/hrconnect.db, in WAL
// mode, and Open creates the directory.
func TestOpenSQLiteFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data dir?#%20")
	db := mustOpen(t, sqlstore.Config{DataDir: dir})
	if db.Driver() != sqlstore.DriverSQLite {
		t.Errorf("Driver() = %q", db.Driver())
	}
	if _, err := os.Stat(filepath.Join(dir, sqlstore.FileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, sqlstore.FileName+"-wal")); err != nil {
		t.Errorf("no WAL file: %v", err)
	}
	st, err := db.MigrationStatus(context.Background())
	must(t, err)
	if !st.UpToDate() || st.Version < 1 || st.RiverVersion < 1 {
		t.Errorf("status after Open = %+v", st)
	}
	_, err = sqlstore.Open(context.Background(), sqlstore.Config{Driver: "mysql"})
	wantCode(t, err, hrconnect.EINVALID)
	_, err = sqlstore.Open(context.Background(), sqlstore.Config{Driver: sqlstore.DriverSQLite})
	wantCode(t, err, hrconnect.EINVALID)
}
