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
