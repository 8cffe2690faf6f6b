// Package sqlstore persists hrconnect's tenants, users, connections, their
// encrypted secrets, cached tokens and history, and custom services, on SQLite
// (the single-node default) or PostgreSQL (several replicas sharing one
// database). It implements hrconnect.TenantStore, hrconnect.ConnectionStore
// and hrconnect.ServiceStore, and hosts River's job tables on the same
// database, so that a state change and the job it starts commit together.
//
// # One package, two dialects
//
// Both databases are reached through database/sql (SQLite through
// modernc.org/sqlite, pure Go; PostgreSQL through pgx's stdlib adapter), so
// every query is written once, with $1-style placeholders that both accept.
// What must differ, the schema's column types, error codes and how a token row
// is locked, lives in one small [dialect] value, not in scattered ifs. The
// migrations are embedded SQL files, one directory per dialect.
//
// On SQLite the database is the file hrconnect.db in [Config.DataDir], in WAL
// mode with foreign keys on, synchronous=NORMAL and a busy timeout. Writes go
// through a pool of exactly one connection whose transactions begin with
// BEGIN IMMEDIATE, so writers queue in Go instead of failing with
// SQLITE_BUSY; reads go through a separate pool of read-only connections,
// which WAL lets run beside the writer. River uses the writer pool.
//
// # River
//
// River runs on both databases with drivers built on database/sql: riversqlite
// for SQLite and riverdatabasesql for PostgreSQL. Its client type is therefore
// river.Client[*sql.Tx] on both, and a caller can insert a job with InsertTx
// inside the transaction of [DB.InTx] with one code path. riverdatabasesql
// rather than riverpgxv5 keeps every query on database/sql; the cost is that
// River polls for new jobs instead of being woken by LISTEN/NOTIFY, which
// [DB.NewRiverClient] offsets with short fetch intervals. River's migrations
// run as the last step of [DB.Migrate].
//
// # Secrets
//
// Credentials, cached access tokens and custom services' client secrets are
// sealed with a [Sealer] (a *vault.Vault) before they reach the database,
// each bound to its tenant, connection, user and field through the vault's
// scope, so a ciphertext copied to another row does not decrypt.
// [DB.ReencryptAll] re-seals them after a key rotation.
//
// docs/storage.md describes the schema and the reasons behind it.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"hrconnect"
)

// Drivers accepted in Config.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// FileName is the name of the SQLite database inside Config.DataDir.
const FileName = "hrconnect.db"

// Config says which database to open and how.
type Config struct {
	// Driver is DriverSQLite (the default when empty) or DriverPostgres.
	Driver string
	// DataDir is the directory holding the SQLite database (FileName). It is
	// created, mode 0700, when missing. SQLite only.
	DataDir string
	// URL is the PostgreSQL connection URL, postgres://user@host:port/db?….
	// PostgreSQL only.
	URL string
	// Vault seals and unseals secrets. It may be nil for a DB used only to
	// migrate; any operation on a secret then fails.
	Vault Sealer
	// Migrate applies pending migrations during Open on PostgreSQL. SQLite
	// databases are always migrated on Open, since one process owns the file.
	// Replicas sharing a PostgreSQL database leave it unset and Open refuses
	// a schema that is behind; the "hrconnect migrate" command sets it.
	Migrate bool
	// MaxConns caps the PostgreSQL pool; zero means 20. Every LockToken in
	// progress holds one connection while its callback runs.
	MaxConns int
	// Logger receives River's migration log lines; nil discards them.
	Logger *slog.Logger
}

// DB is an open hrconnect database. It is safe for concurrent use.
type DB struct {
	rw      *sql.DB // writes (and River); on SQLite a single connection
	ro      *sql.DB // reads; the same pool as rw on PostgreSQL
	dialect *dialect
	vault   Sealer
	logger  *slog.Logger
	path    string // the SQLite file; empty on PostgreSQL

	// tokenLocks serialises LockToken (and SetCredentials) per key within
	// this process, so that goroutines wait here rather than each holding a
	// database connection while they wait for the database's own lock.
	tokenLocks keyLocks

	// leaseTTL and leaseRenew time LockToken's lease on SQLite.
	leaseTTL, leaseRenew time.Duration

	// now returns the current time; tests may replace it.
	now func() time.Time

	// hooks run inside the transactions of state changes (SetHooks).
	hooks atomic.Pointer[Hooks]
}

// Compile-time checks that DB implements the stores.
var (
	_ hrconnect.TenantStore     = (*DB)(nil)
	_ hrconnect.ConnectionStore = (*DB)(nil)
	_ hrconnect.ServiceStore    = (*DB)(nil)
)

