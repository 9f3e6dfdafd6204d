package keyset

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"sync"
)

// Set holds the keys of one signer: the active key, which signs, and other
// keys that are published for verification only. To rotate without breaking
// tokens in flight, [Set.Add] the next key some time before activating it
// (so relying parties can fetch it), [Set.Activate] it, and [Set.Remove] the
// old one once every token it signed has expired.
//
// A set may also sign with several algorithms, as an OpenID provider signs
// ID tokens with ES256 by default and with RS256 for the clients that ask
// for it: each algorithm has at most one signing key, made so by
// [Set.Activate] or [Set.ActivateSigner] and returned by [Set.SignerFor].
// The active key is the signing key of the set's default algorithm.
//
// The zero Set is empty and ready to use. A Set is safe for concurrent use.
type Set struct {
	mu      sync.RWMutex
	active  *Key
	signers map[Algorithm]*Key // signing key of each algorithm, active among them
	keys    []*Key             // published keys in the order added
	doc     []byte             // JWK Set document of keys, rebuilt on every change
	etag    string
}

// NewSet returns a set whose active key is active, with others published
// for verification. It fails on duplicate key IDs.
func NewSet(active *Key, others ...*Key) (*Set, error) {
	s := &Set{}
	for _, k := range append([]*Key{active}, others...) {
		if err := s.Add(k); err != nil {
			return nil, err
		}
	}
	if err := s.Activate(active.ID()); err != nil {
		return nil, err
	}
	return s, nil
}

// Active returns the active signing key, or nil if there is none.
func (s *Set) Active() *Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.active
}

// Key returns the published key with the given key ID, or nil.
func (s *Set) Key(kid string) *Key {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keyLocked(kid)
}

func (s *Set) keyLocked(kid string) *Key {
	for _, k := range s.keys {
		if k.id == kid {
			return k
		}
	}
	return nil
}

// Add publishes k for verification without making it active.
func (s *Set) Add(k *Key) error {
	if k == nil {
		return fmt.Errorf("keyset: nil key")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyLocked(k.id) != nil {
		return fmt.Errorf("keyset: duplicate key ID %q", k.id)
	}
	return s.publishLocked(append(s.keys[:len(s.keys):len(s.keys)], k))
}

// Activate makes the published key kid the active key, and the signing key
// of its algorithm. The key it replaces stays published.
func (s *Set) Activate(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.signLocked(kid)
	if err != nil {
		return err
	}
	s.active = k
	return nil
}

// ActivateSigner makes the published key kid the signing key of its
// algorithm, which [Set.SignerFor] returns, without changing the default
// algorithm: the active key changes only when it has the same algorithm.
// The key it replaces stays published.
func (s *Set) ActivateSigner(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.signLocked(kid)
	if err != nil {
		return err
	}
	if s.active != nil && s.active.alg == k.alg {
		s.active = k
	}
	return nil
}

// signLocked makes the published key kid the signing key of its
// algorithm and returns it.
func (s *Set) signLocked(kid string) (*Key, error) {
	k := s.keyLocked(kid)
	if k == nil {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	if s.signers == nil {
		s.signers = make(map[Algorithm]*Key)
	}
	s.signers[k.alg] = k
	return k, nil
}

// SignerFor returns the signing key of algorithm alg, and whether there is
// one. The signing key of the active key's algorithm is the active key.
func (s *Set) SignerFor(alg Algorithm) (*Key, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.signers[alg]
	return k, ok
}

// Rotate publishes k and makes it active at once. Prefer [Set.Add] ahead of
// time and [Set.Activate] later when relying parties cache the JWK Set.
func (s *Set) Rotate(k *Key) error {
	if err := s.Add(k); err != nil {
		return err
	}
	return s.Activate(k.id)
}

// Remove stops publishing the key kid. The active key cannot be removed;
// another signing key can, and its algorithm then has none.
func (s *Set) Remove(kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active != nil && s.active.id == kid {
		return fmt.Errorf("keyset: cannot remove the active key %q", kid)
	}
	for i, k := range s.keys {
		if k.id == kid {
			if s.signers[k.alg] == k {
				delete(s.signers, k.alg)
			}
			return s.publishLocked(append(s.keys[:i:i], s.keys[i+1:]...))
		}
	}
	return fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
}

// SignJWT signs claims with the active key; see [Key.SignJWT].
func (s *Set) SignJWT(claims any, typ string) (string, error) {
	k := s.Active()
	if k == nil {
		return "", ErrNoActiveKey
	}
	return k.SignJWT(claims, typ)
}

// Lookup returns the published public keys with key ID kid, or all of them
// when kid is empty. It makes a Set a [KeySource].
func (s *Set) Lookup(_ context.Context, kid string) ([]PublicKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []PublicKey
	for _, k := range s.keys {
		if kid == "" || k.id == kid {
			out = append(out, k.public)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	return out, nil
}

// JWKS returns the published public keys.
func (s *Set) JWKS() *JWKS {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := &JWKS{Keys: make([]PublicKey, len(s.keys))}
	for i, k := range s.keys {
		out.Keys[i] = k.public
	}
	return out
}

// MarshalJSON returns the JWK Set document of the published keys.
func (s *Set) MarshalJSON() ([]byte, error) {
	doc, _ := s.document()
	return bytes.Clone(doc), nil
}

// document returns the JWK Set document and its entity tag.
func (s *Set) document() ([]byte, string) {
	s.mu.RLock()
	doc, etag := s.doc, s.etag
	s.mu.RUnlock()
	if doc == nil {
		return []byte(`{"keys":[]}`), emptyETag
	}
	return doc, etag
}

var emptyETag = etagOf([]byte(`{"keys":[]}`))

// publishLocked replaces the published keys and their document.
func (s *Set) publishLocked(keys []*Key) error {
	set := JWKS{Keys: make([]PublicKey, len(keys))}
	for i, k := range keys {
		set.Keys[i] = k.public
	}
	doc, err := set.MarshalJSON()
	if err != nil {
		return err
	}
	s.keys, s.doc, s.etag = keys, doc, etagOf(doc)
	return nil
}

func etagOf(doc []byte) string {
	sum := sha256.Sum256(doc)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}
