package keyset

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// minRSABits is the smallest RSA modulus accepted for signing or
// verification (RFC 7518 §3.3 requires 2048 bits).
const minRSABits = 2048

// Key is a private signing key with its key ID and algorithm. A Key is
// immutable and safe for concurrent use.
type Key struct {
	id      string
	alg     Algorithm
	signer  crypto.Signer
	public  PublicKey
	signing jose.SigningKey
	cache   sync.Map // typ header -> jose.Signer
}

// NewKey returns a signing key. alg may be empty: RSA keys then use RS256,
// ECDSA keys the ES algorithm of their curve and Ed25519 keys EdDSA. kid may
// be empty: the key ID is then the RFC 7638 thumbprint of the public key.
//
// signer is usually an *rsa.PrivateKey, *ecdsa.PrivateKey or
// ed25519.PrivateKey, but any crypto.Signer with such a public key works,
// for example one backed by a hardware module. RSA keys must have at least
// 2048 bits.
func NewKey(signer crypto.Signer, alg Algorithm, kid string) (*Key, error) {
	if signer == nil {
		return nil, errors.New("keyset: nil signer")
	}
	pub := signer.Public()
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	if alg == "" {
		alg = defaultAlgorithm(pub)
	}
	if alg.Symmetric() || !alg.Fits(pub) {
		return nil, fmt.Errorf("keyset: algorithm %q does not fit a %T key", alg, pub)
	}
	if kid == "" {
		tp, err := Thumbprint(pub)
		if err != nil {
			return nil, err
		}
		kid = tp
	}
	k := &Key{id: kid, alg: alg, signer: signer}
	k.public = PublicKey{KeyID: kid, Algorithm: alg, Use: "sig", Key: pub}
	k.signing = jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(alg),
		Key:       jose.JSONWebKey{Key: joseSigningKey(signer), KeyID: kid, Algorithm: string(alg)},
	}
	return k, nil
}

// GenerateKey returns a new random key for alg: a 2048-bit RSA key for the
// RS and PS algorithms, a key on the curve of an ES algorithm, or an Ed25519
// key for EdDSA. Its key ID is its thumbprint.
func GenerateKey(alg Algorithm) (*Key, error) {
	var (
		signer crypto.Signer
		err    error
	)
	switch alg {
	case RS256, RS384, RS512, PS256, PS384, PS512:
		signer, err = rsa.GenerateKey(rand.Reader, minRSABits)
	case ES256, ES384, ES512:
		signer, err = ecdsa.GenerateKey(curveFor(alg), rand.Reader)
	case EdDSA:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	default:
		return nil, fmt.Errorf("keyset: cannot generate a key for algorithm %q", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("keyset: generating key: %w", err)
	}
	return NewKey(signer, alg, "")
}

// ID returns the key ID, sent as the kid header of every signature.
func (k *Key) ID() string { return k.id }

// Algorithm returns the signature algorithm of the key.
func (k *Key) Algorithm() Algorithm { return k.alg }

// Signer returns the private key.
func (k *Key) Signer() crypto.Signer { return k.signer }

// Public returns the public key with its key ID, algorithm and use "sig".
func (k *Key) Public() PublicKey { return k.public }

// joseSigningKey returns the key in the form go-jose signs with directly,
// or an opaque signer for other crypto.Signer implementations.
func joseSigningKey(s crypto.Signer) any {
	switch key := s.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey:
		return key
	case ed25519.PrivateKey:
		return key
	}
	return cryptosigner.Opaque(s)
}

// checkPublicKey rejects key types and sizes this package does not use.
func checkPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("keyset: RSA key of %d bits, want at least %d", k.N.BitLen(), minRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		if defaultAlgorithm(k) == "" {
			return errors.New("keyset: unsupported elliptic curve")
		}
		return nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return errors.New("keyset: malformed Ed25519 key")
		}
		return nil
	}
	return fmt.Errorf("keyset: unsupported key type %T", pub)
}
