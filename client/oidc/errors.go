package oidc

import "errors"

// Errors of discovery, ID token validation and UserInfo. They are wrapped
// with detail; test for them with errors.Is. Signature failures wrap the
// errors of package keyset (keyset.ErrSignature, keyset.ErrAlgorithm,
// keyset.ErrUnknownKey, keyset.ErrMalformed).
var (
	ErrMetadata        = errors.New("oidc: invalid provider metadata")
	ErrIssuerMismatch  = errors.New("oidc: issuer mismatch")
	ErrClaims          = errors.New("oidc: malformed ID token claims")
	ErrTokenType       = errors.New("oidc: token typed as another kind of JWT")
	ErrIssuer          = errors.New("oidc: wrong ID token issuer")
	ErrAudience        = errors.New("oidc: ID token not meant for this client")
	ErrAuthorizedParty = errors.New("oidc: wrong or missing azp")
	ErrExpired         = errors.New("oidc: ID token expired")
	ErrIssuedAt        = errors.New("oidc: ID token issued in the future")
	ErrNotYetValid     = errors.New("oidc: ID token not yet valid")
	ErrNonce           = errors.New("oidc: nonce mismatch")
	ErrAuthTime        = errors.New("oidc: authentication too old or auth_time missing")
	ErrAccessTokenHash = errors.New("oidc: at_hash mismatch")
	ErrCodeHash        = errors.New("oidc: c_hash mismatch")
	ErrNoIDToken       = errors.New("oidc: token response has no id_token")
	ErrUserInfo        = errors.New("oidc: invalid UserInfo response")
	ErrSubject         = errors.New("oidc: UserInfo sub differs from the ID token's")
)
