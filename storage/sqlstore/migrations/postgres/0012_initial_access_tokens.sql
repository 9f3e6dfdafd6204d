-- Initial access tokens of protected client registration (RFC 7591 §3).
-- hash is the SHA-256 digest of the token, never the token; id names it
-- for listing and revoking. Times are microseconds since the Unix epoch
-- (UTC); expires_at is NULL for a token that never expires.

CREATE TABLE initial_access_tokens (
	id          TEXT PRIMARY KEY,
	hash        TEXT NOT NULL UNIQUE,
	description TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT
);
