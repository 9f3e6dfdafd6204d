-- Device authorizations (RFC 8628). device_code_hash and user_code_hash are
-- the SHA-256 digests of the device code and of the normalised user code,
-- never the codes; scope and granted_scope are space separated; status is
-- pending, approved, denied or used; extra is a JSON object of strings set
-- by the user's approval. interval_ms is the least time between polls,
-- grown by slow_down. Times are microseconds since the Unix epoch (UTC);
-- a NULL time is the zero time.

CREATE TABLE device_authorizations (
	device_code_hash TEXT PRIMARY KEY,
	user_code_hash   TEXT NOT NULL UNIQUE,
	client_id        TEXT NOT NULL,
	scope            TEXT NOT NULL,
	status           TEXT NOT NULL,
	subject          TEXT NOT NULL,
	granted_scope    TEXT NOT NULL,
	auth_time        BIGINT,
	extra            TEXT,
	interval_ms      BIGINT NOT NULL,
	last_poll        BIGINT,
	created_at       BIGINT NOT NULL,
	expires_at       BIGINT NOT NULL
);

CREATE INDEX device_authorizations_expires_at ON device_authorizations (expires_at);
CREATE INDEX device_authorizations_client_id ON device_authorizations (client_id);
CREATE INDEX device_authorizations_subject ON device_authorizations (subject) WHERE subject <> '';
