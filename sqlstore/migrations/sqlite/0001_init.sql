-- hrconnect's schema on SQLite. Times are TEXT in UTC with six fractional
-- digits ("2006-01-02T15:04:05.000000Z"), which sort as they compare; lists
-- are JSON arrays in TEXT; secrets are vault ciphertexts in BLOB columns.
-- Every table is keyed by tenant_id first, and every query filters on it.

CREATE TABLE tenants (
	id         TEXT NOT NULL PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL
) STRICT;

CREATE TABLE users (
	tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id          TEXT NOT NULL,
	email       TEXT NOT NULL,
	name        TEXT NOT NULL,
	permissions TEXT NOT NULL DEFAULT '[]',
	created_at  TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE connections (
	tenant_id       TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id              TEXT NOT NULL,
	owner_id        TEXT,
	name            TEXT NOT NULL,
	link_name       TEXT NOT NULL,
	service         TEXT NOT NULL,
	scopes          TEXT NOT NULL DEFAULT '[]',
	data_centre     TEXT NOT NULL DEFAULT '',
	client_id       TEXT NOT NULL DEFAULT '',
	per_user        INTEGER NOT NULL DEFAULT 0,
	status          TEXT NOT NULL,
	last_error      TEXT NOT NULL DEFAULT '',
	last_resolution TEXT NOT NULL DEFAULT '',
	last_error_at   TEXT,
	last_refresh_at TEXT,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, link_name),
	FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
) STRICT;

CREATE INDEX connections_service ON connections (tenant_id, service);

-- One row per set of credentials: the owner's (user_id '') or one user's own
-- copy of a per-user connection. Each field is sealed on its own, bound to
-- its name; NULL when empty.
CREATE TABLE credentials (
	tenant_id           TEXT NOT NULL,
	connection_id       TEXT NOT NULL,
	user_id             TEXT NOT NULL DEFAULT '',
	client_secret       BLOB,
	refresh_token       BLOB,
	api_key             BLOB,
	username            BLOB,
	password            BLOB,
	oauth1_token        BLOB,
	oauth1_token_secret BLOB,
	created_at          TEXT NOT NULL,
	updated_at          TEXT NOT NULL,
	PRIMARY KEY (tenant_id, connection_id, user_id),
	FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX credentials_user ON credentials (tenant_id, user_id);

-- The cached access token of one set of credentials. A row with a NULL
-- access_token holds no token: it exists to carry the lock. lock_holder and
-- lock_until are LockToken's lease (SQLite only; PostgreSQL locks the row).
CREATE TABLE tokens (
	tenant_id     TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	user_id       TEXT NOT NULL DEFAULT '',
	access_token  BLOB,
	expiry        TEXT,
	refreshes     TEXT NOT NULL DEFAULT '[]',
	generation    INTEGER NOT NULL DEFAULT 0,
	refused       TEXT NOT NULL DEFAULT '',
	updated_at    TEXT NOT NULL,
	lock_holder   TEXT,
	lock_until    TEXT,
	PRIMARY KEY (tenant_id, connection_id, user_id),
	FOREIGN KEY (tenant_id, connection_id, user_id)
		REFERENCES credentials (tenant_id, connection_id, user_id) ON DELETE CASCADE
) STRICT;

-- History outlives its connection: no foreign key to connections.
CREATE TABLE connection_events (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	connection_id TEXT NOT NULL,
	actor_id      TEXT NOT NULL DEFAULT '',
	kind          TEXT NOT NULL,
	message       TEXT NOT NULL,
	at            TEXT NOT NULL
) STRICT;

CREATE INDEX connection_events_connection ON connection_events (tenant_id, connection_id, id);

CREATE TABLE services (
	tenant_id         TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	key               TEXT NOT NULL,
	name              TEXT NOT NULL,
	auth_type         TEXT NOT NULL,
	param_type        TEXT NOT NULL DEFAULT '',
	param_name        TEXT NOT NULL DEFAULT '',
	token_prefix      TEXT NOT NULL DEFAULT '',
	base_urls         TEXT NOT NULL DEFAULT '[]',
	authorize_url     TEXT NOT NULL DEFAULT '',
	token_url         TEXT NOT NULL DEFAULT '',
	refresh_url       TEXT NOT NULL DEFAULT '',
	revoke_url        TEXT NOT NULL DEFAULT '',
	scopes            TEXT NOT NULL DEFAULT '[]',
	scope_delimiter   TEXT NOT NULL DEFAULT '',
	request_token_url TEXT NOT NULL DEFAULT '',
	access_token_url  TEXT NOT NULL DEFAULT '',
	client_id         TEXT NOT NULL DEFAULT '',
	client_secret     BLOB NOT NULL,
	created_at        TEXT NOT NULL,
	updated_at        TEXT NOT NULL,
	PRIMARY KEY (tenant_id, key)
) STRICT;
