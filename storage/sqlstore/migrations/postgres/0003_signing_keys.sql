-- Signing keys of the server. private_key holds the sealed private key,
-- never the key itself. retired_at and expires_at are NULL while the key is
-- in use. Times are microseconds since the Unix epoch (UTC).

CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_key BYTEA NOT NULL,
	created_at  BIGINT NOT NULL,
	activate_at BIGINT NOT NULL,
	retired_at  BIGINT,
	expires_at  BIGINT
);
