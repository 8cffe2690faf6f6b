package webhook_test

import (
	"database/sql"
	"os"
	"testing"

	"hrconnect/sqlstore"
)

// dumpDB returns the raw database: SQLite's file and WAL, or every row of
// every PostgreSQL table as text.
func dumpDB(t *testing.T, db *sqlstore.DB) []byte {
	t.Helper()
	var all []byte
	if db.Driver() == sqlstore.DriverSQLite {
		for _, suffix := range []string{"", "-wal"} {
			b, err := os.ReadFile(db.Path() + suffix)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	ctx := t.Context()
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
			}
			rows.Close()
		}
		return nil
	})
	must(t, err)
	return all
}
