package keyset

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// mustGenerate returns a new key of alg.
func mustGenerate(t testing.TB, alg Algorithm) *Key {
	t.Helper()
	k, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// mustSignJWK signs claims with k and its jwk header.
func mustSignJWK(t testing.TB, k *Key, claims string) string {
	t.Helper()
	tok, err := k.SignJWTWithJWK([]byte(claims), "dpop+jwt")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signWithHeader signs claims with an ECDSA key and the header options
// given, for headers SignJWTWithJWK would never make.
func signWithHeader(t testing.TB, key any, alg jose.SignatureAlgorithm, claims string, opts *jose.SignerOptions) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return mustSign(t, s, claims)
}

// remembered is how many headers v holds, counting twice one that is in
// both generations.
func (v *EmbeddedVerifier) remembered() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.cur) + len(v.old)
}

func TestEmbeddedVerifierAccepts(t *testing.T) {
	for _, alg := range []Algorithm{ES256, ES384, PS256, RS256, EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			k := mustGenerate(t, alg)
			want, err := Thumbprint(k.Public().Key)
			if err != nil {
				t.Fatal(err)
			}
			v := NewEmbeddedVerifier([]Algorithm{alg}, 0)
			for i, name := range []string{"first", "remembered"} {
				claims := fmt.Sprintf(`{"n":%d}`, i)
				ver, jkt, err := v.Verify(mustSignJWK(t, k, claims))
				if err != nil {
					t.Fatalf("%s token: got error %v, want nil", name, err)
				}
				if jkt != want || string(ver.Payload) != claims || ver.Header.Algorithm != alg || ver.Header.Type != "dpop+jwt" {
					t.Errorf("%s token: got %q, %s, %+v, want %q, %s", name, ver.Payload, jkt, ver.Header, claims, want)
				}
				if got := v.remembered(); got != 1 {
					t.Errorf("%s token: got %d headers remembered, want 1", name, got)
				}
			}
		})
	}
}

// TestEmbeddedVerifierRefuses sends forged and malformed tokens to a
// verifier that remembers the header of the victim's key.
func TestEmbeddedVerifierRefuses(t *testing.T) {
	victim := mustGenerate(t, ES256)
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := mustSignJWK(t, victim, `{"n":1}`)
	header, _, _ := strings.Cut(good, ".")
	forged := signWithHeader(t, attacker, jose.ES256, `{"n":2}`, &jose.SignerOptions{EmbedJWK: true})
	_, forgedRest, _ := strings.Cut(forged, ".")
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	withJWK := func(jwk any) *jose.SignerOptions {
		return (&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jwk)
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"victim's header, attacker's payload and signature", header + "." + forgedRest, ErrSignature},
		{"victim's header and signature, other payload", header + ".eyJuIjoyfQ." + good[strings.LastIndex(good, ".")+1:], ErrSignature},
		{"victim's header, no signature", header + ".eyJuIjoyfQ.", ErrSignature},
		{"victim's header, signature not base64url", header + ".eyJuIjoyfQ.a+b", ErrMalformed},
		{"victim's header, payload not base64url", header + ".e+J.abc", ErrMalformed},
		{"victim's header, four parts", good + ".x", ErrMalformed},
		{"victim's header alone", header, ErrMalformed},
		{"victim's header and a dot", header + ".", ErrMalformed},
		{"victim's thumbprint as the kid of another key", signWithHeader(t, attacker, jose.ES256, `{}`, withJWK(&jose.JSONWebKey{Key: victim.Public().Key, KeyID: victim.ID()})), ErrSignature},
		{"private key in the jwk", signWithHeader(t, attacker, jose.ES256, `{}`, withJWK(&jose.JSONWebKey{Key: attacker})), ErrMalformed},
		{"jwk of another curve", signWithHeader(t, attacker, jose.ES256, `{}`, withJWK(&jose.JSONWebKey{Key: p384.Public()})), ErrUnknownKey},
		{"algorithm not allowed", signWithHeader(t, p384, jose.ES384, `{}`, &jose.SignerOptions{EmbedJWK: true}), ErrAlgorithm},
		{"HMAC", signWithHeader(t, []byte(strings.Repeat("k", 32)), jose.HS256, `{}`, nil), ErrAlgorithm},
	}
	v := NewEmbeddedVerifier([]Algorithm{ES256, HS256}, 0)
	if _, _, err := v.Verify(good); err != nil {
		t.Fatalf("victim's token: got error %v, want nil", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				if _, _, err := v.Verify(tt.token); !errors.Is(err, tt.want) {
					t.Errorf("Verify: got error %v, want %v", err, tt.want)
				}
				if _, err := VerifyEmbedded(tt.token, []Algorithm{ES256}); err == nil {
					t.Errorf("VerifyEmbedded: got nil error, want one")
				}
			}
			if got := v.remembered(); got != 1 {
				t.Errorf("got %d headers remembered, want only the victim's", got)
			}
		})
	}
}

