package accesstoken_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

const testIssuer = "https://as.test"

// newKeys returns a key set with one ES256 key.
func newKeys(t testing.TB) *keyset.Set {
	t.Helper()
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	set, err := keyset.NewSet(k)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func newGenerator(t testing.TB, set *keyset.Set, aud ...string) *accesstoken.JWTGenerator {
	t.Helper()
	g, err := accesstoken.NewJWTGenerator(accesstoken.JWTConfig{
		Issuer: testIssuer, Keys: func() *keyset.Set { return set }, Audience: aud,
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// decode checks the signature and header of a JWT access token and returns
// its claims.
func decode(t *testing.T, set *keyset.Set, token string) map[string]any {
	t.Helper()
	v, err := keyset.Verify(context.Background(), token, set, keyset.AsymmetricAlgorithms())
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if v.Header.Type != "at+jwt" {
		t.Errorf("typ: got %q, want at+jwt", v.Header.Type)
	}
	if v.Header.KeyID != set.Active().ID() {
		t.Errorf("kid: got %q, want %q", v.Header.KeyID, set.Active().ID())
	}
	var claims map[string]any
	if err := json.Unmarshal(v.Payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestJWTGeneratorClaims(t *testing.T) {
	set := newKeys(t)
	base := storage.Token{
		ID: "tok-1", ClientID: "app", IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		Scope: grantry.Scope{"profile", "email"},
	}
	common := func(sub string, aud any) map[string]any {
		return map[string]any{
			"iss": testIssuer, "sub": sub, "aud": aud, "exp": float64(now.Add(time.Hour).Unix()),
			"iat": float64(now.Unix()), "jti": "tok-1", "client_id": "app", "scope": "profile email",
		}
	}
	tests := []struct {
		name     string
		audience []string
		edit     func(*storage.Token)
		want     map[string]any
	}{
		{"user token, issuer as default audience", nil,
			func(t *storage.Token) { t.Subject = "alice" }, common("alice", testIssuer)},
		{"client credentials: sub is the client", nil,
			func(t *storage.Token) { t.GrantType = grantry.GrantClientCredentials }, common("app", testIssuer)},
		{"configured default audience", []string{"https://api.test"},
			func(t *storage.Token) { t.Subject = "alice" }, common("alice", "https://api.test")},
		{"bound resources are the audience", []string{"https://api.test"},
			func(t *storage.Token) {
				t.Subject = "alice"
				t.Resource = []string{"https://a.test", "https://b.test"}
			}, common("alice", []any{"https://a.test", "https://b.test"})},
		{"authentication claims", nil,
			func(t *storage.Token) {
				t.Subject = "alice"
				t.Extra = map[string]string{"auth_time": "1900000000", "acr": "urn:mace:incommon:iap:silver", "amr": "pwd otp", "nonce": "n"}
			}, func() map[string]any {
				m := common("alice", testIssuer)
				m["auth_time"], m["acr"], m["amr"] = float64(1900000000), "urn:mace:incommon:iap:silver", []any{"pwd", "otp"}
				return m
			}()},
		{"no scope", nil,
			func(t *storage.Token) { t.Subject, t.Scope = "alice", nil }, func() map[string]any {
				m := common("alice", testIssuer)
				delete(m, "scope")
				return m
			}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := base
			tt.edit(&tok)
			raw, err := newGenerator(t, set, tt.audience...).NewAccessToken(context.Background(), &tok)
			if err != nil {
				t.Fatalf("NewAccessToken: %v", err)
			}
			if got := decode(t, set, raw); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("claims: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewJWTGenerator(t *testing.T) {
	keys := func() *keyset.Set { return nil }
	tests := []struct {
		name string
		cfg  accesstoken.JWTConfig
	}{
		{"no issuer", accesstoken.JWTConfig{Keys: keys}},
		{"no keys", accesstoken.JWTConfig{Issuer: testIssuer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := accesstoken.NewJWTGenerator(tt.cfg); err == nil {
				t.Errorf("NewJWTGenerator: got no error, want one")
			}
		})
	}
	t.Run("no key set at the time of a request", func(t *testing.T) {
		g, err := accesstoken.NewJWTGenerator(accesstoken.JWTConfig{Issuer: testIssuer, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.NewAccessToken(context.Background(), &storage.Token{ID: "x"}); err == nil {
			t.Errorf("NewAccessToken: got no error, want one")
		}
	})
}

func BenchmarkJWTGenerator(b *testing.B) {
	for _, alg := range []keyset.Algorithm{keyset.ES256, keyset.RS256, keyset.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			k, err := keyset.GenerateKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			set, _ := keyset.NewSet(k)
			g := newGenerator(b, set)
			tok := &storage.Token{ID: "tok-1", ClientID: "app", Subject: "alice", Scope: grantry.Scope{"profile"},
				IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.NewAccessToken(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
