package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"hrconnect/sqlstore"
	"hrconnect/vault"
)

// storeConfig is the settings every command that opens the database shares.
type storeConfig struct {
	dataDir     string
	databaseURL string
	kmsURI      string
}

// storeEnvs are the environment variables of storeConfig's flags.
var storeEnvs = map[string]string{
	"data-dir":       "HRCONNECT_DATA_DIR",
	"database":       "HRCONNECT_DATABASE_URL",
	"keyset-kms-uri": "HRCONNECT_KEYSET_KMS_URI",
}

func (c *storeConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data-dir", "data", "`directory` for the SQLite database and the keyset file (created mode 0700)")
	fs.StringVar(&c.databaseURL, "database", "", "PostgreSQL `URL` (postgres://user@host:5432/db); empty means SQLite in --data-dir")
	fs.StringVar(&c.kmsURI, "keyset-kms-uri", "", "KMS key `URI` that wraps the keyset; empty means the keyset is stored as it is (mode 0600)."+
		"\n      The keyset itself can instead come from $"+vault.KeysetEnvVar+" (its JSON, or base64 of it)")
}

// withEnvs returns envs with the store's environment variables added.
func withEnvs(envs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range storeEnvs {
		out[k] = v
	}
	for k, v := range envs {
		out[k] = v
	}
	return out
}

// openVault opens the keyset that protects every secret at rest.
func (c *storeConfig) openVault() (*vault.Vault, error) {
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return vault.Open(vault.Options{Dir: c.dataDir, KeysetEnv: os.Getenv(vault.KeysetEnvVar), KMSURI: c.kmsURI})
}

// open opens the vault and the database; migrate applies pending PostgreSQL
// migrations (SQLite is always migrated on open).
func (c *storeConfig) open(ctx context.Context, migrate bool) (*sqlstore.DB, *vault.Vault, error) {
	v, err := c.openVault()
	if err != nil {
		return nil, nil, err
	}
	cfg := sqlstore.Config{Driver: sqlstore.DriverSQLite, DataDir: c.dataDir, Vault: v, Migrate: migrate}
	if c.databaseURL != "" {
		if !strings.HasPrefix(c.databaseURL, "postgres://") && !strings.HasPrefix(c.databaseURL, "postgresql://") {
			return nil, nil, fmt.Errorf("--database must be a PostgreSQL URL starting postgres://; leave it empty for SQLite in %s", filepath.Clean(c.dataDir))
		}
		cfg.Driver, cfg.URL = sqlstore.DriverPostgres, c.databaseURL
	}
	db, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return db, v, nil
}
