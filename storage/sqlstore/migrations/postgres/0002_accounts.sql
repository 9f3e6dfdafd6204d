-- Users who sign in, the consents they gave, one per user and client, and
-- settings shared by every process using the database (such as the key of
-- the session cookies). Times are microseconds since the Unix epoch (UTC).

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at    BIGINT NOT NULL
);

CREATE TABLE consents (
	subject    TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	scope      TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (subject, client_id)
);

CREATE TABLE settings (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
