package storage

import (
	"bytes"
	"context"
	"time"
)

// SigningKey is a signing key of the server as a store keeps it. The
// private key is sealed before it reaches the store (package keyset
// encrypts it with a key kept outside the database): a store sees and
// returns Ciphertext as opaque bytes, never the private key itself.
//
// The times say what the key is at a given instant: it is published in
// the JWK Set from CreatedAt, signs from ActivateAt (a key created ahead
// of ActivateAt is the next key, published before it is used), stops
// signing at RetiredAt, and leaves the JWK Set at ExpiresAt, once every
// token it signed has expired. RetiredAt and ExpiresAt are zero while the
// key is in use.
type SigningKey struct {
	// ID is the key ID, the kid header of its signatures.
	ID string
	// Algorithm is the JWS algorithm of the key, such as "ES256".
	Algorithm string
	// Ciphertext is the sealed private key, stored and returned byte for
	// byte.
	Ciphertext []byte
	CreatedAt  time.Time
	ActivateAt time.Time
	RetiredAt  time.Time
	ExpiresAt  time.Time
}

// Clone returns a deep copy of k.
func (k *SigningKey) Clone() *SigningKey {
	d := *k
	d.Ciphertext = bytes.Clone(k.Ciphertext)
	return &d
}

// SigningKeyStore keeps the signing keys of a server. Every process of a
// server sharing one store sees the same keys. Records passed in and
// returned are copies: changing one changes nothing stored.
type SigningKeyStore interface {
	// CreateSigningKey stores a new key, or returns ErrExists when a key
	// with the same ID is stored already, and changes nothing.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// ListSigningKeys returns every stored key, ordered by CreatedAt and,
	// for equal times, by ID byte by byte. A store with no key returns an
	// empty list and no error.
	ListSigningKeys(ctx context.Context) ([]*SigningKey, error)
	// UpdateSigningKey replaces the stored key with ID k.ID by k, or
	// returns ErrNotFound.
	UpdateSigningKey(ctx context.Context, k *SigningKey) error
	// DeleteSigningKey removes the key with the given ID, or returns
	// ErrNotFound.
	DeleteSigningKey(ctx context.Context, id string) error
}
