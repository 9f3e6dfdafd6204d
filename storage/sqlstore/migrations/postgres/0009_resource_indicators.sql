-- Resource indicators (RFC 8707): the resources an authorization code was
-- requested for, and those an access token is bound to (its audience) and
-- its refresh token may ask for, as JSON arrays of absolute URIs. Codes
-- and tokens stored before are bound to none; a NULL refresh_resource
-- means the token's resource.

ALTER TABLE authorization_codes ADD COLUMN resource TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tokens ADD COLUMN resource TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tokens ADD COLUMN refresh_resource TEXT;
