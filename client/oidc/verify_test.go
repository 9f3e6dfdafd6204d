package oidc

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
)

// keys used across the verification tests, made once.
var (
	keysOnce                    sync.Once
	rsaKey, ecKey, edKey, psKey *keyset.Key
	otherRSA                    *keyset.Key // not published
)

func testKeys(t *testing.T) {
	keysOnce.Do(func() {
		rsaKey, _ = keyset.GenerateKey(keyset.RS256)
		ecKey, _ = keyset.GenerateKey(keyset.ES384)
		edKey, _ = keyset.GenerateKey(keyset.EdDSA)
		psKey, _ = keyset.NewKey(rsaKey.Signer(), keyset.PS512, "ps")
		other, _ := keyset.GenerateKey(keyset.RS256)
		otherRSA, _ = keyset.NewKey(other.Signer(), keyset.RS256, rsaKey.ID()) // claims the published kid
	})
	if rsaKey == nil || otherRSA == nil {
		t.Fatal("key generation failed")
	}
}

const issuer = "https://op.test"

var now = time.Unix(1_700_000_000, 0)

func baseClaims() map[string]any {
	return map[string]any{
		"iss": issuer, "sub": "alice", "aud": "c1", "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "nonce": "n-1", "auth_time": now.Add(-10 * time.Minute).Unix(),
	}
}