// Open opens (creating, on SQLite) the database that cfg describes, checks
// that it can be reached, and brings its schema up to date: SQLite is
// migrated; PostgreSQL is migrated when cfg.Migrate is set and otherwise only
// checked, failing with an error that wraps ErrSchemaBehind when migrations
// are pending.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{
		vault:      cfg.Vault,
		logger:     cfg.Logger,
		leaseTTL:   defaultLeaseTTL,
		leaseRenew: defaultLeaseRenew,
		now:        time.Now,
	}
	if db.logger == nil {
		db.logger = slog.New(slog.DiscardHandler)
	}
	var err error
	switch cfg.Driver {
	case DriverSQLite, "":
		err = db.openSQLite(ctx, cfg)
	case DriverPostgres:
		err = db.openPostgres(ctx, cfg)
	default:
		return nil, hrconnect.Errorf(hrconnect.EINVALID, "unknown database driver %q; use %q or %q", cfg.Driver, DriverSQLite, DriverPostgres)
	}
	if err != nil {
		db.Close()
		return nil, err
	}

	if db.dialect.name == DriverSQLite || cfg.Migrate {
		err = db.Migrate(ctx)
	} else {
		err = db.checkSchema(ctx)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// sqliteDSN returns the modernc.org/sqlite data source name for path: the
// writer's, or with readOnly a reader's.
func sqliteDSN(path string, readOnly bool) string {
	params := []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=foreign_keys(1)",
		"_pragma=synchronous(NORMAL)",
	}
	if readOnly {
		params = append(params, "_pragma=query_only(1)")
	} else {
		params = append(params, "_pragma=journal_mode(WAL)", "_txlock=immediate")
	}
	// A "file:" URI: SQLite decodes %-escapes, so a path may hold ? or #.
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join(params, "&")
}

func (db *DB) openSQLite(ctx context.Context, cfg Config) error {
	if cfg.DataDir == "" {
		return hrconnect.Errorf(hrconnect.EINVALID, "no data directory for the SQLite database; set the data directory, or use PostgreSQL with a database URL")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	db.dialect = sqliteDialect
	db.path = filepath.Join(cfg.DataDir, FileName)

	var err error
	if db.rw, err = sql.Open("sqlite", sqliteDSN(db.path, false)); err != nil {
		return fmt.Errorf("open %s: %w", db.path, err)
	}
	// One writer: SQLite admits one write transaction at a time anyway, and
	// queueing in database/sql avoids SQLITE_BUSY between our own writers.
	db.rw.SetMaxOpenConns(1)
	db.rw.SetConnMaxIdleTime(0)
	if err := db.rw.PingContext(ctx); err != nil {
		return fmt.Errorf("open %s: %w", db.path, err)
	}

	if db.ro, err = sql.Open("sqlite", sqliteDSN(db.path, true)); err != nil {
		return fmt.Errorf("open %s: %w", db.path, err)
	}
	db.ro.SetMaxOpenConns(8)
	db.ro.SetMaxIdleConns(8)
	if err := db.ro.PingContext(ctx); err != nil {
		return fmt.Errorf("open %s: %w", db.path, err)
	}
	return nil
}

func (db *DB) openPostgres(ctx context.Context, cfg Config) error {
	if cfg.URL == "" {
		return hrconnect.Errorf(hrconnect.EINVALID, "no PostgreSQL URL; set it to postgres://user@host:5432/database")
	}
	db.dialect = postgresDialect

	var err error
	if db.rw, err = sql.Open("pgx", cfg.URL); err != nil {
		return fmt.Errorf("open PostgreSQL: %w", err)
	}
	maxConns := cfg.MaxConns
	if maxConns <= 0 {
		maxConns = 20
	}
	db.rw.SetMaxOpenConns(maxConns)
	db.rw.SetMaxIdleConns(maxConns)
	db.rw.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.rw.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db.ro = db.rw
	return nil
}

// Close closes the database's connection pools. River clients using the DB
// must be stopped first.
func (db *DB) Close() error {
	var errs []error
	if db.ro != nil && db.ro != db.rw {
		errs = append(errs, db.ro.Close())
	}
	if db.rw != nil {
		errs = append(errs, db.rw.Close())
	}
	return errors.Join(errs...)
}

// Path returns the SQLite database file's path; empty on PostgreSQL.
func (db *DB) Path() string { return db.path }

// Driver returns the database's driver: DriverSQLite or DriverPostgres.
func (db *DB) Driver() string { return db.dialect.name }

// InTx runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise (or when fn panics). It is how callers combine
// several writes, or a write and River's InsertTx, atomically.
//
// On SQLite the transaction holds the only writer connection: inside fn, use
// tx alone, never the DB's other methods, which would wait for it forever.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// RiverDriver returns a River driver on this database: riversqlite on SQLite,
// riverdatabasesql on PostgreSQL. Both work with *sql.Tx, so jobs can be
// inserted with InsertTx in a transaction of InTx.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	return db.dialect.riverDriver(db.rw)
}

// River's fetch intervals set by NewRiverClient when the config leaves them
// zero. Neither driver here is woken by LISTEN/NOTIFY, so River finds new
// jobs by polling; a short interval keeps the delay small, at the price of a
// cheap query several times a second.
const (
	RiverFetchCooldown     = 50 * time.Millisecond
	RiverFetchPollInterval = 250 * time.Millisecond
)

// NewRiverClient returns a River client on this database, with cfg's
// FetchCooldown and FetchPollInterval defaulting to RiverFetchCooldown and
// RiverFetchPollInterval. The caller starts and stops it; stop it before
// closing the DB.
func (db *DB) NewRiverClient(cfg *river.Config) (*river.Client[*sql.Tx], error) {
	c := *cfg
	if c.FetchCooldown == 0 {
		c.FetchCooldown = RiverFetchCooldown
	}
	if c.FetchPollInterval == 0 {
		c.FetchPollInterval = max(RiverFetchPollInterval, c.FetchCooldown)
	}
	client, err := river.NewClient(db.RiverDriver(), &c)
	if err != nil {
		return nil, fmt.Errorf("new River client: %w", err)
	}
	return client, nil
}
