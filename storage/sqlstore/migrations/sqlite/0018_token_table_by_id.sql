-- The tokens table is kept in the order of its primary key, the token ID
-- (WITHOUT ROWID), instead of in a table of its own beside an index of the
-- IDs: one B-tree fewer to write at every insert. Token IDs are made in
-- the order of time (secret.OrderedID), so a new token is written at the
-- end of that tree. The refresh hash is indexed only where there is one:
-- most tokens (client_credentials) have none, and the NULLs of a UNIQUE
-- column were entries of its index all the same.

CREATE TABLE tokens_by_id (
	id                 TEXT PRIMARY KEY,
	family_id          TEXT NOT NULL,
	client_id          TEXT NOT NULL,
	subject            TEXT NOT NULL,
	grant_type         TEXT NOT NULL,
	scope              TEXT NOT NULL,
	refresh_scope      TEXT,
	access_hash        TEXT NOT NULL,
	refresh_hash       TEXT,
	issued_at          INTEGER NOT NULL,
	expires_at         INTEGER NOT NULL,
	refresh_expires_at INTEGER,
	revoked            INTEGER NOT NULL DEFAULT 0,
	extra              TEXT,
	resource           TEXT NOT NULL DEFAULT '[]',
	refresh_resource   TEXT,
	successor_id       TEXT,
	successor_sealed   TEXT,
	grace_until        INTEGER,
	jkt                TEXT
) STRICT, WITHOUT ROWID;

INSERT INTO tokens_by_id (id, family_id, client_id, subject, grant_type, scope, refresh_scope,
	access_hash, refresh_hash, issued_at, expires_at, refresh_expires_at, revoked, extra, resource,
	refresh_resource, successor_id, successor_sealed, grace_until, jkt)
SELECT id, family_id, client_id, subject, grant_type, scope, refresh_scope,
	access_hash, refresh_hash, issued_at, expires_at, refresh_expires_at, revoked, extra, resource,
	refresh_resource, successor_id, successor_sealed, grace_until, jkt
FROM tokens ORDER BY id;

DROP TABLE tokens;
ALTER TABLE tokens_by_id RENAME TO tokens;

CREATE UNIQUE INDEX tokens_access_hash ON tokens (access_hash);
CREATE UNIQUE INDEX tokens_refresh_hash ON tokens (refresh_hash) WHERE refresh_hash IS NOT NULL;
CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE INDEX tokens_family_id ON tokens (family_id) WHERE family_id <> id;
