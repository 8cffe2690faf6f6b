-- Signing in, the REST API's keys, the audit log, and "Connect with Zoho"
-- redirects in progress.

ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE sessions (
	id         TEXT NOT NULL PRIMARY KEY, -- hash of the cookie's token
	tenant_id  TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX sessions_user ON sessions (tenant_id, user_id);

CREATE TABLE api_keys (
	tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id           TEXT NOT NULL,
	name         TEXT NOT NULL,
	prefix       TEXT NOT NULL,
	hash         BYTEA NOT NULL UNIQUE, -- SHA-256 of the key
	created_by   TEXT NOT NULL DEFAULT '',
	permissions  JSONB NOT NULL DEFAULT '[]',
	created_at   TIMESTAMPTZ NOT NULL,
	last_used_at TIMESTAMPTZ,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE audit_log (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	actor_id   TEXT NOT NULL DEFAULT '',
	actor_name TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	target     TEXT NOT NULL DEFAULT '',
	detail     TEXT NOT NULL DEFAULT '',
	at         TIMESTAMPTZ NOT NULL
);

CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);

CREATE TABLE pending_authorizations (
	state         TEXT NOT NULL PRIMARY KEY, -- hash of the state parameter
	session_id    TEXT NOT NULL,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	user_id       TEXT NOT NULL,
	service       TEXT NOT NULL,
	name          TEXT NOT NULL,
	data_centre   TEXT NOT NULL,
	client_id     TEXT NOT NULL,
	secret        BYTEA NOT NULL, -- sealed JSON of the client secret and PKCE verifier
	scopes        JSONB NOT NULL DEFAULT '[]',
	connection_id TEXT NOT NULL DEFAULT '',
	created_at    TIMESTAMPTZ NOT NULL,
	expires_at    TIMESTAMPTZ NOT NULL
);
