package oauth2

import (
	"crypto/sha256"
	"encoding/base64"
)

// PKCE code challenge methods (RFC 7636 §4.2).
const (
	PKCES256  = "S256"
	PKCEPlain = "plain"
)

// NewCodeVerifier returns a code verifier of 43 characters made from 32
// random bytes (RFC 7636 §4.1).
func NewCodeVerifier() (string, error) {
	return randomString(32)
}

// CodeChallenge returns the code challenge for verifier: the base64url
// SHA-256 of it for PKCES256, the verifier itself for PKCEPlain (RFC 7636
// §4.2).
func CodeChallenge(method, verifier string) string {
	if method == PKCEPlain {
		return verifier
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
