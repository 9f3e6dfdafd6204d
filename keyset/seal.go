package keyset

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
)

// SealingKeySize is the size in bytes of the key-encryption key of a
// [Sealer]: an AES-256 key.
const SealingKeySize = 32

// sealVersion is the first byte of every sealed key, naming its format:
// version, 12-byte nonce, AES-256-GCM ciphertext of the PKCS #8 private
// key with its 16-byte tag.
const sealVersion = 1

// ErrSealed means a sealed private key could not be opened: it was sealed
// with another key-encryption key, for another key ID or algorithm, or it
// was changed since.
var ErrSealed = errors.New("keyset: cannot open sealed key")

// Sealer encrypts private keys for storage, so that a copy of the database
// yields no usable key: the key-encryption key is kept outside the
// database, in an environment variable or a file only the server can read.
// Keys are sealed with AES-256-GCM under a random nonce, with the key ID
// and algorithm as additional data, so a sealed key cannot be passed off
// as another. A Sealer is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a sealer with the key-encryption key kek, which must be
// SealingKeySize random bytes.
func NewSealer(kek []byte) (*Sealer, error) {
	if len(kek) != SealingKeySize {
		return nil, fmt.Errorf("keyset: key-encryption key of %d bytes, want %d", len(kek), SealingKeySize)
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns the private key of k encrypted, bound to its key ID and
// algorithm. The key must be one x509.MarshalPKCS8PrivateKey encodes (RSA,
// ECDSA or Ed25519): a key held in a hardware module cannot be sealed.
func (s *Sealer) Seal(k *Key) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.Signer())
	if err != nil {
		return nil, fmt.Errorf("keyset: sealing key %q: %w", k.ID(), err)
	}
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(der)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], der, sealData(k.ID(), k.Algorithm())), nil
}

// Open returns the key sealed by Seal for key ID kid and algorithm alg. It
// returns an error wrapping ErrSealed when sealed was made with another
// key-encryption key or for another key ID or algorithm, or was changed.
func (s *Sealer) Open(kid string, alg Algorithm, sealed []byte) (*Key, error) {
	if !alg.Supported() || alg.Symmetric() {
		return nil, fmt.Errorf("%w %q: algorithm %q", ErrSealed, kid, alg)
	}
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w %q: malformed", ErrSealed, kid)
	}
	der, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], sealData(kid, alg))
	if err != nil {
		return nil, fmt.Errorf("%w %q: wrong key-encryption key, key ID or algorithm, or changed", ErrSealed, kid)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrSealed, kid, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w %q: %T is not a signing key", ErrSealed, kid, priv)
	}
	return NewKey(signer, alg, kid)
}

// sealData is the additional data a key is sealed with: its algorithm,
// which holds no NUL byte, a NUL byte and its key ID.
func sealData(kid string, alg Algorithm) []byte {
	return []byte(string(alg) + "\x00" + kid)
}

// secretSealVersion is the first byte of a sealed secret: version,
// 12-byte nonce, AES-256-GCM ciphertext of the secret with its tag.
const secretSealVersion = 2

// SealSecret returns secret encrypted, bound to label, so that it opens
// under that label only: a server keeps this way the client secrets it
// must check an HMAC with (client_secret_jwt, RFC 7523 §2.2), labelled
// with the client's ID, and its own symmetric keys, labelled with their
// names. Callers put each kind of label in a domain of its own (a prefix
// ending in a NUL byte), so that no sealed secret can be passed off as
// another kind. The additional data also keeps sealed secrets and sealed
// keys apart.
func (s *Sealer) SealSecret(secret []byte, label string) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	out[0] = secretSealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], secret, secretSealData(label)), nil
}

// OpenSecret returns the secret sealed by SealSecret under label. It
// returns an error wrapping ErrSealed when sealed was made with another
// key-encryption key or label, or was changed.
func (s *Sealer) OpenSecret(sealed []byte, label string) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != secretSealVersion {
		return nil, fmt.Errorf("%w: malformed secret", ErrSealed)
	}
	secret, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], secretSealData(label))
	if err != nil {
		return nil, fmt.Errorf("%w: secret: wrong key-encryption key or label, or changed", ErrSealed)
	}
	return secret, nil
}

// secretSealData is the additional data a secret is sealed with. Its
// prefix holds a NUL byte, which no algorithm name of sealData has, so a
// sealed secret and a sealed key never pass for each other.
func secretSealData(label string) []byte {
	return []byte("secret\x00\x00" + label)
}
