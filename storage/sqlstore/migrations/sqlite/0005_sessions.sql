-- Sign-in sessions of browsers. hash is the SHA-256 digest of the token in
-- the browser's cookie, never the token; id is the public session ID (the
-- OpenID Connect sid). amr and clients are JSON arrays of strings, clients
-- in the order the session signed in to them. Times are microseconds
-- since the Unix epoch (UTC).

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,
	subject    TEXT NOT NULL,
	auth_time  INTEGER NOT NULL,
	acr        TEXT NOT NULL,
	amr        TEXT NOT NULL,
	clients    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_subject ON sessions (subject);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