// TestEmbeddedVerifierLookalike shows that a key whose jwk names the
// victim's kid gets its own thumbprint, not the victim's.
func TestEmbeddedVerifierLookalike(t *testing.T) {
	victim := mustGenerate(t, ES256)
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	v := NewEmbeddedVerifier([]Algorithm{ES256}, 0)
	_, victimJKT, err := v.Verify(mustSignJWK(t, victim, `{}`))
	if err != nil {
		t.Fatal(err)
	}
	jwk := &jose.JSONWebKey{Key: attacker.Public(), KeyID: victimJKT}
	tok := signWithHeader(t, attacker, jose.ES256, `{}`, (&jose.SignerOptions{}).WithType("dpop+jwt").WithHeader("jwk", jwk))
	attackerJKT, _ := Thumbprint(attacker.Public())
	for _, name := range []string{"first", "remembered"} {
		_, jkt, err := v.Verify(tok)
		if err != nil || jkt != attackerJKT {
			t.Errorf("%s lookalike: got %s, %v, want the attacker's thumbprint %s", name, jkt, err, attackerJKT)
		}
	}
}

func TestEmbeddedVerifierBound(t *testing.T) {
	tests := []struct {
		name  string
		bound int
		keys  int
	}{
		{"bound 1", 1, 5},
		{"bound 4", 4, 12},
		{"bound 5", 5, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewEmbeddedVerifier([]Algorithm{ES256}, tt.bound)
			keys := make([]*Key, tt.keys)
			for i := range keys {
				keys[i] = mustGenerate(t, ES256)
				for range 2 {
					if _, _, err := v.Verify(mustSignJWK(t, keys[i], `{}`)); err != nil {
						t.Fatalf("key %d: got error %v, want nil", i, err)
					}
				}
				if got := v.remembered(); got > tt.bound {
					t.Fatalf("after key %d: got %d headers remembered, want at most %d", i, got, tt.bound)
				}
			}
			want, _ := Thumbprint(keys[0].Public().Key)
			if _, jkt, err := v.Verify(mustSignJWK(t, keys[0], `{}`)); err != nil || jkt != want {
				t.Errorf("dropped key: got %s, %v, want %s", jkt, err, want)
			}
		})
	}
}

