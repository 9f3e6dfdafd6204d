package keyset

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewKey(t *testing.T) {
	rsaKey := loadKey(t, "rsa2048.pem", "").Signer()
	p256 := loadKey(t, "p256.pem", "").Signer()
	p384 := loadKey(t, "p384.pem", "").Signer()
	ed := loadKey(t, "ed25519.pem", "").Signer()
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		signer  crypto.Signer
		alg     Algorithm
		kid     string
		wantAlg Algorithm
		wantErr string
	}{
		{name: "rsa default", signer: rsaKey, wantAlg: RS256},
		{name: "rsa PS384", signer: rsaKey, alg: PS384, wantAlg: PS384},
		{name: "p256 default", signer: p256, wantAlg: ES256},
		{name: "p384 default", signer: p384, wantAlg: ES384},
		{name: "ed25519 default", signer: ed, wantAlg: EdDSA},
		{name: "custom kid", signer: p256, kid: "2024-01", wantAlg: ES256},
		{name: "rsa with ES256", signer: rsaKey, alg: ES256, wantErr: "does not fit"},
		{name: "p256 with ES384", signer: p256, alg: ES384, wantErr: "does not fit"},
		{name: "ed25519 with RS256", signer: ed, alg: RS256, wantErr: "does not fit"},
		{name: "hmac algorithm", signer: rsaKey, alg: HS256, wantErr: "does not fit"},
		{name: "unknown algorithm", signer: rsaKey, alg: "none", wantErr: "does not fit"},
		{name: "nil signer", signer: nil, wantErr: "nil signer"},
		{name: "unsupported curve", signer: p224, wantErr: "unsupported elliptic curve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey(tt.signer, tt.alg, tt.kid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewKey error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewKey: %v", err)
			}
			if got := k.Algorithm(); got != tt.wantAlg {
				t.Errorf("Algorithm() = %q, want %q", got, tt.wantAlg)
			}
			wantKid := tt.kid
			if wantKid == "" {
				wantKid, _ = Thumbprint(tt.signer.Public())
			}
			if got := k.ID(); got != wantKid {
				t.Errorf("ID() = %q, want %q", got, wantKid)
			}
			pub := k.Public()
			if pub.KeyID != wantKid || pub.Algorithm != tt.wantAlg || pub.Use != "sig" {
				t.Errorf("Public() = %+v, want kid %q alg %q use sig", pub, wantKid, tt.wantAlg)
			}
		})
	}
}

func TestNewKeyRejectsSmallRSA(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "rsa1024.pem"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParsePEM(data, "", "")
	if err == nil || !strings.Contains(err.Error(), "1024 bits") {
		t.Fatalf("ParsePEM(1024-bit RSA) error = %v, want a key size error", err)
	}
}

func TestGenerateKey(t *testing.T) {
	for _, alg := range AsymmetricAlgorithms() {
		t.Run(string(alg), func(t *testing.T) {
			k, err := GenerateKey(alg)
			if err != nil {
				t.Fatalf("GenerateKey: %v", err)
			}
			if k.Algorithm() != alg {
				t.Errorf("Algorithm() = %q, want %q", k.Algorithm(), alg)
			}
			tok, err := k.SignJWT(map[string]string{"sub": "x"}, "JWT")
			if err != nil {
				t.Fatalf("SignJWT: %v", err)
			}
			v, err := Verify(context.Background(), tok, &JWKS{Keys: []PublicKey{k.Public()}}, []Algorithm{alg})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if v.Header.Algorithm != alg || v.Header.KeyID != k.ID() || v.Header.Type != "JWT" {
				t.Errorf("header = %+v, want alg %s kid %s typ JWT", v.Header, alg, k.ID())
			}
		})
	}
	for _, alg := range []Algorithm{HS256, "none", ""} {
		t.Run("reject "+string(alg), func(t *testing.T) {
			if _, err := GenerateKey(alg); err == nil {
				t.Errorf("GenerateKey(%q) succeeded, want an error", alg)
			}
		})
	}
}

// hsmSigner hides the concrete key type, as a hardware-backed signer does.
type hsmSigner struct{ inner crypto.Signer }

func (h hsmSigner) Public() crypto.PublicKey { return h.inner.Public() }
func (h hsmSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return h.inner.Sign(r, digest, opts)
}

func TestOpaqueSigner(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name   string
		signer crypto.Signer
		alg    Algorithm
	}{
		{"RS256", rsaKey, RS256},
		{"PS512", rsaKey, PS512},
		{"ES384", ecKey, ES384},
		{"EdDSA", edKey, EdDSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey(hsmSigner{tt.signer}, tt.alg, "hsm")
			if err != nil {
				t.Fatalf("NewKey: %v", err)
			}
			tok, err := k.SignJWT(map[string]int{"n": 1}, "")
			if err != nil {
				t.Fatalf("SignJWT: %v", err)
			}
			v, err := Verify(context.Background(), tok, &JWKS{Keys: []PublicKey{k.Public()}}, []Algorithm{tt.alg})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := string(v.Payload); got != `{"n":1}` {
				t.Errorf("payload = %s, want {\"n\":1}", got)
			}
			if v.Header.KeyID != "hsm" {
				t.Errorf("kid = %q, want hsm", v.Header.KeyID)
			}
		})
	}
}

