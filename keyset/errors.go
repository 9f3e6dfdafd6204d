package keyset

import "errors"

// Errors returned by verification and key lookup. They are wrapped with
// detail; test for them with errors.Is.
var (
	// ErrMalformed means the token is not a JWS in compact serialization.
	ErrMalformed = errors.New("keyset: malformed JWS")
	// ErrAlgorithm means the token's alg header is not one of the allowed
	// algorithms.
	ErrAlgorithm = errors.New("keyset: signature algorithm not allowed")
	// ErrUnknownKey means no key matches the token's kid header.
	ErrUnknownKey = errors.New("keyset: unknown signing key")
	// ErrSignature means no candidate key verifies the signature.
	ErrSignature = errors.New("keyset: invalid signature")
	// ErrNoActiveKey means a set has no active signing key.
	ErrNoActiveKey = errors.New("keyset: no active signing key")
	// ErrFetch means a remote JWK Set could not be fetched or parsed.
	ErrFetch = errors.New("keyset: fetching JWK Set failed")
)
