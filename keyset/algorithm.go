package keyset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256" // SHA-256 for RS256, PS256, ES256 and HS256
	_ "crypto/sha512" // SHA-384 and SHA-512 for the other algorithms

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithm is a JWS signature algorithm name (RFC 7518 §3.1, RFC 8037 §3.1).
// The algorithm "none" has no value here and is never accepted.
type Algorithm string

// Signature algorithms supported by this package.
const (
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256
	RS384 Algorithm = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384
	RS512 Algorithm = "RS512" // RSASSA-PKCS1-v1_5 with SHA-512
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256
	PS384 Algorithm = "PS384" // RSASSA-PSS with SHA-384
	PS512 Algorithm = "PS512" // RSASSA-PSS with SHA-512
	ES256 Algorithm = "ES256" // ECDSA on P-256 with SHA-256
	ES384 Algorithm = "ES384" // ECDSA on P-384 with SHA-384
	ES512 Algorithm = "ES512" // ECDSA on P-521 with SHA-512
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037)
	HS256 Algorithm = "HS256" // HMAC with SHA-256
	HS384 Algorithm = "HS384" // HMAC with SHA-384
	HS512 Algorithm = "HS512" // HMAC with SHA-512
)

// AsymmetricAlgorithms returns the public-key algorithms this package signs
// and verifies.
func AsymmetricAlgorithms() []Algorithm {
	return []Algorithm{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}
}

// Supported reports whether the package can sign and verify with a.
func (a Algorithm) Supported() bool {
	return a.Hash() != 0
}

// Symmetric reports whether a is an HMAC algorithm.
func (a Algorithm) Symmetric() bool {
	return a == HS256 || a == HS384 || a == HS512
}

// Hash returns the hash function that goes with a: the one in its name, and
// SHA-512 for EdDSA with Ed25519 as OpenID Connect uses for at_hash and
// c_hash. It returns 0 for an unsupported algorithm.
func (a Algorithm) Hash() crypto.Hash {
	switch a {
	case RS256, PS256, ES256, HS256:
		return crypto.SHA256
	case RS384, PS384, ES384, HS384:
		return crypto.SHA384
	case RS512, PS512, ES512, HS512, EdDSA:
		return crypto.SHA512
	}
	return 0
}

// Fits reports whether a can be used with the public key pub: an RSA
// algorithm with an RSA key, ES256 with a P-256 key and so on.
func (a Algorithm) Fits(pub crypto.PublicKey) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch a {
		case RS256, RS384, RS512, PS256, PS384, PS512:
			return true
		}
	case *ecdsa.PublicKey:
		return defaultAlgorithm(k) == a
	case ed25519.PublicKey:
		return a == EdDSA
	}
	return false
}

// defaultAlgorithm returns the algorithm used for pub when none is given.
func defaultAlgorithm(pub crypto.PublicKey) Algorithm {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return RS256
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ES256
		case elliptic.P384():
			return ES384
		case elliptic.P521():
			return ES512
		}
	case ed25519.PublicKey:
		return EdDSA
	}
	return ""
}

func joseAlgorithms(algs []Algorithm, symmetric bool) []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, 0, len(algs))
	for _, a := range algs {
		if a.Supported() && a.Symmetric() == symmetric {
			out = append(out, jose.SignatureAlgorithm(a))
		}
	}
	return out
}

// curveFor returns the curve of an ES algorithm.
func curveFor(alg Algorithm) elliptic.Curve {
	switch alg {
	case ES384:
		return elliptic.P384()
	case ES512:
		return elliptic.P521()
	}
	return elliptic.P256()
}
