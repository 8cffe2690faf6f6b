package main

import (
	"context"
	"fmt"
	"io"
)

func init() {
	register(command{
		name:    "migrate",
		summary: "bring the database schema (hrconnect's and River's) up to date",
		run:     runMigrate,
	})
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var sc storeConfig
	envs := withEnvs(nil)
	fs := newFlagSet("migrate",
		"Applies pending migrations. SQLite is migrated whenever hrconnect opens it; with PostgreSQL,\n"+
			"run this once before starting (or upgrading) the replicas: they refuse a schema that is behind.",
		stderr, envs)
	sc.register(fs)
	if err := parseFlags(fs, args, envs); err != nil {
		return err
	}
	db, _, err := sc.open(ctx, true)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s schema is up to date: %+v\n", db.Driver(), *st)
	return nil
}
