package dpop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

var t0 = time.Date(2030, time.May, 6, 7, 8, 9, 0, time.UTC)

const tokenURL = "https://as.example/token"

func mustKey(t testing.TB, alg keyset.Algorithm) *keyset.Key {
	t.Helper()
	k, err := keyset.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signRaw signs arbitrary claims with key and the given header options,
// for proofs Sign would never make.
func signRaw(t testing.TB, key *ecdsa.PrivateKey, alg jose.SignatureAlgorithm, claims any, opts *jose.SignerOptions) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func request(method, proof string) *http.Request {
	r := httptest.NewRequest(method, tokenURL, nil)
	if proof != "" {
		r.Header.Set("DPoP", proof)
	}
	return r
}

func mustSign(t testing.TB, k *keyset.Key, c dpop.ProofClaims) string {
	t.Helper()
	if c.IssuedAt.IsZero() {
		c.IssuedAt = t0
	}
	p, err := dpop.Sign(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newVerifier(nonces *dpop.Nonces) *dpop.Verifier {
	return dpop.NewVerifier(dpop.Config{Now: func() time.Time { return t0 }, Nonces: nonces,
		Algorithms: []keyset.Algorithm{keyset.ES256, keyset.PS256, keyset.EdDSA}})
}

func TestVerifyAccepts(t *testing.T) {
	for _, alg := range []keyset.Algorithm{keyset.ES256, keyset.PS256, keyset.EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			k := mustKey(t, alg)
			proof := mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL + "?x=1#f"})
			p, err := newVerifier(nil).Verify(t.Context(), request("POST", proof), "https://AS.example:443/a/../token", "")
			if err != nil {
				t.Fatalf("Verify: got error %v, want nil", err)
			}
			want, _ := keyset.Thumbprint(k.Public().Key)
			if p.JKT != want || p.Method != "POST" || p.URI != tokenURL || !p.IssuedAt.Equal(t0) || p.Algorithm != alg {
				t.Errorf("proof: got %+v, want jkt %s, POST %s at %v", p, want, tokenURL, t0)
			}
		})
	}
}

// TestVerifyRefuses walks the checks of RFC 9449 §4.3.
func TestVerifyRefuses(t *testing.T) {
	k := mustKey(t, keyset.ES256)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubJWK := &jose.JSONWebKey{Key: ec.Public()}
	privJWK := &jose.JSONWebKey{Key: ec}
	claims := map[string]any{"jti": "j1", "htm": "POST", "htu": tokenURL, "iat": t0.Unix()}
	with := func(name string, v any) map[string]any {
		c := map[string]any{}
		for k, v := range claims {
			c[k] = v
		}
		if v == nil {
			delete(c, name)
		} else {
			c[name] = v
		}
		return c
	}
	hdr := func(typ string, jwk *jose.JSONWebKey) *jose.SignerOptions {
		o := (&jose.SignerOptions{}).WithType(jose.ContentType(typ))
		if jwk != nil {
			o.WithHeader("jwk", jwk)
		}
		return o
	}
	rs := mustKey(t, keyset.RS256)
	tests := []struct {
		name   string
		method string
		proof  string
		token  string
	}{
		{"not a JWT", "POST", "abc", ""},
		{"two values", "POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL}) + ", x", ""},
		{"wrong typ", "POST", signRaw(t, ec, jose.ES256, claims, hdr("JWT", pubJWK)), ""},
		{"no typ", "POST", signRaw(t, ec, jose.ES256, claims, (&jose.SignerOptions{}).WithHeader("jwk", pubJWK)), ""},
		{"no jwk", "POST", signRaw(t, ec, jose.ES256, claims, hdr("dpop+jwt", nil)), ""},
		{"private jwk", "POST", signRaw(t, ec, jose.ES256, claims, hdr("dpop+jwt", privJWK)), ""},
		{"jwk of another key", "POST", signRaw(t, ec, jose.ES256, claims, hdr("dpop+jwt", &jose.JSONWebKey{Key: k.Public().Key})), ""},
		{"algorithm not allowed", "POST", mustSign(t, rs, dpop.ProofClaims{Method: "POST", URI: tokenURL}), ""},
		{"no jti", "POST", signRaw(t, ec, jose.ES256, with("jti", nil), hdr("dpop+jwt", pubJWK)), ""},
		{"jti not a string", "POST", signRaw(t, ec, jose.ES256, with("jti", 5), hdr("dpop+jwt", pubJWK)), ""},
		{"wrong htm", "GET", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL}), ""},
		{"lower-case htm", "POST", mustSign(t, k, dpop.ProofClaims{Method: "post", URI: tokenURL}), ""},
		{"wrong htu", "POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: "https://as.example/other"}), ""},
		{"htu of another host", "POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: "https://evil.example/token"}), ""},
		{"no iat", "POST", signRaw(t, ec, jose.ES256, with("iat", nil), hdr("dpop+jwt", pubJWK)), ""},
		{"iat a string", "POST", signRaw(t, ec, jose.ES256, with("iat", "1"), hdr("dpop+jwt", pubJWK)), ""},
		{"iat too old", "POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL, IssuedAt: t0.Add(-2 * time.Minute)}), ""},
		{"iat in the future", "POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL, IssuedAt: t0.Add(time.Minute)}), ""},
		{"no ath with a token", "GET", mustSign(t, k, dpop.ProofClaims{Method: "GET", URI: tokenURL}), "at"},
		{"ath of another token", "GET", mustSign(t, k, dpop.ProofClaims{Method: "GET", URI: tokenURL, AccessToken: "other"}), "at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newVerifier(nil).Verify(t.Context(), request(tt.method, tt.proof), tokenURL, tt.token)
			var e *grantry.Error
			if !errors.As(err, &e) || e.Code != grantry.ErrInvalidDPoPProof {
				t.Errorf("Verify: got error %v, want invalid_dpop_proof", err)
			}
		})
	}
}

func TestVerifyHeader(t *testing.T) {
	k := mustKey(t, keyset.ES256)
	proof := mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL})
	r := request("POST", "")
	if _, err := newVerifier(nil).Verify(t.Context(), r, tokenURL, ""); !errors.Is(err, dpop.ErrNoProof) {
		t.Errorf("no header: got error %v, want ErrNoProof", err)
	}
	r.Header.Add("DPoP", proof)
	r.Header.Add("DPoP", proof)
	var e *grantry.Error
	if _, err := newVerifier(nil).Verify(t.Context(), r, tokenURL, ""); !errors.As(err, &e) || e.Code != grantry.ErrInvalidDPoPProof {
		t.Errorf("two headers: got error %v, want invalid_dpop_proof", err)
	}
}

