-- hrconnect's schema on PostgreSQL: the same tables as on SQLite, with
-- TIMESTAMPTZ times (microsecond precision), JSONB lists and BYTEA secrets
-- (vault ciphertexts). Every table is keyed by tenant_id first, and every
-- query filters on it.

CREATE TABLE tenants (
	id         TEXT NOT NULL PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
	tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	email       TEXT NOT NULL,
	name        TEXT NOT NULL,
	permissions JSONB NOT NULL DEFAULT '[]',
	created_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE connections (
	tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id              TEXT NOT NULL,
	owner_id        TEXT,
	name            TEXT NOT NULL,
	link_name       TEXT NOT NULL,
	service         TEXT NOT NULL,
	scopes          JSONB NOT NULL DEFAULT '[]',
	data_centre     TEXT NOT NULL DEFAULT '',
	client_id       TEXT NOT NULL DEFAULT '',
	per_user        BOOLEAN NOT NULL DEFAULT false,
	status          TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	last_resolution TEXT NOT NULL DEFAULT '',
	last_error_at   TIMESTAMPTZ,
	last_refresh_at TIMESTAMPTZ,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, link_name),
	FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX connections_service ON connections (tenant_id, service);

-- One row per set of credentials: the owner's (user_id '') or one user's own
-- copy of a per-user connection. Each field is sealed on its own, bound to
-- its name; NULL when empty.
CREATE TABLE credentials (
	tenant_id           TEXT NOT NULL,
	connection_id       TEXT NOT NULL,
	user_id             TEXT NOT NULL DEFAULT '',
	client_secret       BYTEA,
	refresh_token       BYTEA,
	api_key             BYTEA,
	username            BYTEA,
	password            BYTEA,
	oauth1_token        BYTEA,
	oauth1_token_secret BYTEA,
	created_at          TIMESTAMPTZ NOT NULL,
	updated_at          TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (tenant_id, connection_id, user_id),
	FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX credentials_user ON credentials (tenant_id, user_id);

-- The cached access token of one set of credentials. A row with a NULL
-- access_token holds no token: it exists to be locked (SELECT … FOR UPDATE)
-- by LockToken.
CREATE TABLE tokens (
	tenant_id     TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	user_id       TEXT NOT NULL DEFAULT '',
	access_token  BYTEA,
	expiry        TIMESTAMPTZ,
	refreshes     JSONB NOT NULL DEFAULT '[]',
	generation    BIGINT NOT NULL DEFAULT 0,
	refused       TEXT NOT NULL DEFAULT '',
	updated_at    TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (tenant_id, connection_id, user_id),
	FOREIGN KEY (tenant_id, connection_id, user_id)
		REFERENCES credentials (tenant_id, connection_id, user_id) ON DELETE CASCADE
);

-- History outlives its connection: no foreign key to connections.
CREATE TABLE connection_events (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	connection_id TEXT NOT NULL,
	actor_id      TEXT NOT NULL DEFAULT '',
	kind          TEXT NOT NULL,
	message       TEXT NOT NULL,
	at            TIMESTAMPTZ NOT NULL
);

CREATE INDEX connection_events_connection ON connection_events (tenant_id, connection_id, id);

CREATE TABLE services (
	tenant_id         TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	key               TEXT NOT NULL,
	name              TEXT NOT NULL,
	auth_type         TEXT NOT NULL,
	param_type        TEXT NOT NULL DEFAULT '',
	param_name        TEXT NOT NULL DEFAULT '',
	token_prefix      TEXT NOT NULL DEFAULT '',
	base_urls         JSONB NOT NULL DEFAULT '[]',
	authorize_url     TEXT NOT NULL DEFAULT '',
	token_url         TEXT NOT NULL DEFAULT '',
	refresh_url       TEXT NOT NULL DEFAULT '',
	revoke_url        TEXT NOT NULL DEFAULT '',
	scopes            JSONB NOT NULL DEFAULT '[]',
	scope_delimiter   TEXT NOT NULL DEFAULT '',
	request_token_url TEXT NOT NULL DEFAULT '',
	access_token_url  TEXT NOT NULL DEFAULT '',
	client_id         TEXT NOT NULL DEFAULT '',
	client_secret     BYTEA NOT NULL,
	created_at        TIMESTAMPTZ NOT NULL,
	updated_at        TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (tenant_id, key)
);
