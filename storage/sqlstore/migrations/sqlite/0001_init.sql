-- Clients, authorization codes, tokens and revoked families. Times are microseconds since
-- the Unix epoch (UTC); a NULL time is the zero time. Codes and tokens are
-- kept under the SHA-256 digests of the credentials, never the credentials.

CREATE TABLE clients (
	id             TEXT PRIMARY KEY,
	secret_hash    TEXT NOT NULL,
	name           TEXT NOT NULL,
	redirect_uris  TEXT NOT NULL,
	grant_types    TEXT NOT NULL,
	response_types TEXT NOT NULL,
	scope          TEXT NOT NULL,
	auth_method    TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE authorization_codes (
	hash                  TEXT PRIMARY KEY,
	family_id             TEXT NOT NULL,
	client_id             TEXT NOT NULL,
	redirect_uri          TEXT NOT NULL,
	scope                 TEXT NOT NULL,
	subject               TEXT NOT NULL,
	auth_time             INTEGER,
	nonce                 TEXT NOT NULL,
	code_challenge        TEXT NOT NULL,
	code_challenge_method TEXT NOT NULL,
	extra                 TEXT,
	created_at            INTEGER NOT NULL,
	expires_at            INTEGER NOT NULL,
	used_at               INTEGER
) STRICT;

CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);
CREATE INDEX authorization_codes_family_id ON authorization_codes (family_id) WHERE family_id <> '';

CREATE TABLE tokens (
	id                 TEXT PRIMARY KEY,
	family_id          TEXT NOT NULL,
	client_id          TEXT NOT NULL,
	subject            TEXT NOT NULL,
	grant_type         TEXT NOT NULL,
	scope              TEXT NOT NULL,
	refresh_scope      TEXT,
	access_hash        TEXT NOT NULL UNIQUE,
	refresh_hash       TEXT UNIQUE,
	issued_at          INTEGER NOT NULL,
	expires_at         INTEGER NOT NULL,
	refresh_expires_at INTEGER,
	revoked            INTEGER NOT NULL DEFAULT 0,
	extra              TEXT
) STRICT;

CREATE INDEX tokens_family_id ON tokens (family_id) WHERE family_id <> '';
CREATE INDEX tokens_expires_at ON tokens (expires_at);

-- A revoked family stays revoked: a token stored in it later is stored
-- revoked. Purge drops the mark once nothing of the family remains.
CREATE TABLE revoked_families (
	family_id  TEXT PRIMARY KEY,
	revoked_at INTEGER NOT NULL
) STRICT;
