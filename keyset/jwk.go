package keyset

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"
)

// Limits on the JWK Sets this package parses.
const (
	maxJWKSBytes = 1 << 20 // largest JWK Set document read
	maxJWKSKeys  = 100     // keys beyond this are ignored
	maxRSABits   = 16384   // larger moduli make verification needlessly slow
)

// PublicKey is a verification key: a public key with the kid, alg and use
// members of its JWK (RFC 7517 §4). Algorithm and Use may be empty.
type PublicKey struct {
	KeyID     string
	Algorithm Algorithm
	Use       string
	Key       crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// usableFor reports whether the key may check a signature made with alg:
// its use, if any, is "sig", its alg, if any, is alg, and its type fits alg.
func (p PublicKey) usableFor(alg Algorithm) bool {
	if p.Use != "" && p.Use != "sig" {
		return false
	}
	if p.Algorithm != "" && p.Algorithm != alg {
		return false
	}
	return alg.Fits(p.Key)
}

// JWKS is a JWK Set (RFC 7517 §5) of public keys. It is a [KeySource].
type JWKS struct {
	Keys []PublicKey
}

// Lookup returns the keys whose key ID is kid, or every key when kid is
// empty. It returns [ErrUnknownKey] when none matches.
func (s *JWKS) Lookup(_ context.Context, kid string) ([]PublicKey, error) {
	keys := s.find(kid)
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, kid)
	}
	return keys, nil
}

func (s *JWKS) find(kid string) []PublicKey {
	if s == nil {
		return nil
	}
	if kid == "" {
		return s.Keys
	}
	var out []PublicKey
	for _, k := range s.Keys {
		if k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

// MarshalJSON encodes the set as a JWK Set document with public members
// only.
func (s *JWKS) MarshalJSON() ([]byte, error) {
	doc := struct {
		Keys []jose.JSONWebKey `json:"keys"`
	}{Keys: make([]jose.JSONWebKey, 0, len(s.Keys))}
	for _, k := range s.Keys {
		if checkPublicKey(k.Key) != nil {
			return nil, fmt.Errorf("keyset: cannot publish a %T key", k.Key)
		}
		doc.Keys = append(doc.Keys, jose.JSONWebKey{Key: k.Key, KeyID: k.KeyID, Algorithm: string(k.Algorithm), Use: k.Use})
	}
	return json.Marshal(doc)
}

// ParseJWKS parses a JWK Set document of public keys. The document must be a
// JSON object with a "keys" array. As RFC 7517 §5 asks, keys this package
// cannot use are ignored: unknown key types or curves, symmetric keys, keys
// with private members, RSA keys under 2048 bits, keys whose alg does not
// fit their type, and keys whose key_ops do not include "verify" (RFC 7517
// §4.3). Member names match exactly (RFC 8259 §8.3): "KEYS" or "Kid" are
// unknown members, ignored. A document that names a member twice is
// rejected, and so is a key that does. An empty result is not an error.
//
// The document is decoded by go-jose's fork of encoding/json, which
// matches member names exactly and rejects duplicates, as JOSE needs.
func ParseJWKS(data []byte) (*JWKS, error) {
	if len(data) > maxJWKSBytes {
		return nil, errors.New("keyset: JWK Set document too large")
	}
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := josejson.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("keyset: JWK Set is not a JSON object: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New(`keyset: JWK Set has no "keys" array`)
	}
	set := &JWKS{}
	for _, raw := range *doc.Keys {
		if len(set.Keys) == maxJWKSKeys {
			break
		}
		if k, err := parsePublicJWK(raw); err == nil {
			set.Keys = append(set.Keys, k)
		}
	}
	return set, nil
}

// privateMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4.1, RFC 8037 §2).
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// parsePublicJWK parses one JWK of a public set. Member names match
// exactly, and a name given twice is rejected (RFC 7517 §4).
func parsePublicJWK(raw json.RawMessage) (PublicKey, error) {
	var members map[string]json.RawMessage
	if err := josejson.Unmarshal(raw, &members); err != nil {
		return PublicKey{}, err
	}
	for _, m := range privateMembers {
		if _, ok := members[m]; ok {
			return PublicKey{}, fmt.Errorf("keyset: JWK has private member %q", m)
		}
	}
	kty := members["kty"]
	if !bytes.Equal(kty, []byte(`"RSA"`)) && !bytes.Equal(kty, []byte(`"EC"`)) && !bytes.Equal(kty, []byte(`"OKP"`)) {
		return PublicKey{}, fmt.Errorf("keyset: unsupported kty %s", kty)
	}
	if ops, ok := members["key_ops"]; ok && !allowsVerify(ops) {
		return PublicKey{}, errors.New(`keyset: JWK key_ops lack "verify"`)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return PublicKey{}, err
	}
	return publicFromJOSE(jwk)
}

// allowsVerify reports whether a key_ops member is an array of strings
// that includes "verify", the operation of checking a signature (RFC 7517
// §4.3).
func allowsVerify(ops json.RawMessage) bool {
	var list []string
	return json.Unmarshal(ops, &list) == nil && slices.Contains(list, "verify")
}

// publicFromJOSE checks a parsed public JWK and converts it.
func publicFromJOSE(jwk jose.JSONWebKey) (PublicKey, error) {
	if !jwk.IsPublic() {
		return PublicKey{}, errors.New("keyset: JWK is not a public key")
	}
	if err := checkPublicKey(jwk.Key); err != nil {
		return PublicKey{}, err
	}
	if k, ok := jwk.Key.(*rsa.PublicKey); ok && k.N.BitLen() > maxRSABits {
		return PublicKey{}, errors.New("keyset: RSA key too large")
	}
	alg := Algorithm(jwk.Algorithm)
	if alg != "" && !alg.Fits(jwk.Key) {
		return PublicKey{}, fmt.Errorf("keyset: JWK alg %q does not fit its key", alg)
	}
	return PublicKey{KeyID: jwk.KeyID, Algorithm: alg, Use: jwk.Use, Key: jwk.Key}, nil
}
