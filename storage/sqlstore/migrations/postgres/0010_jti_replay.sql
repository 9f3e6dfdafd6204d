-- The replay cache of JWT IDs (RFC 7523 §3, item 7): digest is the
-- SHA-256 digest of the jti, never the jti; expires_at is when it may be
-- forgotten, in microseconds since the Unix epoch (UTC). Purge deletes
-- the rows that expired.

CREATE TABLE jti_replays (
	digest     TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

CREATE INDEX jti_replays_expires_at ON jti_replays (expires_at);