func TestParsePEM(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{"no block", "hello", "no PEM block"},
		{"certificate block", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "unsupported PEM block"},
		{"garbage pkcs8", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "parsing PRIVATE KEY"},
		{"garbage pkcs1", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "parsing RSA PRIVATE KEY"},
		{"garbage sec1", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n", "parsing EC PRIVATE KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePEM([]byte(tt.data), "", "")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParsePEM error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// RFC 7515 Appendix A.3.1: the ECDSA P-256 key, as a private JWK.
const rfc7515ECKey = `{"kty":"EC","crv":"P-256",
 "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
 "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
 "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}`

func TestParseJWK(t *testing.T) {
	t.Run("rfc 7515 key", func(t *testing.T) {
		k, err := ParseJWK([]byte(rfc7515ECKey))
		if err != nil {
			t.Fatalf("ParseJWK: %v", err)
		}
		if k.Algorithm() != ES256 {
			t.Errorf("Algorithm() = %q, want ES256", k.Algorithm())
		}
		tp, _ := Thumbprint(k.Public().Key)
		if k.ID() != tp {
			t.Errorf("ID() = %q, want thumbprint %q", k.ID(), tp)
		}
	})
	t.Run("kid and alg members", func(t *testing.T) {
		data := strings.Replace(rfc7515ECKey, `{"kty"`, `{"kid":"k1","alg":"ES256","kty"`, 1)
		k, err := ParseJWK([]byte(data))
		if err != nil {
			t.Fatalf("ParseJWK: %v", err)
		}
		if k.ID() != "k1" {
			t.Errorf("ID() = %q, want k1", k.ID())
		}
	})
	bad := []struct{ name, data string }{
		{"not json", "{"},
		{"public only", `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`},
		{"symmetric", `{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`},
		{"alg mismatch", strings.Replace(rfc7515ECKey, `{"kty"`, `{"alg":"RS256","kty"`, 1)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseJWK([]byte(tt.data)); err == nil {
				t.Errorf("ParseJWK succeeded, want an error")
			}
		})
	}
}

func TestSignJWTWithSecret(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tok, err := SignJWTWithSecret(secret, HS256, map[string]string{"iss": "c1"}, "JWT")
	if err != nil {
		t.Fatalf("SignJWTWithSecret: %v", err)
	}
	v, err := VerifyWithSecret(tok, secret, []Algorithm{HS256})
	if err != nil {
		t.Fatalf("VerifyWithSecret: %v", err)
	}
	if string(v.Payload) != `{"iss":"c1"}` {
		t.Errorf("payload = %s, want {\"iss\":\"c1\"}", v.Payload)
	}
	tests := []struct {
		name    string
		secret  []byte
		alg     Algorithm
		wantErr string
	}{
		{"short secret", []byte("short"), HS256, "at least 32"},
		{"short for HS512", secret, HS512, "at least 64"},
		{"asymmetric algorithm", secret, RS256, "not an HMAC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := SignJWTWithSecret(tt.secret, tt.alg, map[string]string{}, "")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	t.Run("invalid raw claims", func(t *testing.T) {
		_, err := SignJWTWithSecret(secret, HS256, []byte("{"), "")
		if err == nil {
			t.Fatal("signing invalid JSON succeeded")
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		_, err := VerifyWithSecret(tok, []byte("fedcba9876543210fedcba9876543210"), []Algorithm{HS256})
		if !errors.Is(err, ErrSignature) {
			t.Errorf("error = %v, want ErrSignature", err)
		}
	})
}

func TestSignJWTPayloads(t *testing.T) {
	k := loadKey(t, "ed25519.pem", "")
	keys := &JWKS{Keys: []PublicKey{k.Public()}}
	tests := []struct {
		name    string
		claims  any
		want    string
		wantErr bool
	}{
		{name: "struct", claims: struct {
			Sub string `json:"sub"`
		}{"a"}, want: `{"sub":"a"}`},
		{name: "raw bytes", claims: []byte(`{"sub": "a"}`), want: `{"sub": "a"}`},
		{name: "raw message", claims: json.RawMessage(`{"n":1}`), want: `{"n":1}`},
		{name: "invalid bytes", claims: []byte(`{`), wantErr: true},
		{name: "invalid raw message", claims: json.RawMessage(`nope`), wantErr: true},
		{name: "not encodable", claims: map[string]any{"c": make(chan int)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := k.SignJWT(tt.claims, "")
			if tt.wantErr {
				if err == nil {
					t.Fatal("SignJWT succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("SignJWT: %v", err)
			}
			v, err := Verify(context.Background(), tok, keys, []Algorithm{EdDSA})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if string(v.Payload) != tt.want {
				t.Errorf("payload = %s, want %s", v.Payload, tt.want)
			}
			if v.Header.Type != "" {
				t.Errorf("typ = %q, want none", v.Header.Type)
			}
		})
	}
}
