package oauth1

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
)

// signingKey is the HMAC key of RFC 5849 §3.4.2, which is also the
// PLAINTEXT signature of §3.4.4: both secrets encoded (§3.6) and joined by
// an "&" that is there even when a secret is empty.
func signingKey(clientSecret, tokenSecret string) string {
	b := make([]byte, 0, len(clientSecret)+len(tokenSecret)+1)
	b = appendEncoded(b, clientSecret)
	b = append(b, '&')
	b = appendEncoded(b, tokenSecret)
	return string(b)
}

// hmacSignature is the HMAC digest of the base string, base64-encoded
// (RFC 5849 §3.4.2; with SHA-256 for HMAC-SHA256).
func hmacSignature(h func() hash.Hash, key, base string) string {
	mac := hmac.New(h, []byte(key))
	mac.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// rsaSHA1Signature signs the base string with RSASSA-PKCS1-v1_5 and SHA-1
// and base64-encodes the result (RFC 5849 §3.4.3).
func rsaSHA1Signature(s crypto.Signer, base string) (string, error) {
	digest := sha1.Sum([]byte(base))
	sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA1)
	if err != nil {
		return "", fmt.Errorf("oauth1: RSA-SHA1 signing: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// checkSigner makes sure RSA-SHA1 has an RSA key to sign with.
func checkSigner(s crypto.Signer) error {
	if s == nil {
		return ErrMissingSigner
	}
	if _, ok := s.Public().(*rsa.PublicKey); !ok {
		return fmt.Errorf("%w: got %T", ErrNotRSAKey, s.Public())
	}
	return nil
}

// signature computes oauth_signature for method over base.
func (c *Config) signature(method SignatureMethod, base, tokenSecret string) (string, error) {
	switch method {
	case HMACSHA1:
		return hmacSignature(sha1.New, signingKey(c.ConsumerSecret, tokenSecret), base), nil
	case HMACSHA256:
		return hmacSignature(sha256.New, signingKey(c.ConsumerSecret, tokenSecret), base), nil
	case RSASHA1:
		return rsaSHA1Signature(c.Signer, base)
	case Plaintext:
		return signingKey(c.ConsumerSecret, tokenSecret), nil
	}
	return "", fmt.Errorf("%w: %q", ErrUnsupportedMethod, method)
}
