package oauth2

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// randomString returns n random bytes from crypto/rand, base64url-encoded.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth2: random source: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
