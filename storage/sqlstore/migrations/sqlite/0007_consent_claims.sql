-- The OpenID Connect claims a user agreed to release to a client beyond
-- those its scope gives (Core 1.0 §5.5), as a JSON array of claim names,
-- sorted, without duplicates. Consents stored before release none.

ALTER TABLE consents ADD COLUMN claims TEXT NOT NULL DEFAULT '[]';