func with(c map[string]any, kv ...any) map[string]any {
	out := maps.Clone(c)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func signWith(t *testing.T, k *keyset.Key, claims any) string {
	t.Helper()
	tok, err := k.SignJWT(claims, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func hashOf(t *testing.T, alg keyset.Algorithm, v string) string {
	t.Helper()
	h, err := tokenHash(alg, v)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestVerify(t *testing.T) {
	testKeys(t)
	published := &keyset.JWKS{Keys: []keyset.PublicKey{rsaKey.Public(), ecKey.Public(), edKey.Public(), psKey.Public()}}
	all := []keyset.Algorithm{keyset.RS256, keyset.ES384, keyset.EdDSA, keyset.PS512}
	secret := strings.Repeat("s", 32)
	hs, err := keyset.SignJWTWithSecret([]byte(secret), keyset.HS256, baseClaims(), "JWT")
	if err != nil {
		t.Fatal(err)
	}
	none := b64url(`{"alg":"none"}`) + "." + b64url(`{"iss":"https://op.test","sub":"alice","aud":"c1","exp":1700000300,"iat":1700000000}`) + "."
	b := baseClaims()

	tests := []struct {
		name    string
		token   string
		algs    []keyset.Algorithm
		secret  string
		leeway  time.Duration
		trusted []string
		exp     Expect
		wantErr error
	}{
		{name: "valid RS256", token: signWith(t, rsaKey, b), exp: Expect{Nonce: "n-1"}},
		{name: "valid ES384", token: signWith(t, ecKey, b), algs: all},
		{name: "valid EdDSA", token: signWith(t, edKey, b), algs: all},
		{name: "valid PS512", token: signWith(t, psKey, b), algs: all},
		{name: "alg not allowed", token: signWith(t, ecKey, b), wantErr: keyset.ErrAlgorithm},
		{name: "alg none", token: none, algs: append(all, "none"), wantErr: keyset.ErrAlgorithm},
		{name: "bad signature", token: signWith(t, otherRSA, b), wantErr: keyset.ErrSignature},
		{name: "unknown kid", token: signWith(t, mustKey(t, keyset.RS256), b), wantErr: keyset.ErrUnknownKey},
		{name: "malformed", token: "not.a.jwt", wantErr: keyset.ErrMalformed},
		{name: "HS256 with client secret", token: hs, algs: []keyset.Algorithm{keyset.RS256, keyset.HS256}, secret: secret},
		{name: "HS256 wrong secret", token: hs, algs: []keyset.Algorithm{keyset.HS256}, secret: strings.Repeat("x", 32), wantErr: keyset.ErrSignature},
		{name: "HS256 without secret", token: hs, algs: []keyset.Algorithm{keyset.RS256, keyset.HS256}, wantErr: keyset.ErrAlgorithm},
		{name: "HS256 not allowed", token: hs, secret: secret, wantErr: keyset.ErrAlgorithm},
		{name: "wrong issuer", token: signWith(t, rsaKey, with(b, "iss", "https://evil.test")), wantErr: ErrIssuer},
		{name: "issuer with trailing slash", token: signWith(t, rsaKey, with(b, "iss", issuer+"/")), wantErr: ErrIssuer},
		{name: "wrong audience", token: signWith(t, rsaKey, with(b, "aud", "c2")), wantErr: ErrAudience},
		{name: "audience list with client", token: signWith(t, rsaKey, with(b, "aud", []string{"c2", "c1"}, "azp", "c1")), trusted: []string{"c2"}},
		{name: "audience list with an untrusted audience", token: signWith(t, rsaKey, with(b, "aud", []string{"c2", "c1"}, "azp", "c1")), wantErr: ErrAudience},
		{name: "several audiences without azp", token: signWith(t, rsaKey, with(b, "aud", []string{"c1", "c2"})), trusted: []string{"c2"}, wantErr: ErrAuthorizedParty},
		{name: "several audiences with azp of another", token: signWith(t, rsaKey, with(b, "aud", []string{"c1", "c2"}, "azp", "c2")), trusted: []string{"c2"}, wantErr: ErrAuthorizedParty},
		{name: "azp of another client", token: signWith(t, rsaKey, with(b, "azp", "c2")), wantErr: ErrAuthorizedParty},
		{name: "expired", token: signWith(t, rsaKey, with(b, "exp", now.Add(-2*time.Minute).Unix())), wantErr: ErrExpired},
		{name: "expired within leeway", token: signWith(t, rsaKey, with(b, "exp", now.Add(-30*time.Second).Unix()))},
		{name: "expired with no leeway", token: signWith(t, rsaKey, with(b, "exp", now.Add(-1*time.Second).Unix())), leeway: -1, wantErr: ErrExpired},
		{name: "expired beyond custom leeway", token: signWith(t, rsaKey, with(b, "exp", now.Add(-6*time.Minute).Unix())), leeway: 5 * time.Minute, wantErr: ErrExpired},
		{name: "issued in the future", token: signWith(t, rsaKey, with(b, "iat", now.Add(2*time.Minute).Unix())), wantErr: ErrIssuedAt},
		{name: "issued slightly ahead", token: signWith(t, rsaKey, with(b, "iat", now.Add(30*time.Second).Unix()))},
		{name: "not yet valid", token: signWith(t, rsaKey, with(b, "nbf", now.Add(2*time.Minute).Unix())), wantErr: ErrNotYetValid},
		{name: "nbf passed", token: signWith(t, rsaKey, with(b, "nbf", now.Add(-time.Minute).Unix()))},
		{name: "nonce mismatch", token: signWith(t, rsaKey, b), exp: Expect{Nonce: "n-2"}, wantErr: ErrNonce},
		{name: "nonce missing", token: signWith(t, rsaKey, with(b, "nonce", nil)), exp: Expect{Nonce: "n-1"}, wantErr: ErrNonce},
		{name: "missing sub", token: signWith(t, rsaKey, with(b, "sub", nil)), wantErr: ErrClaims},
		{name: "missing iss", token: signWith(t, rsaKey, with(b, "iss", nil)), wantErr: ErrClaims},
		{name: "missing aud", token: signWith(t, rsaKey, with(b, "aud", nil)), wantErr: ErrClaims},
		{name: "missing exp", token: signWith(t, rsaKey, with(b, "exp", nil)), wantErr: ErrClaims},
		{name: "missing iat", token: signWith(t, rsaKey, with(b, "iat", nil)), wantErr: ErrClaims},
		{name: "exp as string", token: signWith(t, rsaKey, with(b, "exp", "tomorrow")), wantErr: ErrClaims},
		{name: "aud as number", token: signWith(t, rsaKey, with(b, "aud", 7)), wantErr: ErrClaims},
		{name: "payload not json", token: signWith(t, rsaKey, []byte(`"just a string"`)), wantErr: ErrClaims},
		{name: "at_hash matches", token: signWith(t, rsaKey, with(b, "at_hash", hashOf(t, keyset.RS256, "at-1"))), exp: Expect{AccessToken: "at-1"}},
		{name: "at_hash of ES384", token: signWith(t, ecKey, with(b, "at_hash", hashOf(t, keyset.ES384, "at-1"))), algs: all, exp: Expect{AccessToken: "at-1"}},
		{name: "at_hash of EdDSA", token: signWith(t, edKey, with(b, "at_hash", hashOf(t, keyset.EdDSA, "at-1"))), algs: all, exp: Expect{AccessToken: "at-1"}},
		{name: "at_hash with the wrong hash", token: signWith(t, ecKey, with(b, "at_hash", hashOf(t, keyset.RS256, "at-1"))), algs: all, exp: Expect{AccessToken: "at-1"}, wantErr: ErrAccessTokenHash},
		{name: "at_hash mismatch", token: signWith(t, rsaKey, with(b, "at_hash", hashOf(t, keyset.RS256, "at-2"))), exp: Expect{AccessToken: "at-1"}, wantErr: ErrAccessTokenHash},
		{name: "at_hash absent", token: signWith(t, rsaKey, b), exp: Expect{AccessToken: "at-1"}},
		{name: "at_hash required", token: signWith(t, rsaKey, b), exp: Expect{AccessToken: "at-1", RequireAccessTokenHash: true}, wantErr: ErrAccessTokenHash},
		{name: "at_hash required without token", token: signWith(t, rsaKey, with(b, "at_hash", "x")), exp: Expect{RequireAccessTokenHash: true}, wantErr: ErrAccessTokenHash},
		{name: "c_hash matches", token: signWith(t, rsaKey, with(b, "c_hash", hashOf(t, keyset.RS256, "code-1"))), exp: Expect{Code: "code-1", RequireCodeHash: true}},
		{name: "c_hash mismatch", token: signWith(t, rsaKey, with(b, "c_hash", hashOf(t, keyset.RS256, "code-2"))), exp: Expect{Code: "code-1"}, wantErr: ErrCodeHash},
		{name: "c_hash required", token: signWith(t, rsaKey, b), exp: Expect{Code: "code-1", RequireCodeHash: true}, wantErr: ErrCodeHash},
		{name: "auth_time recent", token: signWith(t, rsaKey, b), exp: Expect{AuthAfter: now.Add(-time.Hour)}},
		{name: "auth_time too old", token: signWith(t, rsaKey, b), exp: Expect{AuthAfter: now.Add(-5 * time.Minute)}, wantErr: ErrAuthTime},
		{name: "auth_time missing", token: signWith(t, rsaKey, with(b, "auth_time", nil)), exp: Expect{AuthAfter: now.Add(-time.Hour)}, wantErr: ErrAuthTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVerifier(issuer, published, VerifierConfig{
				ClientID: "c1", ClientSecret: tt.secret, Algorithms: tt.algs, Leeway: tt.leeway,
				TrustedAudiences: tt.trusted, Now: func() time.Time { return now },
			})
			got, err := v.Verify(bg, tt.token, tt.exp)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.Subject != "alice" || got.Issuer != issuer || got.Raw != tt.token {
				t.Errorf("token = %+v", got)
			}
		})
	}
}

func TestIDTokenClaims(t *testing.T) {
	testKeys(t)
	claims := with(baseClaims(), "aud", []string{"c1", "api"}, "azp", "c1", "acr", "urn:mace:incommon:iap:silver",
		"amr", []string{"pwd", "otp"}, "sid", "s-1", "nbf", now.Add(-time.Second).Unix(), "email", "alice@example.com")
	v := testVerifier(t, VerifierConfig{TrustedAudiences: []string{"api"}})
	tok, err := v.Verify(bg, signWith(t, rsaKey, claims), Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.AuthorizedParty != "c1" || tok.ACR != "urn:mace:incommon:iap:silver" || strings.Join(tok.AMR, ",") != "pwd,otp" ||
		tok.SessionID != "s-1" || tok.Nonce != "n-1" || !tok.AuthTime.Equal(now.Add(-10*time.Minute)) ||
		!tok.NotBefore.Equal(now.Add(-time.Second)) || !tok.IssuedAt.Equal(now) || !tok.Expiry.Equal(now.Add(5*time.Minute)) || tok.Algorithm != keyset.RS256 || tok.KeyID != rsaKey.ID() {
		t.Errorf("token = %+v", tok)
	}
	var extra struct{ Email string }
	if err := tok.Claims(&extra); err != nil || extra.Email != "alice@example.com" {
		t.Errorf("Claims: %+v, %v", extra, err)
	}
}

func TestVerifierWithoutClientID(t *testing.T) {
	testKeys(t)
	v := NewVerifier(issuer, &keyset.JWKS{Keys: []keyset.PublicKey{rsaKey.Public()}}, VerifierConfig{Now: func() time.Time { return now }})
	tests := []struct {
		aud     string
		wantErr error
	}{
		{aud: "c1", wantErr: ErrAudience},
		{aud: "", wantErr: ErrClaims}, // an empty aud never matches the empty client ID
	}
	for _, tt := range tests {
		t.Run("aud "+tt.aud, func(t *testing.T) {
			if _, err := v.Verify(bg, signWith(t, rsaKey, with(baseClaims(), "aud", tt.aud)), Expect{}); !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify with aud %q: got error %v, want %v", tt.aud, err, tt.wantErr)
			}
		})
	}
}

// The OpenID Connect Core 1.0 examples (Appendix A.3, A.4 and A.6) give
// these values.
func TestTokenHashVectors(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"at_hash", "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "77QmUPtjPfzWtF2AnpK9RQ"},
		{"c_hash", "Qcb0Orv1zh30vL1MPRsbm-diHiMwcLyZvn1arpZv-Jxf_11jnpEX3Tgfvk", "LDktKdoQak3Pk0cnXxCltA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hashOf(t, keyset.RS256, tt.value); got != tt.want {
				t.Errorf("hash = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := tokenHash("none", "x"); err == nil {
		t.Error("tokenHash(none) succeeded")
	}
	if got := len(hashOf(t, keyset.ES384, "x")); got != 32 {
		t.Errorf("ES384 hash has %d characters, want 32 (24 bytes)", got)
	}
}

func TestVerifyRefetchesOnUnknownKid(t *testing.T) {
	o := newOP(t)
	p := o.provider(t)
	v := p.Verifier(VerifierConfig{ClientID: "c1"})
	first := o.sign(o.defaultClaims("n", ""))
	if _, err := v.Verify(bg, first, Expect{}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// The provider rotates to a new key: one more fetch finds it.
	next, _ := keyset.GenerateKey(keyset.ES256)
	o.set.Rotate(next)
	rotated := o.sign(o.defaultClaims("n", ""))
	// The refetch interval has not passed since the first fetch.
	if _, err := v.Verify(bg, rotated, Expect{}); !errors.Is(err, keyset.ErrUnknownKey) {
		t.Fatalf("Verify right after a fetch: error %v, want ErrUnknownKey (rate limited)", err)
	}
	if got := o.jwksHits.Load(); got != 1 {
		t.Fatalf("JWK Set fetched %d times, want 1", got)
	}

	clk := authtest.NewClock(time.Now())
	p2, err := Discover(bg, o.URL, ProviderConfig{HTTPClient: o.Client(), KeyCache: keyset.RemoteConfig{Now: clk.Now}})
	if err != nil {
		t.Fatal(err)
	}
	v2 := p2.Verifier(VerifierConfig{ClientID: "c1"})
	if _, err := v2.Verify(bg, first, Expect{}); err != nil {
		t.Fatalf("Verify old key: %v", err)
	}
	hits := o.jwksHits.Load()
	clk.Advance(keyset.DefaultRefetchInterval)
	o.set.Rotate(mustKey(t, keyset.EdDSA))
	newest := o.sign(o.defaultClaims("n", ""))
	if _, err := v2.Verify(bg, newest, Expect{}); err != nil {
		t.Fatalf("Verify after rotation: %v", err)
	}
	if got := o.jwksHits.Load() - hits; got != 1 {
		t.Errorf("rotation caused %d fetches, want 1", got)
	}
	// Forged kids do not cause more fetches.
	for i := range 5 {
		forged, _ := keyset.NewKey(mustKey(t, keyset.ES256).Signer(), "", fmt.Sprintf("forged-%d", i))
		if _, err := v2.Verify(bg, signWith(t, forged, o.defaultClaims("n", "")), Expect{}); !errors.Is(err, keyset.ErrUnknownKey) {
			t.Fatalf("forged kid: error %v, want ErrUnknownKey", err)
		}
	}
	if got := o.jwksHits.Load() - hits; got != 1 {
		t.Errorf("forged kids caused %d fetches in total, want still 1", got)
	}
}

func mustKey(t *testing.T, alg keyset.Algorithm) *keyset.Key {
	t.Helper()
	k, err := keyset.GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// RFC 8725 §2.8 (cross-JWT confusion), §3.11 (explicit typing) and §3.12
// (mutually exclusive validation rules): a JWT that declares itself another
// kind must not pass as an ID token. Logout tokens are typed "logout+jwt"
// so that they cannot be taken for ID tokens (OpenID Connect Back-Channel
// Logout 1.0 §2.4), JWT access tokens "at+jwt" (RFC 9068 §2.1). Both can
// carry the iss, sub, aud, exp and iat an ID token needs, and a logout
// token has no nonce, so it passes any check that expects none (an ID
// token from a refresh, OpenID Connect Core 1.0 §12.2). Media type names
// compare without regard to case (RFC 7515 §4.1.9).
func TestExplicitTyping(t *testing.T) {
	claims := with(baseClaims(), "nonce", nil, "jti", "j-1")
	logout := with(claims, "events", map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}})
	access := with(claims, "client_id", "c1", "scope", "openid")
	tests := []struct {
		name    string
		typ     string
		claims  map[string]any
		wantErr error
	}{
		{name: "typ JWT", typ: "JWT", claims: claims},
		{name: "typ jwt in lower case", typ: "jwt", claims: claims},
		{name: "typ application/jwt", typ: "application/jwt", claims: claims},
		{name: "no typ", typ: "", claims: claims},
		{name: "logout token", typ: "logout+jwt", claims: logout, wantErr: ErrTokenType},
		{name: "access token", typ: "at+jwt", claims: access, wantErr: ErrTokenType},
		{name: "access token in upper case", typ: "AT+JWT", claims: access, wantErr: ErrTokenType},
		{name: "access token with media type prefix", typ: "application/at+jwt", claims: access, wantErr: ErrTokenType},
		{name: "access token with mixed-case prefix", typ: "Application/At+Jwt", claims: access, wantErr: ErrTokenType},
	}
	v := testVerifier(t, VerifierConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := rsaKey.SignJWT(tt.claims, tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			got, err := v.Verify(bg, tok, Expect{})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify of a %q token: got %s, error %v; want error %v", tt.typ, summary(got), err, tt.wantErr)
			}
		})
	}
}

// OpenID Connect Core 1.0 §3.1.3.7 step 3: "The ID Token MUST be rejected
// if the ID Token does not list the Client as a valid audience, or if it
// contains additional audiences not trusted by the Client." The client
// trusts the audiences in VerifierConfig.TrustedAudiences, and no other.
func TestUntrustedAudience(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		aud     []string
		wantErr error
	}{
		{name: "only the client", aud: []string{"c1"}},
		{name: "client and an unknown party", aud: []string{"c1", "https://evil.test"}, wantErr: ErrAudience},
		{name: "client and a trusted party", trusted: []string{"https://api.test"}, aud: []string{"c1", "https://api.test"}},
		{name: "trusted party first", trusted: []string{"https://api.test"}, aud: []string{"https://api.test", "c1"}},
		{name: "client, a trusted and an unknown party", trusted: []string{"https://api.test"}, aud: []string{"c1", "https://api.test", "https://evil.test"}, wantErr: ErrAudience},
		{name: "trusted party without the client", trusted: []string{"https://api.test"}, aud: []string{"https://api.test"}, wantErr: ErrAudience},
		{name: "audiences compare exactly", trusted: []string{"https://api.test"}, aud: []string{"c1", "https://API.test"}, wantErr: ErrAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := testVerifier(t, VerifierConfig{TrustedAudiences: tt.trusted})
			got, err := v.Verify(bg, signWith(t, rsaKey, with(baseClaims(), "aud", tt.aud, "azp", "c1")), Expect{})
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify with aud %q: got %s, error %v; want error %v", tt.aud, summary(got), err, tt.wantErr)
			}
		})
	}
}
