package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// querier is what *sql.DB and *sql.Tx have in common, so that helpers can
// read from the reader pool or inside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// newID returns a random, URL-safe ID with a prefix naming its kind, such as
// "con_…": 130 random bits in lower-case base32.
func newID(prefix string) string {
	return prefix + "_" + strings.ToLower(rand.Text())
}

// timeFormat is how times are written: UTC, to the microsecond, fixed width,
// so that on SQLite (TEXT columns) they sort as they compare. PostgreSQL
// parses it into TIMESTAMPTZ, whose precision is also the microsecond.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// truncTime returns t as the database will return it: in UTC, truncated to
// the microsecond. The zero time stays zero.
func truncTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// timeArg returns t as a query argument: its text in timeFormat, or NULL for
// the zero time. Text works for SQLite's TEXT and PostgreSQL's TIMESTAMPTZ
// alike, so no query needs to know which it is writing.
func timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

// timeDest returns a scan destination that stores a time column into *t:
// a time.Time from PostgreSQL, a string from SQLite, the zero time for NULL.
func timeDest(t *time.Time) sql.Scanner { return (*timeScanner)(t) }

type timeScanner time.Time

func (s *timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s = timeScanner{}
	case time.Time:
		*s = timeScanner(truncTime(v))
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

func (s *timeScanner) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*s = timeScanner(truncTime(t))
	return nil
}

// jsonArg returns v's JSON as a query argument, for JSONB (PostgreSQL) and
// TEXT (SQLite) columns. A nil slice is written as [].
func jsonArg[T any](v []T) (string, error) {
	if v == nil {
		return "[]", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// jsonDest returns a scan destination that decodes a JSON array column into
// *v, leaving it nil when the array is empty.
func jsonDest[T any](v *[]T) sql.Scanner { return &jsonScanner[T]{v} }

type jsonScanner[T any] struct{ v *[]T }

func (s *jsonScanner[T]) Scan(src any) error {
	var b []byte
	switch src := src.(type) {
	case nil:
		*s.v = nil
		return nil
	case string:
		b = []byte(src)
	case []byte:
		b = src
	default:
		return fmt.Errorf("scan JSON: unexpected %T", src)
	}
	var out []T
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("scan JSON: %w", err)
	}
	if len(out) == 0 {
		out = nil
	}
	*s.v = out
	return nil
}

// nullString returns s as a query argument, NULL when empty: for nullable
// foreign keys such as connections.owner_id.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
