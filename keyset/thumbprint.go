package keyset

import (
	"crypto"
	"encoding/base64"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// Thumbprint returns the RFC 7638 JWK thumbprint of a public key: the
// base64url-encoded SHA-256 hash of its required JWK members in
// lexicographic order (RFC 7638 §3).
func Thumbprint(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keyset: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}
