package oauth2

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
)

func TestBasicAuthEncoding(t *testing.T) {
	// RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined and
	// base64-encoded.
	tests := []struct {
		id, secret, wantPlain string
	}{
		{"c1", "s1", "c1:s1"},
		{"a-b:c", "p@ss word", "a-b%3Ac:p%40ss+word"},
		{"ü", "%&+=", "%C3%BC:%25%26%2B%3D"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.clientID, srv.secret = tt.id, tt.secret
			cfg := srv.config()
			cfg.ClientID, cfg.ClientSecret = tt.id, tt.secret
			if _, err := newClient(t, cfg).ClientCredentials(bg); err != nil {
				t.Fatalf("ClientCredentials: %v", err)
			}
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte(tt.wantPlain))
			if got := srv.header().Get("Authorization"); got != want {
				t.Errorf("Authorization = %q, want %q", got, want)
			}
			if f := srv.form(); f.Has("client_secret") || f.Has("client_id") {
				t.Errorf("form %v carries credentials as well as the header", f)
			}
		})
	}
}

func TestClientAuthMethods(t *testing.T) {
	clientKey, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		method   grantry.AuthMethod
		secret   string
		key      *keyset.Key
		clientID string
		alg      keyset.Algorithm
		check    func(t *testing.T, s *authServer)
	}{
		{name: "basic", method: grantry.AuthClientSecretBasic, secret: "s1", check: noFormSecret},
		{name: "default is basic", method: "", secret: "s1", check: noFormSecret},
		{name: "post", method: grantry.AuthClientSecretPost, secret: "s1", check: func(t *testing.T, s *authServer) {
			if f := s.form(); f.Get("client_id") != "c1" || f.Get("client_secret") != "s1" {
				t.Errorf("form = %v, want client_id c1 and client_secret s1", f)
			}
			noHeader(t, s)
		}},
		{name: "none", method: grantry.AuthNone, clientID: "public", check: func(t *testing.T, s *authServer) {
			if f := s.form(); f.Get("client_id") != "public" || f.Has("client_secret") {
				t.Errorf("form = %v, want client_id only", f)
			}
			noHeader(t, s)
		}},
		{name: "client secret jwt", method: grantry.AuthClientSecretJWT, secret: strings.Repeat("k", 32), check: assertionSent(keyset.HS256)},
		{name: "client secret jwt HS512", method: grantry.AuthClientSecretJWT, secret: strings.Repeat("k", 64), alg: keyset.HS512, check: assertionSent(keyset.HS512)},
		{name: "private key jwt", method: grantry.AuthPrivateKeyJWT, key: clientKey, check: assertionSent(keyset.ES256)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.clientKey = tt.key
			if tt.secret != "" {
				srv.secret = tt.secret
			}
			cfg := srv.config()
			cfg.AuthMethod, cfg.ClientSecret, cfg.SigningKey, cfg.AssertionAlgorithm = tt.method, tt.secret, tt.key, tt.alg
			if tt.clientID != "" {
				cfg.ClientID = tt.clientID
			}
			tok, err := newClient(t, cfg).ClientCredentials(bg)
			if err != nil {
				t.Fatalf("ClientCredentials: %v", err)
			}
			if tok.AccessToken == "" {
				t.Error("no access token")
			}
			tt.check(t, srv)
		})
	}
}

func noFormSecret(t *testing.T, s *authServer) {
	t.Helper()
	if !strings.HasPrefix(s.header().Get("Authorization"), "Basic ") {
		t.Errorf("Authorization = %q, want Basic credentials", s.header().Get("Authorization"))
	}
	if s.form().Has("client_secret") {
		t.Error("client_secret sent in the form")
	}
}

func noHeader(t *testing.T, s *authServer) {
	t.Helper()
	if h := s.header().Get("Authorization"); h != "" {
		t.Errorf("Authorization = %q, want none", h)
	}
}

// assertionSent checks the RFC 7523 §3 claims of the client assertion.
func assertionSent(alg keyset.Algorithm) func(t *testing.T, s *authServer) {
	return func(t *testing.T, s *authServer) {
		t.Helper()
		f := s.form()
		if f.Get("client_assertion_type") != clientAssertionType || f.Has("client_secret") {
			t.Fatalf("form = %v, want a JWT client assertion and no secret", f)
		}
		noHeader(t, s)
		parts := strings.Split(f.Get("client_assertion"), ".")
		if len(parts) != 3 {
			t.Fatalf("assertion has %d parts, want 3", len(parts))
		}
		var hdr struct{ Alg string }
		var c assertionClaims
		decodePart(t, parts[0], &hdr)
		decodePart(t, parts[1], &c)
		if hdr.Alg != string(alg) {
			t.Errorf("alg = %q, want %q", hdr.Alg, alg)
		}
		now := time.Now().Unix()
		if c.Issuer != "c1" || c.Subject != "c1" || c.Audience != s.URL+"/token" || len(c.JWTID) < 32 {
			t.Errorf("claims = %+v, want iss=sub=c1, aud the token endpoint and a long jti", c)
		}
		if c.Expiry <= now || c.Expiry > now+61 || c.IssuedAt > now {
			t.Errorf("exp %d, iat %d at %d: want iat now and exp within 60 s", c.Expiry, c.IssuedAt, now)
		}
	}
}

