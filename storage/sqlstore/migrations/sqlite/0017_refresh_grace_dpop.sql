-- Refresh token grace period: a refresh token rotated with a grace period
-- keeps the ID of its successor, the successor's token response sealed by
-- the server (with a key only the old refresh token yields), and the end
-- of the period, in microseconds since the epoch. NULL when rotated
-- without one.

ALTER TABLE tokens ADD COLUMN successor_id TEXT;
ALTER TABLE tokens ADD COLUMN successor_sealed TEXT;
ALTER TABLE tokens ADD COLUMN grace_until INTEGER;

-- DPoP (RFC 9449): the JWK SHA-256 thumbprint of the key a token is bound
-- to, its cnf.jkt; NULL for bearer tokens.

ALTER TABLE tokens ADD COLUMN jkt TEXT;
