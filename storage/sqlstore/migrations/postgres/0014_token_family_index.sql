-- Most tokens begin their own family (family_id = id): a client_credentials
-- token, the first token of a password or device grant. Indexing their
-- family_id again, under a random key, cost every insert a page write and
-- found nothing the primary key does not. The index now holds the tokens
-- that join a family begun before them (the tokens of a code, the tokens of
-- a rotation); a family is found through both (see revokeFamily). The old
-- predicate (family_id <> '') is one SQLite could never prove from
-- family_id = ?, so it never used the index; queries now repeat the new one.
DROP INDEX tokens_family_id;
CREATE INDEX tokens_family_id ON tokens (family_id) WHERE family_id <> id;
