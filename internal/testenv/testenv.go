// Package testenv gives tests the real parts they need (a PostgreSQL server,
// Chromium) and decides what happens when one is missing: the test is skipped
// on a developer's machine, and fails under CI (CI=true), where
// ./scripts/test has installed everything.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// missing skips the test, or fails it under CI.
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI; ./scripts/test installs it", what)
	}
	t.Skipf("%s not available; run ./scripts/test to install it", what)
}

// PostgresURL returns the URL of the PostgreSQL server tests use:
// $HRCONNECT_TEST_POSTGRES, or the local server on 127.0.0.1:5432.
func PostgresURL() string {
	if u := os.Getenv("HRCONNECT_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Postgres creates an empty database for this test on the test server and
// returns its URL; the database is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, PostgresURL())
	if err != nil {
		missing(t, "PostgreSQL ("+err.Error()+")")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hrconnect_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		t.Fatalf("create test database: %v", err)
	}
	admin.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, PostgresURL())
		if err != nil {
			t.Logf("drop test database %s: %v", name, err)
			return
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatalf("HRCONNECT_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Chromium returns the path of the Chromium binary for browser tests:
// $HRCONNECT_TEST_CHROMIUM, or chromium on the PATH.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("HRCONNECT_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "Chromium")
	return ""
}
