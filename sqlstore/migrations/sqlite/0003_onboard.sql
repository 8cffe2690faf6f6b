-- Onboarding: workflows and their stages, job posts, applicants, their
-- applications, each HR connection's field mapping, and transfers (one
-- applicant created as an employee in one HR connection) with their log.
-- Stages and transfers name connections without a foreign key: a transfer's
-- history outlives its connection, and a stage's link is checked in Go.

CREATE TABLE workflows (
	tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	id         TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id)
) STRICT;

CREATE TABLE stages (
	tenant_id     TEXT NOT NULL,
	id            TEXT NOT NULL,
	workflow_id   TEXT NOT NULL,
	position      INTEGER NOT NULL,
	name          TEXT NOT NULL,
	connection_id TEXT NOT NULL DEFAULT '', -- the HR action: create the employee there
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, workflow_id, position),
	FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE job_posts (
	tenant_id        TEXT NOT NULL,
	id               TEXT NOT NULL,
	title            TEXT NOT NULL,
	workflow_id      TEXT NOT NULL,
	hr_connection_id TEXT NOT NULL DEFAULT '',
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id)
) STRICT;

-- Applicants are keyed by the ATS's own ID.
CREATE TABLE applicants (
	tenant_id     TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
	applicant_id  TEXT NOT NULL,
	first_name    TEXT NOT NULL DEFAULT '',
	surname       TEXT NOT NULL DEFAULT '',
	email         TEXT NOT NULL DEFAULT '',
	phone         TEXT NOT NULL DEFAULT '',
	job_title     TEXT NOT NULL DEFAULT '',
	department    TEXT NOT NULL DEFAULT '',
	start_date    TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD
	date_of_birth TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD
	custom        TEXT NOT NULL DEFAULT '{}',
	created_at    TEXT NOT NULL,
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (tenant_id, applicant_id)
) STRICT;

CREATE TABLE applications (
	tenant_id    TEXT NOT NULL,
	id           TEXT NOT NULL,
	applicant_id TEXT NOT NULL,
	job_post_id  TEXT NOT NULL,
	stage_id     TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	updated_at   TEXT NOT NULL,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, applicant_id) REFERENCES applicants (tenant_id, applicant_id) ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, job_post_id) REFERENCES job_posts (tenant_id, id) ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, stage_id) REFERENCES stages (tenant_id, id)
) STRICT;

CREATE INDEX applications_applicant ON applications (tenant_id, applicant_id);

CREATE TABLE field_mappings (
	tenant_id     TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	form          TEXT NOT NULL,
	fields        TEXT NOT NULL DEFAULT '[]',
	is_direct_add INTEGER NOT NULL DEFAULT 0,
	is_non_user   INTEGER NOT NULL DEFAULT 0,
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (tenant_id, connection_id),
	FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id) ON DELETE CASCADE
) STRICT;

-- One transfer per application per connection, as a database fact.
CREATE TABLE transfers (
	tenant_id      TEXT NOT NULL,
	id             TEXT NOT NULL,
	application_id TEXT NOT NULL,
	applicant_id   TEXT NOT NULL,
	connection_id  TEXT NOT NULL,
	actor_id       TEXT NOT NULL DEFAULT '',
	state          TEXT NOT NULL,
	attempts       INTEGER NOT NULL DEFAULT 0,
	record         TEXT NOT NULL DEFAULT '[]', -- the fields sent; never secrets
	reply          TEXT NOT NULL DEFAULT '',
	zoho_record_id TEXT NOT NULL DEFAULT '',
	last_error     TEXT NOT NULL DEFAULT '',
	resolution     TEXT NOT NULL DEFAULT '',
	insert_unsure  INTEGER NOT NULL DEFAULT 0,
	created_at     TEXT NOT NULL,
	updated_at     TEXT NOT NULL,
	finished_at    TEXT,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, application_id, connection_id),
	FOREIGN KEY (tenant_id, application_id) REFERENCES applications (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX transfers_connection ON transfers (tenant_id, connection_id, state);

CREATE TABLE transfer_attempts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL,
	transfer_id TEXT NOT NULL,
	at          TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	message     TEXT NOT NULL DEFAULT '',
	FOREIGN KEY (tenant_id, transfer_id) REFERENCES transfers (tenant_id, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX transfer_attempts_transfer ON transfer_attempts (tenant_id, transfer_id, id);

-- A connection's lock-out at the HR system (Zoho People's 7209): until
-- blocked_until every transfer of the connection waits instead of calling.
CREATE TABLE connection_blocks (
	tenant_id     TEXT NOT NULL,
	connection_id TEXT NOT NULL,
	blocked_until TEXT NOT NULL,
	reason        TEXT NOT NULL DEFAULT '',
	updated_at    TEXT NOT NULL,
	PRIMARY KEY (tenant_id, connection_id)
) STRICT;
