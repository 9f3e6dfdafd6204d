-- A hash of the ID form with the token's own ID in front (secret.Digest
-- of a token from secret.TokenWithID, as the server issues them) is found
-- by the primary key: its first 22 characters are the token's ID. The
-- hash indexes keep only the other hashes, so that the common token adds
-- no entry to them. The queries repeat these predicates, so that the
-- indexes serve them.

ALTER TABLE tokens DROP CONSTRAINT tokens_access_hash;
CREATE UNIQUE INDEX tokens_access_hash ON tokens (access_hash)
	WHERE substr(access_hash, 1, 23) <> id || '.';
DROP INDEX tokens_refresh_hash;
CREATE UNIQUE INDEX tokens_refresh_hash ON tokens (refresh_hash)
	WHERE substr(refresh_hash, 1, 23) <> id || '.';
