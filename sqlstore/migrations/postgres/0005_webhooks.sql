-- Outgoing webhooks: a tenant's endpoints, each event's delivery to each
-- endpoint, and every attempt of a delivery. The signing secret is a vault
-- ciphertext bound to the tenant and the endpoint; payloads are kept as the
-- exact bytes sent (TEXT, not JSON), so that a retry sends the same body.

CREATE TABLE webhook_endpoints (
	tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	url        TEXT NOT NULL,
	events     JSONB NOT NULL DEFAULT '[]',
	enabled    BOOLEAN NOT NULL DEFAULT true,
	secret     BYTEA NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
	tenant_id    TEXT NOT NULL,
	id           TEXT NOT NULL,
	endpoint_id  TEXT NOT NULL,
	event_id     TEXT NOT NULL,
	event        TEXT NOT NULL,
	payload      TEXT NOT NULL,
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_status  INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	delivered_at TIMESTAMPTZ,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, endpoint_id, event_id),
	FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, created_at);

CREATE TABLE webhook_attempts (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id   TEXT NOT NULL,
	delivery_id TEXT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms BIGINT NOT NULL DEFAULT 0,
	FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (tenant_id, delivery_id, id);
