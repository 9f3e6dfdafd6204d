-- The refresh hash is indexed only where there is one: most tokens
-- (client_credentials) have none. The access hash keeps its unique index
-- under the name SQLite gives it. (On SQLite this migration also keeps the
-- table in the order of the token ID; PostgreSQL tables have no such
-- order, and its primary key index is all it needs.)

ALTER TABLE tokens DROP CONSTRAINT tokens_refresh_hash_key;
CREATE UNIQUE INDEX tokens_refresh_hash ON tokens (refresh_hash) WHERE refresh_hash IS NOT NULL;
ALTER TABLE tokens RENAME CONSTRAINT tokens_access_hash_key TO tokens_access_hash;
