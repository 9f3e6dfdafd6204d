-- The OpenID Connect claims of each user (Core 1.0 §5.1), as a JSON object
-- in the encoding of storage.Claims: the members that are set, updated_at
-- in seconds since the Unix epoch. Users created before have none.

ALTER TABLE users ADD COLUMN claims TEXT NOT NULL DEFAULT '{}';
