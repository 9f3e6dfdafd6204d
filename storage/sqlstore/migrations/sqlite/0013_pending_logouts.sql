-- Back-channel logouts still to be sent (OpenID Connect Back-Channel
-- Logout 1.0): one row per ended session that signed in to a client,
-- inserted in the transaction that deletes the session, deleted once its
-- clients were told. clients is a JSON array of client IDs. claimed_until
-- is the end of the claim of the process sending it, 0 when unclaimed.
-- Times are microseconds since the Unix epoch (UTC).

CREATE TABLE pending_logouts (
	session_id    TEXT PRIMARY KEY,
	subject       TEXT NOT NULL,
	clients       TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	claimed_until INTEGER NOT NULL
) STRICT;

CREATE INDEX pending_logouts_claim ON pending_logouts (claimed_until, created_at);
