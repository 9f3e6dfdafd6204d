package keyset

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
)

// testKEK returns a fixed key-encryption key, distinct for each b.
func testKEK(b byte) []byte { return bytes.Repeat([]byte{b}, SealingKeySize) }

func newTestSealer(t testing.TB, b byte) *Sealer {
	t.Helper()
	s, err := NewSealer(testKEK(b))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func TestNewSealerKeySize(t *testing.T) {
	tests := []struct {
		name string
		size int
		ok   bool
	}{
		{"Empty", 0, false},
		{"AES128", 16, false},
		{"AES192", 24, false},
		{"AES256", 32, true},
		{"TooLong", 33, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSealer(make([]byte, tc.size))
			if got := err == nil; got != tc.ok {
				t.Errorf("NewSealer(%d bytes): got error %v, want ok %t", tc.size, err, tc.ok)
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	s := newTestSealer(t, 1)
	tests := []struct {
		name string
		file string
		alg  Algorithm
	}{
		{"RS256", "rsa2048.pem", RS256},
		{"PS256", "rsa2048.pem", PS256},
		{"ES256", "p256.pem", ES256},
		{"ES384", "p384.pem", ES384},
		{"EdDSA", "ed25519.pem", EdDSA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := loadKey(t, tc.file, tc.alg)
			sealed, err := s.Seal(k)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			again, _ := s.Seal(k)
			if bytes.Equal(sealed, again) {
				t.Errorf("two seals of one key: got equal ciphertexts, want distinct nonces")
			}
			got, err := s.Open(k.ID(), tc.alg, sealed)
			if err != nil {
				t.Fatalf("Open: got error %v, want nil", err)
			}
			if got.ID() != k.ID() || got.Algorithm() != tc.alg {
				t.Errorf("Open: got kid %q alg %q, want %q %q", got.ID(), got.Algorithm(), k.ID(), tc.alg)
			}
			// The opened key signs what the original's public key verifies.
			tok, err := got.SignJWT(map[string]string{"sub": "alice"}, "JWT")
			if err != nil {
				t.Fatalf("SignJWT: %v", err)
			}
			set := &JWKS{Keys: []PublicKey{k.Public()}}
			if _, err := Verify(context.Background(), tok, set, []Algorithm{tc.alg}); err != nil {
				t.Errorf("Verify with the original public key: got error %v, want nil", err)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	s := newTestSealer(t, 1)
	k := loadKey(t, "p256.pem", ES256)
	sealed, err := s.Seal(k)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		sealer *Sealer
		kid    string
		alg    Algorithm
		sealed []byte
	}{
		{"WrongKEK", newTestSealer(t, 2), k.ID(), ES256, sealed},
		{"OtherKeyID", s, k.ID() + "x", ES256, sealed},
		{"EmptyKeyID", s, "", ES256, sealed},
		{"OtherAlgorithm", s, k.ID(), ES384, sealed},
		{"SymmetricAlgorithm", s, k.ID(), HS256, sealed},
		{"NoAlgorithm", s, k.ID(), "", sealed},
		{"Version", s, k.ID(), ES256, flip(0)},
		{"Nonce", s, k.ID(), ES256, flip(1)},
		{"Ciphertext", s, k.ID(), ES256, flip(20)},
		{"Tag", s, k.ID(), ES256, flip(len(sealed) - 1)},
		{"Truncated", s, k.ID(), ES256, sealed[:len(sealed)-1]},
		{"Extended", s, k.ID(), ES256, append(bytes.Clone(sealed), 0)},
		{"Empty", s, k.ID(), ES256, nil},
		{"VersionOnly", s, k.ID(), ES256, []byte{sealVersion}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.sealer.Open(tc.kid, tc.alg, tc.sealed)
			if !errors.Is(err, ErrSealed) {
				t.Errorf("Open: got (%v, %v), want ErrSealed", got, err)
			}
		})
	}
}

func FuzzOpen(f *testing.F) {
	s := newTestSealer(f, 1)
	k := loadKey(f, "ed25519.pem", EdDSA)
	sealed, err := s.Seal(k)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(k.ID(), string(EdDSA), sealed)
	f.Add("", "ES256", []byte{sealVersion})
	f.Add("a\x00b", "ES256\x00a", sealed)
	f.Fuzz(func(t *testing.T, kid, alg string, data []byte) {
		got, err := s.Open(kid, Algorithm(alg), data)
		if err != nil {
			if !errors.Is(err, ErrSealed) {
				t.Fatalf("Open: got error %v, want one wrapping ErrSealed", err)
			}
			return
		}
		// Only the sealed key opens, under its own key ID and algorithm.
		// (Each fuzzing process seals it with a nonce of its own.)
		if kid != k.ID() || Algorithm(alg) != EdDSA {
			t.Fatalf("Open(%q, %q, %x): opened a key under another key ID or algorithm", kid, alg, data)
		}
		if got.ID() != kid || !k.Public().Key.(ed25519.PublicKey).Equal(got.Public().Key) {
			t.Fatalf("Open: got kid %q and another key, want %q", got.ID(), kid)
		}
	})
}

func TestSealSecret(t *testing.T) {
	s := newTestSealer(t, 1)
	secret := bytes.Repeat([]byte{0xAB}, 32)
	sealed, err := s.SealSecret(secret, "session_key")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("the sealed secret holds the secret in clear")
	}
	got, err := s.OpenSecret(sealed, "session_key")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("OpenSecret: got %x, %v; want the secret", got, err)
	}
	again, _ := s.SealSecret(secret, "session_key")
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one secret are equal, want a fresh nonce each")
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	key := loadKey(t, "p256.pem", "")
	sealedKey, err := s.Seal(key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		sealer *Sealer
		secret string // the label
		sealed []byte
	}{
		{"another key-encryption key", newTestSealer(t, 2), "session_key", sealed},
		{"another name", s, "pairwise_secret", sealed},
		{"one bit flipped", s, "session_key", flipped},
		{"truncated", s, "session_key", sealed[:20]},
		{"empty", s, "session_key", nil},
		{"a sealed signing key", s, key.ID(), sealedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.sealer.OpenSecret(tt.sealed, tt.secret); !errors.Is(err, ErrSealed) || got != nil {
				t.Errorf("OpenSecret: got %x, %v; want ErrSealed", got, err)
			}
		})
	}
}