func decodePart(t *testing.T, part string, v any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestAssertionsAreUnique(t *testing.T) {
	cfg := Config{ClientID: "c1", ClientSecret: strings.Repeat("k", 32), TokenEndpoint: "https://as.test/token",
		AuthMethod: grantry.AuthClientSecretJWT, AssertionAudience: "https://as.test", AssertionLifetime: 5 * time.Minute}
	c := newClient(t, cfg)
	seen := map[string]bool{}
	for range 3 {
		req := &EndpointRequest{Form: map[string][]string{}}
		if err := c.auth(bg, req); err != nil {
			t.Fatal(err)
		}
		var claims assertionClaims
		decodePart(t, strings.Split(req.Form.Get("client_assertion"), ".")[1], &claims)
		if seen[claims.JWTID] {
			t.Errorf("jti %q reused", claims.JWTID)
		}
		seen[claims.JWTID] = true
		if claims.Audience != "https://as.test" || claims.Expiry-claims.IssuedAt != 300 {
			t.Errorf("aud %q, lifetime %d s: want the configured audience and 300 s", claims.Audience, claims.Expiry-claims.IssuedAt)
		}
	}
}

func TestClientSecretJWTSecretLength(t *testing.T) {
	tests := []struct {
		name    string
		alg     keyset.Algorithm
		secret  int // bytes
		wantErr string
	}{
		{name: "HS256 default, 2 bytes", secret: 2, wantErr: "at least 32 bytes, not 2"},
		{name: "HS256 default, 31 bytes", secret: 31, wantErr: "at least 32 bytes, not 31"},
		{name: "HS256 default, 32 bytes", secret: 32},
		{name: "HS384, 47 bytes", alg: keyset.HS384, secret: 47, wantErr: "at least 48 bytes"},
		{name: "HS384, 48 bytes", alg: keyset.HS384, secret: 48},
		{name: "HS512, 63 bytes", alg: keyset.HS512, secret: 63, wantErr: "at least 64 bytes"},
		{name: "HS512, 64 bytes", alg: keyset.HS512, secret: 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			cfg := srv.config()
			cfg.AuthMethod, cfg.AssertionAlgorithm = grantry.AuthClientSecretJWT, tt.alg
			cfg.ClientSecret = strings.Repeat("k", tt.secret)
			srv.secret = cfg.ClientSecret
			c, err := New(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got New error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got New error %v, want none", err)
			}
			if _, err := c.ClientCredentials(bg); err != nil {
				t.Errorf("got ClientCredentials error %v, want none", err)
			}
		})
	}
}

func TestCustomAuthMethod(t *testing.T) {
	srv := newAuthServer(t)
	cfg := srv.config()
	cfg.AuthMethod = "header_key"
	cfg.AuthMethods = map[grantry.AuthMethod]AuthFunc{
		"header_key": func(_ context.Context, r *EndpointRequest) error {
			r.Header.Set("X-Client-Key", "k-1")
			r.Form.Set("client_id", "public")
			return nil
		},
	}
	if _, err := newClient(t, cfg).ClientCredentials(bg); err != nil {
		t.Fatalf("ClientCredentials: %v", err)
	}
	if got := srv.header().Get("X-Client-Key"); got != "k-1" {
		t.Errorf("X-Client-Key = %q, want k-1", got)
	}

	failing := errors.New("no credentials today")
	cfg.AuthMethods["header_key"] = func(context.Context, *EndpointRequest) error { return failing }
	if _, err := newClient(t, cfg).ClientCredentials(bg); !errors.Is(err, failing) {
		t.Errorf("error = %v, want the method's error", err)
	}
}

// TestAssertionAudience checks that an assertion names the server it is
// for by its issuer identifier, never by an endpoint URL taken from
// metadata that a dishonest server could point elsewhere.
func TestAssertionAudience(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"issuer, token endpoint of another server", Config{Issuer: "https://as.test", TokenEndpoint: "https://victim.test/token"}, "https://as.test"},
		{"issuer and its own token endpoint", Config{Issuer: "https://as.test", TokenEndpoint: "https://as.test/token"}, "https://as.test"},
		{"configured audience", Config{Issuer: "https://as.test", AssertionAudience: "https://as.test/token"}, "https://as.test/token"},
		{"no issuer", Config{TokenEndpoint: "https://as.test/token"}, "https://as.test/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.ClientID = "c1"
			claims, err := tt.cfg.assertion()
			if err != nil {
				t.Fatal(err)
			}
			if claims.Audience != tt.want {
				t.Errorf("aud: got %q, want %q", claims.Audience, tt.want)
			}
		})
	}
}