func TestVerifyReplay(t *testing.T) {
	k := mustKey(t, keyset.ES256)
	v := newVerifier(nil)
	proof := mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL})
	if _, err := v.Verify(t.Context(), request("POST", proof), tokenURL, ""); err != nil {
		t.Fatalf("first use: got error %v, want nil", err)
	}
	_, err := v.Verify(t.Context(), request("POST", proof), tokenURL, "")
	var e *grantry.Error
	if !errors.As(err, &e) || e.Code != grantry.ErrInvalidDPoPProof {
		t.Errorf("second use: got error %v, want invalid_dpop_proof", err)
	}
}

type failingCache struct{}

func (failingCache) SeenJTI(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("down")
}

func TestVerifyReplayCacheDown(t *testing.T) {
	k := mustKey(t, keyset.ES256)
	v := dpop.NewVerifier(dpop.Config{Now: func() time.Time { return t0 }, Replay: failingCache{}})
	_, err := v.Verify(t.Context(), request("POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL})), tokenURL, "")
	if _, ok := grantry.AsError(err); err == nil || ok {
		t.Errorf("Verify with the cache down: got %v, want a plain error", err)
	}
}

func TestVerifyATH(t *testing.T) {
	k := mustKey(t, keyset.ES256)
	proof := mustSign(t, k, dpop.ProofClaims{Method: "GET", URI: "https://api.example/r", AccessToken: "tok-1"})
	r := httptest.NewRequest("GET", "https://api.example/r?q=1", nil)
	r.Header.Set("DPoP", proof)
	if _, err := newVerifier(nil).Verify(t.Context(), r, "https://api.example/r", "tok-1"); err != nil {
		t.Errorf("Verify with ath: got error %v, want nil", err)
	}
	sum := dpop.ATH("tok-1")
	if _, err := base64.RawURLEncoding.DecodeString(sum); err != nil || len(sum) != 43 {
		t.Errorf("ATH: got %q, want 43 base64url characters", sum)
	}
}

func TestVerifyNonce(t *testing.T) {
	now := t0
	nonces, err := dpop.NewNonces(make([]byte, dpop.NonceKeySize), time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	k := mustKey(t, keyset.ES256)
	v := newVerifier(nonces)
	_, err = v.Verify(t.Context(), request("POST", mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL})), tokenURL, "")
	var e *grantry.Error
	if !errors.As(err, &e) || e.Code != grantry.ErrUseDPoPNonce {
		t.Fatalf("without nonce: got error %v, want use_dpop_nonce", err)
	}
	nonce := e.Header.Get(dpop.NonceHeader)
	if !nonces.Valid(nonce) {
		t.Fatalf("DPoP-Nonce %q: not valid", nonce)
	}
	proof := mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL, Nonce: nonce})
	if _, err := v.Verify(t.Context(), request("POST", proof), tokenURL, ""); err != nil {
		t.Errorf("with nonce: got error %v, want nil", err)
	}
	bad := mustSign(t, k, dpop.ProofClaims{Method: "POST", URI: tokenURL, Nonce: "bogus"})
	if _, err := v.Verify(t.Context(), request("POST", bad), tokenURL, ""); !errors.As(err, &e) || e.Code != grantry.ErrUseDPoPNonce {
		t.Errorf("with a bad nonce: got error %v, want use_dpop_nonce", err)
	}
}

