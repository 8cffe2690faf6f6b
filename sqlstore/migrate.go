package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/riverqueue/river/rivermigrate"

	"hrconnect"
)

// migrationFS holds the schema migrations: migrations/<dialect>/NNNN_name.sql.
// A migration is never edited once released; a change is a new file, added
// for both dialects under the same number.
//
//go:embed migrations
var migrationFS embed.FS

// ErrSchemaBehind is wrapped by Open's error on PostgreSQL when the database
// lacks migrations this build needs: "hrconnect migrate" applies them.
var ErrSchemaBehind = errors.New("database schema is behind")

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in order of version.
func (d *dialect) migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, d.migrationsDir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(d.migrationsDir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// Migrate brings the schema up to date: it applies each pending migration in
// a transaction of its own, recording it in schema_migrations, then River's
// migrations. It is idempotent, and safe to run from several processes at
// once: on PostgreSQL they queue on an advisory lock, on SQLite on the
// database's write lock.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := db.dialect.migrations()
	if err != nil {
		return err
	}
	unlock, err := db.dialect.lockMigrations(ctx, db.rw)
	if err != nil {
		return err
	}
	defer unlock()

	if _, err := db.rw.ExecContext(ctx, db.dialect.migrationsTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if err := db.applyMigration(ctx, m); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}

	// River's own migrations, each in its own transaction (some of River's
	// migrations cannot share one), recorded in River's river_migration.
	migrator, err := db.riverMigrator()
	if err != nil {
		return err
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("River migrations: %w", err)
	}
	return nil
}

// applyMigration applies m unless schema_migrations says it already is.
func (db *DB) applyMigration(ctx context.Context, m migration) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, timeArg(db.now())); err != nil {
		return err
	}
	return tx.Commit()
}

func (db *DB) riverMigrator() (*rivermigrate.Migrator[*sql.Tx], error) {
	m, err := rivermigrate.New(db.RiverDriver(), &rivermigrate.Config{Logger: db.logger})
	if err != nil {
		return nil, fmt.Errorf("River migrator: %w", err)
	}
	return m, nil
}

// MigrationStatus is where a database's schema stands.
type MigrationStatus struct {
	// Version is the highest hrconnect migration applied, 0 for none.
	Version int
	// Latest is the highest hrconnect migration this build knows.
	Latest int
	// Pending lists the versions of hrconnect migrations not yet applied.
	Pending []int
	// RiverVersion and RiverLatest are the same for River's migrations.
	RiverVersion int
	RiverLatest  int
}

// UpToDate reports whether no migration is pending.
func (s *MigrationStatus) UpToDate() bool {
	return len(s.Pending) == 0 && s.RiverVersion >= s.RiverLatest
}

// MigrationStatus reports the schema's version, for "hrconnect migrate" and
// for health checks.
func (db *DB) MigrationStatus(ctx context.Context) (*MigrationStatus, error) {
	ms, err := db.dialect.migrations()
	if err != nil {
		return nil, err
	}
	st := &MigrationStatus{}
	if len(ms) > 0 {
		st.Latest = ms[len(ms)-1].version
	}

	applied := map[int]bool{}
	exists, err := db.tableExists(ctx, "schema_migrations")
	if err != nil {
		return nil, err
	}
	if exists {
		rows, err := db.ro.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				return nil, fmt.Errorf("read schema_migrations: %w", err)
			}
			applied[v] = true
			st.Version = max(st.Version, v)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
	}
	for _, m := range ms {
		if !applied[m.version] {
			st.Pending = append(st.Pending, m.version)
		}
	}

	migrator, err := db.riverMigrator()
	if err != nil {
		return nil, err
	}
	for _, m := range migrator.AllVersions() {
		st.RiverLatest = max(st.RiverLatest, m.Version)
	}
	existing, err := migrator.ExistingVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read River's migrations: %w", err)
	}
	for _, m := range existing {
		st.RiverVersion = max(st.RiverVersion, m.Version)
	}
	return st, nil
}

// tableExists reports whether the named table exists, in the current schema
// on PostgreSQL.
func (db *DB) tableExists(ctx context.Context, name string) (bool, error) {
	var n int
	if err := db.ro.QueryRowContext(ctx, db.dialect.tableExists, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", name, err)
	}
	return n > 0, nil
}

// checkSchema fails with ErrSchemaBehind when migrations are pending.
func (db *DB) checkSchema(ctx context.Context) error {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if st.UpToDate() {
		return nil
	}
	return &hrconnect.Error{
		Code: hrconnect.EUNAVAILABLE,
		Message: fmt.Sprintf("The database schema is behind this version of hrconnect (schema %d of %d, River %d of %d).",
			st.Version, st.Latest, st.RiverVersion, st.RiverLatest),
		Resolution: "Run `hrconnect migrate` against this database, then start hrconnect again.",
		Err:        ErrSchemaBehind,
	}
}
