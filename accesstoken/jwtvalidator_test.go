package accesstoken_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

const resourceID = "https://api.test"

// goodClaims are the claims of a valid token for resourceID at now.
func goodClaims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "alice", "aud": resourceID, "exp": now.Add(time.Hour).Unix(),
		"iat": now.Unix(), "jti": "tok-1", "client_id": "app", "scope": "profile email",
	}
}

// with returns goodClaims changed: a nil value removes the claim.
func with(changes map[string]any) map[string]any {
	c := goodClaims()
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func signed(t testing.TB, k *keyset.Key, typ string, claims map[string]any) string {
	t.Helper()
	s, err := k.SignJWT(claims, typ)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unsigned returns a token with alg none (RFC 7519 §6).
func unsigned(claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(claims)
	return enc([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + enc(payload) + "."
}

// jwksServer serves set at /jwks.json, counting the requests.
func jwksServer(t *testing.T, set *keyset.Set) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	h := &keyset.Handler{Set: set}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newJWTValidator(t testing.TB, src keyset.KeySource, leeway time.Duration) *accesstoken.JWTValidator {
	t.Helper()
	v, err := accesstoken.NewJWTValidator(src, accesstoken.JWTValidatorConfig{
		Issuer: testIssuer, Audience: resourceID, Leeway: leeway, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// protect answers a request with token to a resource needing scope
// profile, behind a Protector over v.
func protect(v bearer.Validator, leeway time.Duration, token string) *httptest.ResponseRecorder {
	p := bearer.New(v, bearer.Config{Realm: "api", Now: func() time.Time { return now }, Leeway: leeway})
	h := p.Require("profile")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		_, _ = w.Write([]byte(info.Subject))
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestJWTValidatorThroughBearer(t *testing.T) {
	set := newKeys(t)
	key := set.Active()
	other, _ := keyset.GenerateKey(keyset.ES256)
	srv, _ := jwksServer(t, set)
	remote, err := keyset.NewRemote(srv.URL+"/jwks.json", keyset.RemoteConfig{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(key.Public().Key)
	hsWithPublicKey, err := keyset.SignJWTWithSecret(pubDER, keyset.HS256, goodClaims(), "at+jwt")
	if err != nil {
		t.Fatal(err)
	}
	leeway := 30 * time.Second
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", signed(t, key, "at+jwt", goodClaims()), http.StatusOK},
		{"full media type", signed(t, key, "application/at+jwt", goodClaims()), http.StatusOK},
		{"typ in capitals", signed(t, key, "AT+JWT", goodClaims()), http.StatusOK},
		{"aud array holding the resource", signed(t, key, "at+jwt", with(map[string]any{"aud": []string{"https://x.test", resourceID}})), http.StatusOK},
		{"expired within the leeway", signed(t, key, "at+jwt", with(map[string]any{"exp": now.Add(-10 * time.Second).Unix()})), http.StatusOK},
		{"nbf within the leeway", signed(t, key, "at+jwt", with(map[string]any{"nbf": now.Add(10 * time.Second).Unix()})), http.StatusOK},
		{"expired", signed(t, key, "at+jwt", with(map[string]any{"exp": now.Add(-time.Minute).Unix()})), http.StatusUnauthorized},
		{"not yet valid", signed(t, key, "at+jwt", with(map[string]any{"nbf": now.Add(time.Minute).Unix()})), http.StatusUnauthorized},
		{"issued in the future", signed(t, key, "at+jwt", with(map[string]any{"iat": now.Add(time.Minute).Unix()})), http.StatusUnauthorized},
		{"wrong iss", signed(t, key, "at+jwt", with(map[string]any{"iss": "https://evil.test"})), http.StatusUnauthorized},
		{"wrong aud", signed(t, key, "at+jwt", with(map[string]any{"aud": "https://other.test"})), http.StatusUnauthorized},
		{"aud array without the resource", signed(t, key, "at+jwt", with(map[string]any{"aud": []string{"https://other.test"}})), http.StatusUnauthorized},
		{"wrong typ", signed(t, key, "JWT", goodClaims()), http.StatusUnauthorized},
		{"no typ", signed(t, key, "", goodClaims()), http.StatusUnauthorized},
		{"alg none", unsigned(goodClaims()), http.StatusUnauthorized},
		{"HS256 with the public key as secret", hsWithPublicKey, http.StatusUnauthorized},
		{"unknown kid", signed(t, other, "at+jwt", goodClaims()), http.StatusUnauthorized},
		{"no exp", signed(t, key, "at+jwt", with(map[string]any{"exp": nil})), http.StatusUnauthorized},
		{"no iat", signed(t, key, "at+jwt", with(map[string]any{"iat": nil})), http.StatusUnauthorized},
		{"no sub", signed(t, key, "at+jwt", with(map[string]any{"sub": nil})), http.StatusUnauthorized},
		{"no client_id", signed(t, key, "at+jwt", with(map[string]any{"client_id": nil})), http.StatusUnauthorized},
		{"no jti", signed(t, key, "at+jwt", with(map[string]any{"jti": nil})), http.StatusUnauthorized},
		{"exp not a number", signed(t, key, "at+jwt", with(map[string]any{"exp": "tomorrow"})), http.StatusUnauthorized},
		{"fractional times", signed(t, key, "at+jwt", with(map[string]any{"exp": float64(now.Add(time.Hour).Unix()) + 0.5, "iat": float64(now.Unix()) - 0.25})), http.StatusOK},
		{"exp out of range", signed(t, key, "at+jwt", with(map[string]any{"exp": 1e300})), http.StatusUnauthorized},
		{"malformed scope", signed(t, key, "at+jwt", with(map[string]any{"scope": "profile \"x\""})), http.StatusUnauthorized},
		{"not a JWT", "opaque-token", http.StatusUnauthorized},
		{"insufficient scope", signed(t, key, "at+jwt", with(map[string]any{"scope": "email"})), http.StatusForbidden},
	}
	v := newJWTValidator(t, remote, leeway)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := protect(v, leeway, tt.token)
			if rec.Code != tt.want {
				t.Fatalf("status: got %d, want %d (%s)", rec.Code, tt.want, rec.Body)
			}
			challenge := rec.Header().Get("WWW-Authenticate")
			if tt.want == http.StatusUnauthorized && !strings.Contains(challenge, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate: got %q, want error=\"invalid_token\"", challenge)
			}
		})
	}
}

func TestJWTValidatorInfo(t *testing.T) {
	set := newKeys(t)
	v := newJWTValidator(t, set, 0)
	claims := with(map[string]any{"nbf": now.Unix(), "auth_time": now.Add(-time.Hour).Unix(), "acr": "silver", "amr": []string{"pwd"}})
	got, err := v.ValidateToken(context.Background(), signed(t, set.Active(), "at+jwt", claims))
	if err != nil {
		t.Fatal(err)
	}
	want := grantry.TokenInfo{
		Active: true, Scope: grantry.Scope{"profile", "email"}, ClientID: "app", TokenType: "Bearer",
		ExpiresAt: now.Add(time.Hour), IssuedAt: now, NotBefore: now,
		Subject: "alice", Audience: []string{resourceID}, Issuer: testIssuer, JTI: "tok-1",
		Extra: map[string]any{"auth_time": now.Add(-time.Hour).Unix(), "acr": "silver", "amr": []string{"pwd"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ValidateToken: got %+v, want %+v", got, want)
	}
}

// A token signed by a key the authorization server published after the
// resource server fetched its set is accepted: the unknown kid makes the
// Remote fetch again.
func TestJWTValidatorKeyRotation(t *testing.T) {
	set := newKeys(t)
	srv, fetches := jwksServer(t, set)
	clock := now
	remote, err := keyset.NewRemote(srv.URL, keyset.RemoteConfig{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	v := newJWTValidator(t, remote, 0)
	ctx := context.Background()
	if info, err := v.ValidateToken(ctx, signed(t, set.Active(), "at+jwt", goodClaims())); err != nil || !info.Active {
		t.Fatalf("first token: got (%v, %v), want active", info.Active, err)
	}
	next, _ := keyset.GenerateKey(keyset.ES256)
	if err := set.Rotate(next); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(keyset.DefaultRefetchInterval)
	if info, err := v.ValidateToken(ctx, signed(t, next, "at+jwt", goodClaims())); err != nil || !info.Active {
		t.Fatalf("token of the new key: got (%v, %v), want active", info.Active, err)
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches: got %d, want 2", got)
	}
	// Unknown key IDs within the refetch interval fetch nothing more.
	stranger, _ := keyset.GenerateKey(keyset.ES256)
	for range 3 {
		if info, _ := v.ValidateToken(ctx, signed(t, stranger, "at+jwt", goodClaims())); info.Active {
			t.Fatal("token of an unknown key: got active, want inactive")
		}
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches after unknown kids: got %d, want 2", got)
	}
}

// A key source that cannot answer is no verdict on the token: 503.
func TestJWTValidatorKeysUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	remote, err := keyset.NewRemote(srv.URL, keyset.RemoteConfig{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	set := newKeys(t)
	rec := protect(newJWTValidator(t, remote, 0), 0, signed(t, set.Active(), "at+jwt", goodClaims()))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status: got %d, want 503", rec.Code)
	}
}

func TestNewJWTValidator(t *testing.T) {
	set := newKeys(t)
	tests := []struct {
		name string
		src  keyset.KeySource
		cfg  accesstoken.JWTValidatorConfig
	}{
		{"no key source", nil, accesstoken.JWTValidatorConfig{Issuer: testIssuer, Audience: resourceID}},
		{"no issuer", set, accesstoken.JWTValidatorConfig{Audience: resourceID}},
		{"no audience", set, accesstoken.JWTValidatorConfig{Issuer: testIssuer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := accesstoken.NewJWTValidator(tt.src, tt.cfg); err == nil {
				t.Error("NewJWTValidator: got no error, want one")
			}
		})
	}
	t.Run("algorithm allow-list", func(t *testing.T) {
		rsa, _ := keyset.GenerateKey(keyset.RS256)
		rsSet, _ := keyset.NewSet(rsa)
		v, err := accesstoken.NewJWTValidator(rsSet, accesstoken.JWTValidatorConfig{
			Issuer: testIssuer, Audience: resourceID, Algorithms: []keyset.Algorithm{keyset.ES256, keyset.HS256},
			Now: func() time.Time { return now },
		})
		if err != nil {
			t.Fatal(err)
		}
		if info, err := v.ValidateToken(context.Background(), signed(t, rsa, "at+jwt", goodClaims())); err != nil || info.Active {
			t.Errorf("RS256 token with ES256 allowed: got (%v, %v), want inactive", info.Active, err)
		}
	})
}

// What the generator signs, the validator reads back as the server's
// store describes the token.
func TestJWTRoundTrip(t *testing.T) {
	set := newKeys(t)
	rec := &storage.Token{ID: "tok-1", ClientID: "app", Subject: "alice", Scope: grantry.Scope{"profile"},
		Resource: []string{resourceID}, IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	raw, err := newGenerator(t, set).NewAccessToken(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := newJWTValidator(t, set, 0).ValidateToken(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	var want grantry.TokenInfo
	rec.AccessInfo(&want, testIssuer, now)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ValidateToken: got %+v, want %+v", got, want)
	}
}

func FuzzJWTValidator(f *testing.F) {
	set := newKeys(f)
	f.Add(signed(f, set.Active(), "at+jwt", goodClaims()))
	f.Add(unsigned(goodClaims()))
	f.Add("a.b.c")
	v := newJWTValidator(f, set, 0)
	f.Fuzz(func(t *testing.T, token string) {
		info, err := v.ValidateToken(context.Background(), token)
		if err != nil {
			t.Fatalf("ValidateToken(%q): got error %v, want none from a key set", token, err)
		}
		if info.Active && (info.Issuer != testIssuer || !strings.Contains(strings.Join(info.Audience, " "), resourceID)) {
			t.Errorf("ValidateToken(%q): got active %+v for the wrong issuer or audience", token, info)
		}
	})
}

func BenchmarkJWTValidator(b *testing.B) {
	for _, alg := range []keyset.Algorithm{keyset.ES256, keyset.RS256, keyset.EdDSA} {
		b.Run(string(alg), func(b *testing.B) {
			k, err := keyset.GenerateKey(alg)
			if err != nil {
				b.Fatal(err)
			}
			set, _ := keyset.NewSet(k)
			v := newJWTValidator(b, set, 0)
			token := signed(b, k, "at+jwt", goodClaims())
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if info, err := v.ValidateToken(ctx, token); err != nil || !info.Active {
					b.Fatalf("ValidateToken: got (%v, %v)", info.Active, err)
				}
			}
		})
	}
}
