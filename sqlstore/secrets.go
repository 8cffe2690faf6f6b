package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"hrconnect"
	"hrconnect/vault"
)

// Sealer encrypts and decrypts secrets bound to a scope. *vault.Vault is the
// implementation; the interface keeps this package to the three methods it
// needs.
type Sealer interface {
	// Seal encrypts plaintext under the current primary key, bound to s.
	Seal(plaintext []byte, s vault.Scope) ([]byte, error)
	// Unseal decrypts a ciphertext that Seal made for the same scope.
	Unseal(ciphertext []byte, s vault.Scope) ([]byte, error)
	// IsCurrent reports whether ciphertext is under the current primary key.
	IsCurrent(ciphertext []byte) bool
}

var _ Sealer = (*vault.Vault)(nil)

// Scopes. The vault binds every ciphertext to a tenant, a "connection" (the
// owner of the secret) and a field name; per-user credentials and tokens add
// the user to the field, so that one user's secret copied onto another
// user's row, or onto the owner's, does not decrypt.

// credentialScope is the scope of one field (its column's name) of k's
// credentials.
func credentialScope(k hrconnect.CredentialKey, field string) vault.Scope {
	return vault.Scope{Tenant: k.TenantID, Connection: k.ConnectionID, Field: userField(field, k.UserID)}
}

func tokenScope(k hrconnect.CredentialKey) vault.Scope {
	return vault.Scope{Tenant: k.TenantID, Connection: k.ConnectionID, Field: userField("access_token", k.UserID)}
}

// serviceScope is a custom service's client secret's scope: the service
// stands where a connection would ("service:<key>"; connection IDs start
// with "con_", so the two cannot meet).
func serviceScope(tenantID, key string) vault.Scope {
	return vault.Scope{Tenant: tenantID, Connection: "service:" + key, Field: "client_secret"}
}

func userField(field, userID string) string {
	if userID == "" {
		return field
	}
	return field + "/user:" + userID
}

// errNoVault is returned by every operation on a secret when the DB was
// opened without a vault.
var errNoVault = hrconnect.Errorf(hrconnect.EINTERNAL, "the database was opened without a vault, so secrets cannot be read or written")

func (db *DB) seal(plaintext []byte, s vault.Scope) ([]byte, error) {
	if db.vault == nil {
		return nil, errNoVault
	}
	ct, err := db.vault.Seal(plaintext, s)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return ct, nil
}

func (db *DB) unseal(ciphertext []byte, s vault.Scope) ([]byte, error) {
	if db.vault == nil {
		return nil, errNoVault
	}
	pt, err := db.vault.Unseal(ciphertext, s)
	if err != nil {
		return nil, fmt.Errorf("unseal: %w", err)
	}
	return pt, nil
}

// ReencryptBatch is how many rows ReencryptAll reads, and re-seals in one
// transaction, at a time.
const ReencryptBatch = 200

// sealedColumn is one column of vault ciphertexts, with its table's primary
// key and the scope each row's ciphertext is bound to.
type sealedColumn struct {
	table, column string
	key           []string
	scope         func(key []string) vault.Scope
}

// sealedColumns are every column of ciphertexts, for ReencryptAll.
var sealedColumns = func() []sealedColumn {
	var cols []sealedColumn
	for _, f := range credentialFields {
		cols = append(cols, sealedColumn{"credentials", f.column, []string{"tenant_id", "connection_id", "user_id"}, func(k []string) vault.Scope {
			return credentialScope(hrconnect.CredentialKey{TenantID: k[0], ConnectionID: k[1], UserID: k[2]}, f.column)
		}})
	}
	return append(cols, otherSealedColumns...)
}()

var otherSealedColumns = []sealedColumn{
	{"tokens", "access_token", []string{"tenant_id", "connection_id", "user_id"}, func(k []string) vault.Scope {
		return tokenScope(hrconnect.CredentialKey{TenantID: k[0], ConnectionID: k[1], UserID: k[2]})
	}},
	{"services", "client_secret", []string{"tenant_id", "key"}, func(k []string) vault.Scope {
		return serviceScope(k[0], k[1])
	}},
	{"webhook_endpoints", "secret", []string{"tenant_id", "id"}, func(k []string) vault.Scope {
		return webhookSecretScope(k[0], k[1])
	}},
}

