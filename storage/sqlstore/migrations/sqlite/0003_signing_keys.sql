-- Signing keys of the server. private_key holds the sealed private key,
-- never the key itself. retired_at and expires_at are NULL while the key is
-- in use. Times are microseconds since the Unix epoch (UTC).

CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_key BLOB NOT NULL,
	created_at  INTEGER NOT NULL,
	activate_at INTEGER NOT NULL,
	retired_at  INTEGER,
	expires_at  INTEGER
) STRICT;
