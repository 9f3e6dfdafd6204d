package keyset

import (
	"context"
	"crypto"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func TestVerify(t *testing.T) {
	rsaKey := loadKey(t, "rsa2048.pem", "")
	ecKey := loadKey(t, "p256.pem", "")
	other := loadKey(t, "p384.pem", "")
	keys := &JWKS{Keys: []PublicKey{rsaKey.Public(), ecKey.Public()}}
	all := []Algorithm{RS256, ES256}

	sign := func(k *Key) string {
		tok, err := k.SignJWT(map[string]string{"sub": "alice"}, "JWT")
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	rsaTok, ecTok := sign(rsaKey), sign(ecKey)
	// The same claims signed by a key that claims the EC key's kid.
	impostor, _ := NewKey(other.Signer(), ES384, ecKey.ID())
	impostorES256, _ := NewKey(freshSigner(t, ES256), ES256, ecKey.ID())
	parts := strings.Split(rsaTok, ".")
	noneTok := b64(`{"alg":"none"}`) + "." + parts[1] + "."
	hsTok, err := SignJWTWithSecret(rsaPublicBytes(rsaKey), HS256, map[string]string{"sub": "alice"}, "")
	if err != nil {
		t.Fatal(err)
	}
	noKid := signWithout(t, rsaKey)

	tests := []struct {
		name    string
		token   string
		algs    []Algorithm
		wantErr error
		wantKid string
	}{
		{name: "rsa", token: rsaTok, algs: all, wantKid: rsaKey.ID()},
		{name: "ecdsa", token: ecTok, algs: all, wantKid: ecKey.ID()},
		{name: "no kid tries every key", token: noKid, algs: all, wantKid: rsaKey.ID()},
		{name: "alg not allowed", token: rsaTok, algs: []Algorithm{ES256}, wantErr: ErrAlgorithm},
		{name: "alg none", token: noneTok, algs: all, wantErr: ErrAlgorithm},
		{name: "none in allowed list is ignored", token: noneTok, algs: []Algorithm{"none"}, wantErr: ErrAlgorithm},
		{name: "hmac with public key as secret", token: hsTok, algs: []Algorithm{RS256, HS256}, wantErr: ErrAlgorithm},
		{name: "empty allowed list", token: rsaTok, algs: nil, wantErr: ErrAlgorithm},
		{name: "unknown kid", token: sign(other), algs: []Algorithm{ES384}, wantErr: ErrUnknownKey},
		{name: "kid of a key of another type", token: sign(impostor), algs: []Algorithm{ES384}, wantErr: ErrUnknownKey},
		{name: "bad signature", token: sign(impostorES256), algs: all, wantErr: ErrSignature},
		{name: "tampered payload", token: parts[0] + "." + b64(`{"sub":"mallory"}`) + "." + parts[2], algs: all, wantErr: ErrSignature},
		{name: "two parts", token: parts[0] + "." + parts[1], algs: all, wantErr: ErrMalformed},
		{name: "four parts", token: rsaTok + ".x", algs: all, wantErr: ErrMalformed},
		{name: "bad base64", token: "!!." + parts[1] + "." + parts[2], algs: all, wantErr: ErrMalformed},
		{name: "json serialization", token: `{"payload":"e30","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, algs: all, wantErr: ErrMalformed},
		{name: "empty", token: "", algs: all, wantErr: ErrMalformed},
		{name: "too large", token: strings.Repeat("a", maxTokenBytes+1), algs: all, wantErr: ErrMalformed},
		{name: "typ not a string", token: withHeader(t, rsaKey, "typ", 7), algs: all, wantErr: ErrMalformed},
		{name: "crit header", token: withCrit(t, rsaKey), algs: all, wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Verify(context.Background(), tt.token, keys, tt.algs)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Key.KeyID != tt.wantKid {
				t.Errorf("verified by kid %q, want %q", v.Key.KeyID, tt.wantKid)
			}
			if string(v.Payload) != `{"sub":"alice"}` {
				t.Errorf("payload = %s, want {\"sub\":\"alice\"}", v.Payload)
			}
		})
	}
}

func TestVerifyWithSecretRejects(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef0123456789abcdef")
	tok384, err := SignJWTWithSecret(secret, HS384, map[string]string{}, "")
	if err != nil {
		t.Fatal(err)
	}
	rsaTok, _ := loadKey(t, "rsa2048.pem", "").SignJWT(map[string]string{}, "")
	tests := []struct {
		name    string
		token   string
		secret  []byte
		algs    []Algorithm
		wantErr error
	}{
		{"asymmetric token", rsaTok, secret, []Algorithm{HS256, RS256}, ErrAlgorithm},
		{"alg not allowed", tok384, secret, []Algorithm{HS256}, ErrAlgorithm},
		{"secret shorter than hash", tok384, secret[:40], []Algorithm{HS384}, ErrSignature},
		{"malformed", "a.b", secret, []Algorithm{HS384}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyWithSecret(tt.token, tt.secret, tt.algs)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("VerifyWithSecret error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// failingSource fails every lookup.
type failingSource struct{ err error }

func (f failingSource) Lookup(context.Context, string) ([]PublicKey, error) { return nil, f.err }

func TestVerifyPropagatesLookupError(t *testing.T) {
	tok, _ := loadKey(t, "p256.pem", "").SignJWT(map[string]string{}, "")
	want := errors.New("backend down")
	_, err := Verify(context.Background(), tok, failingSource{want}, []Algorithm{ES256})
	if !errors.Is(err, want) {
		t.Errorf("Verify error = %v, want %v", err, want)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func rsaPublicBytes(k *Key) []byte {
	doc, _ := (&JWKS{Keys: []PublicKey{k.Public()}}).MarshalJSON()
	return doc
}

func freshSigner(t *testing.T, alg Algorithm) crypto.Signer {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k.Signer()
}

func signWithout(t *testing.T, k *Key) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Algorithm()), Key: k.Signer()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return mustSign(t, s, `{"sub":"alice"}`)
}

func withHeader(t *testing.T, k *Key, name string, value any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader(jose.HeaderKey(name), value)
	s, err := jose.NewSigner(k.signing, opts)
	if err != nil {
		t.Fatal(err)
	}
	return mustSign(t, s, `{"sub":"alice"}`)
}

func withCrit(t *testing.T, k *Key) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader("exp", 1).WithCritical("exp")
	s, err := jose.NewSigner(k.signing, opts)
	if err != nil {
		t.Fatal(err)
	}
	return mustSign(t, s, `{"sub":"alice"}`)
}

func mustSign(t testing.TB, s jose.Signer, payload string) string {
	t.Helper()
	jws, err := s.Sign([]byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyNilSource(t *testing.T) {
	tok, _ := loadKey(t, "p256.pem", "").SignJWT(map[string]string{}, "")
	if _, err := Verify(context.Background(), tok, nil, []Algorithm{ES256}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Verify(nil source) error = %v, want ErrUnknownKey", err)
	}
}