// ReencryptAll re-seals, under the vault's current primary key, every secret
// sealed with an older key, and returns how many it re-sealed: the
// re-encryption step of "hrconnect keys rotate". It walks each table in
// primary-key order, ReencryptBatch rows at a time, and skips ciphertexts
// already current, so it can be stopped and run again at any point. A row
// changed concurrently (a new token, new credentials) is left alone: the
// update only applies if the ciphertext is still the one that was read, and
// whatever replaced it was sealed with the current key.
func (db *DB) ReencryptAll(ctx context.Context) (n int, err error) {
	if db.vault == nil {
		return 0, errNoVault
	}
	for _, c := range sealedColumns {
		m, err := db.reencryptColumn(ctx, c)
		n += m
		if err != nil {
			return n, fmt.Errorf("re-encrypt %s.%s: %w", c.table, c.column, err)
		}
	}
	return n, nil
}

// sealedRow is one row of a sealedColumn.
type sealedRow struct {
	key []string
	ct  []byte
}

func (db *DB) reencryptColumn(ctx context.Context, c sealedColumn) (n int, err error) {
	cols := strings.Join(c.key, ", ")
	placeholders := make([]string, len(c.key))
	conds := make([]string, len(c.key))
	for i, k := range c.key {
		placeholders[i] = fmt.Sprintf("$%d", i+1)
		conds[i] = fmt.Sprintf("%s = $%d", k, i+3)
	}
	// Row-value comparison walks the primary key in order; both databases
	// support it.
	page := fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s IS NOT NULL AND (%s) > (%s) ORDER BY %s LIMIT %d`,
		cols, c.column, c.table, c.column, cols, strings.Join(placeholders, ", "), cols, ReencryptBatch)
	update := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s`,
		c.table, c.column, c.column, strings.Join(conds, " AND "))

	after := make([]string, len(c.key)) // "" sorts before every key
	for {
		rows, err := db.sealedPage(ctx, page, after)
		if err != nil {
			return n, err
		}
		if len(rows) == 0 {
			return n, nil
		}
		after = rows[len(rows)-1].key

		var stale []sealedRow
		for _, r := range rows {
			if !db.vault.IsCurrent(r.ct) {
				stale = append(stale, r)
			}
		}
		if len(stale) == 0 {
			continue
		}
		resealed := 0
		err = db.InTx(ctx, func(tx *sql.Tx) error {
			for _, r := range stale {
				s := c.scope(r.key)
				pt, err := db.unseal(r.ct, s)
				if err != nil {
					return fmt.Errorf("row %s: %w", strings.Join(r.key, "/"), err)
				}
				ct, err := db.seal(pt, s)
				clear(pt)
				if err != nil {
					return fmt.Errorf("row %s: %w", strings.Join(r.key, "/"), err)
				}
				args := []any{ct, r.ct}
				for _, k := range r.key {
					args = append(args, k)
				}
				res, err := tx.ExecContext(ctx, update, args...)
				if err != nil {
					return fmt.Errorf("row %s: %w", strings.Join(r.key, "/"), err)
				}
				if m, _ := res.RowsAffected(); m > 0 {
					resealed++
				}
			}
			return nil
		})
		if err != nil {
			return n, err // the batch rolled back: none of it counts
		}
		n += resealed
	}
}

func (db *DB) sealedPage(ctx context.Context, query string, after []string) ([]sealedRow, error) {
	args := make([]any, len(after))
	for i, a := range after {
		args[i] = a
	}
	rows, err := db.ro.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []sealedRow
	for rows.Next() {
		r := sealedRow{key: make([]string, len(after))}
		dest := make([]any, 0, len(after)+1)
		for i := range r.key {
			dest = append(dest, &r.key[i])
		}
		dest = append(dest, &r.ct)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
