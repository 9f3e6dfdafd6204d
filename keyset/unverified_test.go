package keyset

import (
	"errors"
	"testing"
)

func TestParseUnverified(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	hs, err := SignJWTWithSecret(secret, HS256, map[string]string{"sub": "c1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	es, err := loadKey(t, "p256.pem", ES256).SignJWT(map[string]string{"sub": "c2"}, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		token   string
		alg     Algorithm
		payload string
		err     error
	}{
		{"HS256", hs, HS256, `{"sub":"c1"}`, nil},
		{"ES256", es, ES256, `{"sub":"c2"}`, nil},
		{"None", "eyJhbGciOiJub25lIn0.e30.", "", "", ErrAlgorithm},
		{"Garbage", "a.b.c", "", "", ErrMalformed},
		{"Empty", "", "", "", ErrMalformed},
		{"Crit", "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiYiJdLCJiIjoxfQ.e30.c2ln", "", "", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUnverified(tc.token)
			if !errors.Is(err, tc.err) {
				t.Fatalf("ParseUnverified: got error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			if u.Header.Algorithm != tc.alg || string(u.Payload) != tc.payload {
				t.Errorf("got alg %q and payload %s, want %q and %s", u.Header.Algorithm, u.Payload, tc.alg, tc.payload)
			}
		})
	}
}

func FuzzParseUnverified(f *testing.F) {
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, token string) {
		u, err := ParseUnverified(token)
		if err == nil && !u.Header.Algorithm.Supported() {
			t.Fatalf("parsed a token with alg %q", u.Header.Algorithm)
		}
	})
}

func TestSealSecret(t *testing.T) {
	s, other := newTestSealer(t, 1), newTestSealer(t, 2)
	sealed, err := s.SealSecret([]byte("the secret"), "client-1")
	if err != nil {
		t.Fatalf("SealSecret: %v", err)
	}
	again, _ := s.SealSecret([]byte("the secret"), "client-1")
	if string(again) == string(sealed) {
		t.Errorf("two seals of one secret: got equal ciphertexts, want a random nonce each")
	}
	got, err := s.OpenSecret(sealed, "client-1")
	if err != nil || string(got) != "the secret" {
		t.Errorf("OpenSecret: got (%q, %v), want the secret", got, err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	refused := []struct {
		name   string
		sealer *Sealer
		sealed []byte
		label  string
	}{
		{"OtherLabel", s, sealed, "client-2"},
		{"OtherKEK", other, sealed, "client-1"},
		{"Tampered", s, tampered, "client-1"},
		{"Short", s, sealed[:10], "client-1"},
		{"Empty", s, nil, "client-1"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := tc.sealer.OpenSecret(tc.sealed, tc.label); !errors.Is(err, ErrSealed) {
				t.Errorf("OpenSecret: got (%q, %v), want ErrSealed", got, err)
			}
		})
	}
	t.Run("KeyIsNoSecret", func(t *testing.T) {
		k := loadKey(t, "p256.pem", ES256)
		sealedKey, err := s.Seal(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.OpenSecret(sealedKey, k.ID()); !errors.Is(err, ErrSealed) {
			t.Errorf("OpenSecret of a sealed key: got %v, want ErrSealed", err)
		}
	})
}
