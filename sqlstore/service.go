package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"hrconnect"
)

// serviceColumns are read by scanService, in its order.
const serviceColumns = `tenant_id, key, name, auth_type, param_type, param_name, token_prefix, base_urls,
	authorize_url, token_url, refresh_url, revoke_url, scopes, scope_delimiter, request_token_url, access_token_url,
	client_id, created_at, updated_at`

func scanService(row interface{ Scan(...any) error }) (*hrconnect.Service, error) {
	s := &hrconnect.Service{}
	err := row.Scan(&s.TenantID, &s.Key, &s.Name, &s.AuthType, &s.ParamType, &s.ParamName, &s.TokenPrefix, jsonDest(&s.BaseURLs),
		&s.AuthorizeURL, &s.TokenURL, &s.RefreshURL, &s.RevokeURL, jsonDest(&s.Scopes), &s.ScopeDelimiter, &s.RequestTokenURL, &s.AccessTokenURL,
		&s.ClientID, timeDest(&s.CreatedAt), timeDest(&s.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return s, nil
}

func serviceNotFound(key string) error {
	return hrconnect.Errorf(hrconnect.ENOTFOUND, "no custom service with key %q in this tenant", key)
}

// CreateService inserts a tenant's custom service, assigning its times, with
// its client secret (may be empty) sealed. A key already used in the tenant,
// or a default service's key, is ECONFLICT.
func (db *DB) CreateService(ctx context.Context, s *hrconnect.Service, clientSecret string) error {
	switch {
	case s.TenantID == "":
		return hrconnect.Invalid("tenant_id", "A custom service needs a tenant.")
	case s.Key == "":
		return hrconnect.Invalid("key", "A custom service needs a key.")
	case s.AuthType == "":
		return hrconnect.Invalid("auth_type", "A custom service needs an authentication type.")
	case s.Key == hrconnect.ServiceZohoPeople || s.Key == hrconnect.ServiceZohoRecruit:
		return keyTaken(s.Key)
	}
	baseURLs, err := jsonArg(s.BaseURLs)
	if err != nil {
		return fmt.Errorf("create service: %w", err)
	}
	scopes, err := jsonArg(s.Scopes)
	if err != nil {
		return fmt.Errorf("create service: %w", err)
	}
	secret, err := db.seal([]byte(clientSecret), serviceScope(s.TenantID, s.Key))
	if err != nil {
		return err
	}
	now := truncTime(db.now())
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		if err := requireTenant(ctx, tx, s.TenantID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO services (`+serviceColumns+`, client_secret)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
			s.TenantID, s.Key, s.Name, s.AuthType, s.ParamType, s.ParamName, s.TokenPrefix, baseURLs,
			s.AuthorizeURL, s.TokenURL, s.RefreshURL, s.RevokeURL, scopes, s.ScopeDelimiter, s.RequestTokenURL, s.AccessTokenURL,
			s.ClientID, timeArg(now), timeArg(now), secret)
		if db.dialect.isUniqueViolation(err) {
			return keyTaken(s.Key)
		} else if err != nil {
			return fmt.Errorf("create service: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.CreatedAt, s.UpdatedAt = now, now
	return nil
}

func keyTaken(key string) error {
	return &hrconnect.Error{
		Code:    hrconnect.ECONFLICT,
		Field:   "key",
		Message: fmt.Sprintf("a service with key %q already exists in this tenant; choose another key", key),
	}
}

// Service returns a tenant's custom service by key, or ENOTFOUND.
func (db *DB) Service(ctx context.Context, tenantID, key string) (*hrconnect.Service, error) {
	s, err := scanService(db.ro.QueryRowContext(ctx,
		`SELECT `+serviceColumns+` FROM services WHERE tenant_id = $1 AND key = $2`, tenantID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, serviceNotFound(key)
	} else if err != nil {
		return nil, fmt.Errorf("read service: %w", err)
	}
	return s, nil
}

// ServiceSecret returns a custom service's decrypted client secret, or
// ENOTFOUND.
func (db *DB) ServiceSecret(ctx context.Context, tenantID, key string) (string, error) {
	var ct []byte
	err := db.ro.QueryRowContext(ctx, `SELECT client_secret FROM services WHERE tenant_id = $1 AND key = $2`,
		tenantID, key).Scan(&ct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", serviceNotFound(key)
	} else if err != nil {
		return "", fmt.Errorf("read service: %w", err)
	}
	pt, err := db.unseal(ct, serviceScope(tenantID, key))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

// Services lists a tenant's custom services by name (see byName).
func (db *DB) Services(ctx context.Context, tenantID string) ([]*hrconnect.Service, error) {
	rows, err := db.ro.QueryContext(ctx,
		`SELECT `+serviceColumns+` FROM services WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	defer rows.Close()
	var out []*hrconnect.Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, fmt.Errorf("list services: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	slices.SortFunc(out, func(a, b *hrconnect.Service) int { return byName(a.Name, a.Key, b.Name, b.Key) })
	return out, nil
}

// DeleteService removes a tenant's custom service: ECONFLICT while
// connections use it, ENOTFOUND when there is no such service.
func (db *DB) DeleteService(ctx context.Context, tenantID, key string) error {
	return db.InTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM connections WHERE tenant_id = $1 AND service = $2`,
			tenantID, key).Scan(&n); err != nil {
			return fmt.Errorf("delete service: %w", err)
		}
		if n > 0 {
			return &hrconnect.Error{
				Code:       hrconnect.ECONFLICT,
				Message:    fmt.Sprintf("Service %q is used by %d connection(s).", key, n),
				Resolution: "Delete those connections first, then the service.",
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM services WHERE tenant_id = $1 AND key = $2`, tenantID, key)
		if err != nil {
			return fmt.Errorf("delete service: %w", err)
		}
		if m, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete service: %w", err)
		} else if m == 0 {
			return serviceNotFound(key)
		}
		return nil
	})
}