func TestAlgorithms(t *testing.T) {
	v := dpop.NewVerifier(dpop.Config{Algorithms: []keyset.Algorithm{keyset.ES256, keyset.HS256, "none"}})
	if got := v.Algorithms(); len(got) != 1 || got[0] != "ES256" {
		t.Errorf("Algorithms: got %v, want [ES256]", got)
	}
	if got := dpop.NewVerifier(dpop.Config{}).Nonce(); got != "" {
		t.Errorf("Nonce without Nonces: got %q, want empty", got)
	}
}

// TestVerifyRemembersKeys sends, after a proof of a client's key, proofs
// that try to pass for that key, and checks the bound on remembered keys.
func TestVerifyRemembersKeys(t *testing.T) {
	victim, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	attacker, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	victimJKT, _ := keyset.Thumbprint(victim.Public())
	attackerJKT, _ := keyset.Thumbprint(attacker.Public())
	n := 0
	claims := func() map[string]any {
		n++
		return map[string]any{"jti": fmt.Sprint("j", n), "htm": "POST", "htu": tokenURL, "iat": t0.Unix()}
	}
	hdr := func(jwk *jose.JSONWebKey, typ string) *jose.SignerOptions {
		return (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("jwk", jwk)
	}
	victimProof := func() string {
		return signRaw(t, victim, jose.ES256, claims(), hdr(&jose.JSONWebKey{Key: victim.Public()}, "dpop+jwt"))
	}
	spliced := func() string {
		h, _, _ := strings.Cut(victimProof(), ".")
		_, rest, _ := strings.Cut(signRaw(t, attacker, jose.ES256, claims(), hdr(&jose.JSONWebKey{Key: attacker.Public()}, "dpop+jwt")), ".")
		return h + "." + rest
	}
	tests := []struct {
		name    string
		proof   func() string
		wantJKT string // "" when refused
	}{
		{"the victim's proof", victimProof, victimJKT},
		{"the victim's header on the attacker's claims and signature", spliced, ""},
		{"the attacker's key with the victim's thumbprint as kid", func() string {
			return signRaw(t, attacker, jose.ES256, claims(), hdr(&jose.JSONWebKey{Key: attacker.Public(), KeyID: victimJKT}, "dpop+jwt"))
		}, attackerJKT},
		{"the victim's key with the victim's thumbprint as kid, signed by the attacker", func() string {
			return signRaw(t, attacker, jose.ES256, claims(), hdr(&jose.JSONWebKey{Key: victim.Public(), KeyID: victimJKT}, "dpop+jwt"))
		}, ""},
		{"the victim's jwk with its private part", func() string {
			return signRaw(t, victim, jose.ES256, claims(), hdr(&jose.JSONWebKey{Key: victim}, "dpop+jwt"))
		}, ""},
		{"the victim's jwk with another typ", func() string {
			return signRaw(t, victim, jose.ES256, claims(), hdr(&jose.JSONWebKey{Key: victim.Public()}, "JWT"))
		}, ""},
		{"the victim's proof again", victimProof, victimJKT},
	}
	v := newVerifier(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				p, err := v.Verify(t.Context(), request("POST", tt.proof()), tokenURL, "")
				if tt.wantJKT == "" {
					var e *grantry.Error
					if !errors.As(err, &e) || e.Code != grantry.ErrInvalidDPoPProof {
						t.Errorf("Verify: got %v, want invalid_dpop_proof", err)
					}
					continue
				}
				if err != nil || p.JKT != tt.wantJKT {
					t.Errorf("Verify: got %v, want jkt %s", err, tt.wantJKT)
				}
			}
		})
	}
}

func TestVerifyKeysBound(t *testing.T) {
	v := dpop.NewVerifier(dpop.Config{Now: func() time.Time { return t0 }, KeyCache: 2})
	keys := make([]*keyset.Key, 6)
	for round := range 2 {
		for i := range keys {
			if round == 0 {
				keys[i] = mustKey(t, keyset.ES256)
			}
			p, err := v.Verify(t.Context(), request("POST", mustSign(t, keys[i], dpop.ProofClaims{Method: "POST", URI: tokenURL})), tokenURL, "")
			want, _ := keyset.Thumbprint(keys[i].Public().Key)
			if err != nil || p.JKT != want {
				t.Errorf("round %d, key %d: got %v, want jkt %s", round, i, err, want)
			}
		}
	}
}
