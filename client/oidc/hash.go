package oidc

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"

	"github.com/grantry/grantry/keyset"
)

// tokenHash computes an at_hash or c_hash: the base64url encoding of the
// left half of the hash of value, with the hash function of the ID token's
// signature algorithm (OpenID Connect Core 1.0 §3.1.3.6, §3.3.2.11).
func tokenHash(alg keyset.Algorithm, value string) (string, error) {
	h := alg.Hash()
	if h == 0 || !h.Available() {
		return "", fmt.Errorf("oidc: no hash for algorithm %q", alg)
	}
	d := h.New()
	d.Write([]byte(value))
	sum := d.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2]), nil
}

// checkHash compares a hash claim with the hash of value.
func checkHash(alg keyset.Algorithm, claim, value string, mismatch error) error {
	want, err := tokenHash(alg, value)
	if err != nil {
		return fmt.Errorf("%w: %v", mismatch, err)
	}
	if subtle.ConstantTimeCompare([]byte(claim), []byte(want)) != 1 {
		return mismatch
	}
	return nil
}
