-- Pushed authorization requests (RFC 9126). hash is the SHA-256 digest of
-- the request_uri, never the URI; params is a JSON object of strings;
-- signed is 1 when the parameters came from a verified request object
-- (RFC 9101). Times are microseconds since the Unix epoch (UTC). A row is
-- deleted when its request_uri is used.

CREATE TABLE pushed_requests (
	hash       TEXT PRIMARY KEY,
	client_id  TEXT NOT NULL,
	params     TEXT NOT NULL,
	signed     INTEGER NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);

CREATE INDEX pushed_requests_expires_at ON pushed_requests (expires_at);
