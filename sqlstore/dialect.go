package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hrconnect"
)

// dialect is everything that differs between SQLite and PostgreSQL. Queries
// are shared; column types live in each dialect's migration files.
type dialect struct {
	name string
	// migrationsDir is the dialect's directory in migrationFS.
	migrationsDir string
	// migrationsTable creates the table recording applied migrations.
	migrationsTable string
	// tableExists counts the tables named $1 (0 or 1).
	tableExists string
	// lockMigrations keeps other processes from migrating the database until
	// the returned function is called.
	lockMigrations func(ctx context.Context, pool *sql.DB) (unlock func(), err error)
	// lockToken is LockToken's cross-process part, called with the
	// in-process lock of k held.
	lockToken func(db *DB, ctx context.Context, k hrconnect.CredentialKey, fn func(*hrconnect.Token) (*hrconnect.Token, error)) (*hrconnect.Token, error)
	// riverDriver returns River's driver for the database.
	riverDriver func(pool *sql.DB) riverdriver.Driver[*sql.Tx]
	// isUniqueViolation and isForeignKeyViolation classify constraint errors.
	isUniqueViolation     func(error) bool
	isForeignKeyViolation func(error) bool
	// forUpdate ends a SELECT that must lock the rows it reads until the
	// transaction ends: FOR UPDATE on PostgreSQL; nothing on SQLite, whose
	// write transactions exclude each other already.
	forUpdate string
}

var sqliteDialect = &dialect{
	name:          DriverSQLite,
	migrationsDir: "migrations/sqlite",
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`,
	tableExists: `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`,
	// Each migration runs in a BEGIN IMMEDIATE transaction, which excludes
	// other writers, and looks again inside it whether it is still pending.
	// (Holding a connection here would starve River's migrator of the pool's
	// only one.)
	lockMigrations: func(context.Context, *sql.DB) (func(), error) { return func() {}, nil },
	// SQLite's only lock is database-wide: holding it while fn calls Zoho
	// would stall every writer. A lease on the token row excludes other
	// processes instead, without holding a transaction open.
	lockToken: (*DB).lockTokenLease,
	riverDriver: func(pool *sql.DB) riverdriver.Driver[*sql.Tx] {
		return riversqlite.New(pool)
	},
	isUniqueViolation: func(err error) bool {
		code := sqliteCode(err)
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
	isForeignKeyViolation: func(err error) bool {
		return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	},
	forUpdate: "",
}

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// migrationLockID is the key of the PostgreSQL advisory lock held while
// migrating: "hrconnec" in ASCII.
const migrationLockID int64 = 0x6872636f6e6e6563

var postgresDialect = &dialect{
	name:          DriverPostgres,
	migrationsDir: "migrations/postgres",
	migrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL
	)`,
	tableExists: `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`,
	// Replicas starting together queue on an advisory lock; the first
	// migrates, the others find nothing left to do. The lock belongs to a
	// transaction on a connection of its own, so it cannot outlive Migrate
	// even if that connection breaks: the migrations use other connections.
	lockMigrations: func(ctx context.Context, pool *sql.DB) (func(), error) {
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			return nil, fmt.Errorf("take the migration lock: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("take the migration lock: %w", err)
		}
		return func() { _ = tx.Rollback() }, nil
	},
	// PostgreSQL locks one row: SELECT … FOR UPDATE in a transaction that
	// stays open while fn runs, and ends (releasing it) if the process dies.
	lockToken: (*DB).lockTokenRow,
	riverDriver: func(pool *sql.DB) riverdriver.Driver[*sql.Tx] {
		return riverdatabasesql.New(pool)
	},
	isUniqueViolation:     func(err error) bool { return pgCode(err) == "23505" },
	isForeignKeyViolation: func(err error) bool { return pgCode(err) == "23503" },
	forUpdate:             " FOR UPDATE",
}

func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