func TestEmbeddedVerifierKeepsRecent(t *testing.T) {
	v := NewEmbeddedVerifier([]Algorithm{ES256}, 4)
	hot := mustGenerate(t, ES256)
	hotHeader, _, _ := strings.Cut(mustSignJWK(t, hot, `{}`), ".")
	for i := range 10 {
		if _, _, err := v.Verify(mustSignJWK(t, hot, `{}`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := v.Verify(mustSignJWK(t, mustGenerate(t, ES256), `{}`)); err != nil {
			t.Fatal(err)
		}
		if v.lookup(hotHeader) == nil {
			t.Fatalf("round %d: got the header of the key in use dropped, want it kept", i)
		}
	}
}

func TestEmbeddedVerifierLargeHeader(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithHeader("x", strings.Repeat("a", maxRememberedHeader))
	v := NewEmbeddedVerifier([]Algorithm{ES256}, 0)
	for range 2 {
		if _, _, err := v.Verify(signWithHeader(t, key, jose.ES256, `{}`, opts)); err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
	}
	if got := v.remembered(); got != 0 {
		t.Errorf("got %d headers remembered, want 0", got)
	}
}

// TestEmbeddedVerifierConcurrent verifies good and forged tokens of a few
// keys from several goroutines, through a bound that keeps dropping them.
func TestEmbeddedVerifierConcurrent(t *testing.T) {
	v := NewEmbeddedVerifier([]Algorithm{ES256}, 2)
	var good, bad []string
	for range 3 {
		k := mustGenerate(t, ES256)
		tok := mustSignJWK(t, k, `{"a":1}`)
		good = append(good, tok)
		bad = append(bad, tok[:strings.LastIndex(tok, ".")]+"."+strings.Repeat("A", 86))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 4 {
		wg.Go(func() {
			for i := range 30 {
				tok := good[(g+i)%len(good)]
				if _, _, err := v.Verify(tok); err != nil {
					errs <- fmt.Errorf("good token: got error %v, want nil", err)
				}
				if _, _, err := v.Verify(bad[(g+i)%len(bad)]); !errors.Is(err, ErrSignature) {
					errs <- fmt.Errorf("forged token: got error %v, want ErrSignature", err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// BenchmarkEmbeddedVerifier checks ES256 tokens of one key, as a DPoP
// client sends them, next to VerifyEmbedded and Thumbprint, which parse
// the header and its key for every token.
func BenchmarkEmbeddedVerifier(b *testing.B) {
	k := mustGenerate(b, ES256)
	tokens := make([]string, 256)
	for i := range tokens {
		tokens[i] = mustSignJWK(b, k, fmt.Sprintf(`{"jti":"%d","htm":"POST","htu":"https://as.example/token","iat":1700000000}`, i))
	}
	b.Run("remembered", func(b *testing.B) {
		v := NewEmbeddedVerifier([]Algorithm{ES256}, 0)
		b.ReportAllocs()
		for i := range b.N {
			if _, _, err := v.Verify(tokens[i%len(tokens)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parsed", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			ver, err := VerifyEmbedded(tokens[i%len(tokens)], []Algorithm{ES256})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Thumbprint(ver.Key.Key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzEmbeddedVerifier checks that a verifier that remembers the header
// of a key decides every token as VerifyEmbedded does, with the same
// payload, and gives the thumbprint of the key that verified it.
func FuzzEmbeddedVerifier(f *testing.F) {
	k := mustGenerate(f, ES256)
	good := mustSignJWK(f, k, `{"jti":"a"}`)
	header, _, _ := strings.Cut(good, ".")
	f.Add(good)
	f.Add(mustSignJWK(f, k, `{"jti":"b"}`))
	f.Add(header + ".eyJqdGkiOiJiIn0." + good[strings.LastIndex(good, ".")+1:])
	f.Add(header + "..")
	f.Add(header)
	f.Add(good + ".")
	v := NewEmbeddedVerifier([]Algorithm{ES256, EdDSA}, 4)
	if _, _, err := v.Verify(good); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		got, jkt, err := v.Verify(token)
		want, wantErr := VerifyEmbedded(token, []Algorithm{ES256, EdDSA})
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("Verify(%q): got error %v, want %v as VerifyEmbedded", token, err, wantErr)
		}
		if err != nil {
			return
		}
		wantJKT, _ := Thumbprint(want.Key.Key)
		if string(got.Payload) != string(want.Payload) || got.Header != want.Header || jkt != wantJKT {
			t.Errorf("Verify(%q): got %q, %+v, %s, want %q, %+v, %s", token, got.Payload, got.Header, jkt, want.Payload, want.Header, wantJKT)
		}
	})
}
