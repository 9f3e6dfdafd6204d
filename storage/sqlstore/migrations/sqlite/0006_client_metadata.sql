-- OpenID Connect registration metadata of clients (OpenID Connect Dynamic
-- Client Registration 1.0 §2, RP-Initiated Logout 1.0 §3.1, Back-Channel
-- Logout 1.0 §2.2). Empty strings and an empty JSON array ask for nothing;
-- clients stored before keep those defaults.

ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN sector_identifier_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required INTEGER NOT NULL DEFAULT 0;
