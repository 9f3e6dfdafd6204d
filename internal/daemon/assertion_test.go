package daemon

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	xoauth2 "golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage/memstore"
)

// assertionSetup is a running server and the admin commands over one
// memory store, both with the key-encryption key testKEK, so that a
// secret the commands seal the server opens.
type assertionSetup struct {
	h *harness
	a *admin
}

func newAssertionSetup(t *testing.T, opts ...func(*serveConfig)) *assertionSetup {
	t.Helper()
	store := memstore.New()
	a := &admin{t: t, store: store}
	old := openStore
	openStore = func(context.Context, string, string) (*backend, error) { return memoryBackend(store), nil }
	t.Cleanup(func() { openStore = old })
	h := newHarnessOn(t, store, memoryBackend(store), append([]func(*serveConfig){withKEK(testKEK)}, opts...)...)
	return &assertionSetup{h: h, a: a}
}

// create runs grantry client create with the key-encryption key in the
// environment and returns the client it printed.
func (s *assertionSetup) create(args ...string) clientJSON {
	s.a.t.Helper()
	return s.runClient(append([]string{"client", "create", "--grants", "client_credentials", "--scope", "profile email", "--json"}, args...)...)
}

func (s *assertionSetup) runClient(args ...string) clientJSON {
	s.a.t.Helper()
	var out, errOut strings.Builder
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut, envOf(map[string]string{kekEnv: testKEK}))
	if code != 0 {
		s.a.t.Fatalf("grantry %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut.String())
	}
	var c clientJSON
	if err := json.Unmarshal([]byte(out.String()), &c); err != nil {
		s.a.t.Fatalf("grantry %s printed %q: %v", strings.Join(args, " "), out.String(), err)
	}
	return c
}

// client returns a client/oauth2 session of the server's endpoints whose
// assertions name the issuer as audience.
func (s *assertionSetup) client(t *testing.T, cfg oauth2.Config) *oauth2.Client {
	t.Helper()
	cfg.TokenEndpoint = s.h.url("/token")
	cfg.RevocationEndpoint = s.h.url(revocationPath)
	cfg.IntrospectionEndpoint = s.h.url(introspectionPath)
	if cfg.AssertionAudience == "" {
		cfg.AssertionAudience = s.h.app.cfg.Issuer
	}
	c, err := oauth2.New(cfg)
	if err != nil {
		t.Fatalf("oauth2.New: %v", err)
	}
	return c
}

// tokenRoundTrip obtains a token by the client credentials grant,
// introspects it, revokes it and introspects it again: three endpoints,
// four client assertions.
func tokenRoundTrip(t *testing.T, c *oauth2.Client) {
	t.Helper()
	ctx := t.Context()
	tok, err := c.ClientCredentials(ctx)
	if err != nil {
		t.Fatalf("ClientCredentials: %v", err)
	}
	info, err := c.Introspect(ctx, tok.AccessToken, grantry.HintAccessToken)
	if err != nil || !info.Active || info.ClientID != c.Config().ClientID {
		t.Fatalf("Introspect: got (%+v, %v), want an active token of %s", info, err, c.Config().ClientID)
	}
	if err := c.Revoke(ctx, tok.AccessToken, grantry.HintAccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	info, err = c.Introspect(ctx, tok.AccessToken, grantry.HintAccessToken)
	if err != nil || info.Active {
		t.Fatalf("Introspect after Revoke: got (%+v, %v), want inactive", info, err)
	}
}

func TestClientSecretJWTAgainstServe(t *testing.T) {
	s := newAssertionSetup(t)
	created := s.create("--id", "cs", "--auth-method", "client_secret_jwt", "--token-endpoint-auth-alg", "HS512")
	stored, err := s.h.store.GetClient(t.Context(), "cs")
	if err != nil {
		t.Fatal(err)
	}
	if len(created.ClientSecret) < 64 || stored.SealedSecret == "" || strings.Contains(stored.SealedSecret, created.ClientSecret) ||
		!secret.Verify(stored.SecretHash, created.ClientSecret) {
		t.Fatalf("client_secret_jwt client: got a secret of %d characters, sealed %t, want 64 or more, sealed and hashed",
			len(created.ClientSecret), stored.SealedSecret != "")
	}
	cfg := oauth2.Config{ClientID: "cs", ClientSecret: created.ClientSecret, AuthMethod: grantry.AuthClientSecretJWT, AssertionAlgorithm: keyset.HS512}
	tokenRoundTrip(t, s.client(t, cfg))

	t.Run("HS256-refused", func(t *testing.T) {
		cfg := cfg
		cfg.AssertionAlgorithm = keyset.HS256
		wantInvalidClient(t, s.client(t, cfg))
	})
	t.Run("token-endpoint-audience-refused", func(t *testing.T) {
		cfg := cfg
		cfg.AssertionAudience = s.h.url("/token")
		wantInvalidClient(t, s.client(t, cfg))
	})
	t.Run("rotated", func(t *testing.T) {
		rotated := s.runClient("client", "rotate-secret", "cs", "--json")
		wantInvalidClient(t, s.client(t, cfg))
		cfg := cfg
		cfg.ClientSecret = rotated.ClientSecret
		tokenRoundTrip(t, s.client(t, cfg))
	})
}

// wantInvalidClient checks that the client's token request is refused
// with invalid_client.
func wantInvalidClient(t *testing.T, c *oauth2.Client) {
	t.Helper()
	_, err := c.ClientCredentials(t.Context())
	var e *oauth2.Error
	if !errors.As(err, &e) || e.Code != grantry.ErrInvalidClient {
		t.Errorf("ClientCredentials: got %v, want invalid_client", err)
	}
}

func writeJWKS(t *testing.T, keys ...*keyset.Key) (string, []byte) {
	t.Helper()
	set := &keyset.JWKS{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.Public())
	}
	doc, err := set.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, doc
}

func TestPrivateKeyJWTAgainstServe(t *testing.T) {
	s := newAssertionSetup(t)
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	file, doc := writeJWKS(t, key)
	jwksServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(jwksServer.Close)
	tests := []struct {
		name string
		args []string
	}{
		{"jwks-file", []string{"--jwks-file", file, "--token-endpoint-auth-alg", "ES256"}},
		{"jwks-uri", []string{"--jwks-uri", jwksServer.URL + "/jwks.json"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created := s.create(append([]string{"--id", tc.name, "--auth-method", "private_key_jwt"}, tc.args...)...)
			if created.ClientSecret != "" {
				t.Errorf("client_secret: got %q, want none for private_key_jwt", created.ClientSecret)
			}
			cfg := oauth2.Config{ClientID: tc.name, AuthMethod: grantry.AuthPrivateKeyJWT, SigningKey: key}
			tokenRoundTrip(t, s.client(t, cfg))
			other, _ := keyset.GenerateKey(keyset.ES256)
			cfg.SigningKey = other
			wantInvalidClient(t, s.client(t, cfg))
		})
	}
}

// TestClientUpdateAuthMethod switches a client_secret_basic client to
// client_secret_jwt, which gives it a new, sealed secret, then to
// private_key_jwt, which takes its secret away.
func TestClientUpdateAuthMethod(t *testing.T) {
	s := newAssertionSetup(t)
	basic := s.create("--id", "svc")
	updated := s.runClient("client", "update", "svc", "--auth-method", "client_secret_jwt", "--json")
	if updated.ClientSecret == "" || updated.ClientSecret == basic.ClientSecret || updated.TokenEndpointAuthMethod != "client_secret_jwt" {
		t.Fatalf("client update --auth-method client_secret_jwt: got %+v, want a new secret", updated)
	}
	cfg := oauth2.Config{ClientID: "svc", ClientSecret: updated.ClientSecret, AuthMethod: grantry.AuthClientSecretJWT}
	tokenRoundTrip(t, s.client(t, cfg))

	key, _ := keyset.GenerateKey(keyset.EdDSA)
	file, _ := writeJWKS(t, key)
	updated = s.runClient("client", "update", "svc", "--auth-method", "private_key_jwt", "--jwks-file", file, "--json")
	stored, err := s.h.store.GetClient(t.Context(), "svc")
	if err != nil || updated.ClientSecret != "" || stored.SecretHash != "" || stored.SealedSecret != "" || len(updated.JWKS) == 0 {
		t.Fatalf("client update --auth-method private_key_jwt: got %+v (stored %+v, %v), want keys and no secret", updated, stored, err)
	}
	wantInvalidClient(t, s.client(t, cfg))
	tokenRoundTrip(t, s.client(t, oauth2.Config{ClientID: "svc", AuthMethod: grantry.AuthPrivateKeyJWT, SigningKey: key}))
}

func TestAssertionMetadata(t *testing.T) {
	s := newAssertionSetup(t)
	r := s.h.get(http.DefaultClient, "/.well-known/oauth-authorization-server")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatal(err)
	}
	strs := func(v any) []string {
		var out []string
		list, _ := v.([]any)
		for _, e := range list {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	for _, name := range []string{"token_endpoint", "revocation_endpoint", "introspection_endpoint"} {
		methods, algs := strs(m[name+"_auth_methods_supported"]), strs(m[name+"_auth_signing_alg_values_supported"])
		if !slices.Contains(methods, "private_key_jwt") || !slices.Contains(methods, "client_secret_jwt") {
			t.Errorf("%s_auth_methods_supported: got %q, want private_key_jwt and client_secret_jwt in it", name, methods)
		}
		if !slices.Contains(algs, "ES256") || !slices.Contains(algs, "HS256") || slices.Contains(algs, "none") {
			t.Errorf("%s_auth_signing_alg_values_supported: got %q, want ES256 and HS256, never none", name, algs)
		}
	}
}

// basicTransport authenticates token requests with client_secret_basic,
// which golang.org/x/oauth2/jwt does not do itself.
type basicTransport struct{ id, secret string }

func (b basicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.id, b.secret)
	return http.DefaultTransport.RoundTrip(r)
}

// TestJWTBearerWithXOAuth2 obtains a token with golang.org/x/oauth2/jwt,
// whose assertion an issuer of --jwt-bearer-issuers signed.
func TestJWTBearerWithXOAuth2(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := keyset.NewKey(rsaKey, keyset.RS256, "idp-1")
	if err != nil {
		t.Fatal(err)
	}
	_, jwks := writeJWKS(t, key)
	issuers := filepath.Join(t.TempDir(), "issuers.json")
	doc := `[{"issuer": "https://idp.example", "jwks": ` + string(jwks) + `, "subjects": ["alice"], "scope": "profile", "clients": ["svc"]}]`
	if err := os.WriteFile(issuers, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newAssertionSetup(t, func(c *serveConfig) {
		c.Grants = newList(string(grantry.GrantClientCredentials), string(grantry.GrantJWTBearer))
		c.JWTBearerIssuers = issuers
	})
	svc := s.create("--id", "svc", "--grants", string(grantry.GrantJWTBearer))
	der, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	cfg := &jwt.Config{
		Email:         "https://idp.example",
		Subject:       "alice",
		PrivateKey:    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		PrivateKeyID:  "idp-1",
		TokenURL:      s.h.url("/token"),
		Audience:      s.h.app.cfg.Issuer,
		Expires:       time.Minute,
		PrivateClaims: map[string]any{"jti": secret.ID()},
	}
	ctx := context.WithValue(t.Context(), xoauth2.HTTPClient, &http.Client{Transport: basicTransport{"svc", svc.ClientSecret}})
	tok, err := cfg.TokenSource(ctx).Token()
	if err != nil {
		t.Fatalf("x/oauth2/jwt Token: %v", err)
	}
	stored, err := s.h.store.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken))
	if err != nil || stored.Subject != "alice" || stored.ClientID != "svc" || stored.GrantType != grantry.GrantJWTBearer {
		t.Fatalf("the token: got (%+v, %v), want alice's, of svc, by the JWT bearer grant", stored, err)
	}
	// The same assertion again, as x/oauth2/jwt sends when it renews with
	// the same private claims: a replay.
	if _, err := cfg.TokenSource(ctx).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("a replayed jti: got %v, want invalid_grant", err)
	}
	cfg.PrivateClaims = map[string]any{"jti": secret.ID()}
	cfg.Subject = "mallory"
	if _, err := cfg.TokenSource(ctx).Token(); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("a subject the issuer may not assert: got %v, want invalid_grant", err)
	}
}

func TestLoadIssuersRefuses(t *testing.T) {
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	_, jwks := writeJWKS(t, key)
	j := string(jwks)
	tests := []struct {
		name, doc, want string
	}{
		{"not-an-array", `{"issuer": "x"}`, "want a JSON array"},
		{"unknown-member", `[{"issuer": "x", "jwks": ` + j + `, "any_subject": true, "subject": "alice"}]`, "unknown field"},
		{"no-issuer", `[{"jwks": ` + j + `, "any_subject": true}]`, "issuer is empty"},
		{"no-subjects", `[{"issuer": "x", "jwks": ` + j + `}]`, "give subjects"},
		{"no-keys", `[{"issuer": "x", "any_subject": true}]`, "one of jwks_uri and jwks"},
		{"both-keys", `[{"issuer": "x", "jwks": ` + j + `, "jwks_uri": "https://x.example/jwks", "any_subject": true}]`, "one of jwks_uri and jwks"},
		{"http-jwks-uri", `[{"issuer": "x", "jwks_uri": "http://x.example/jwks", "any_subject": true}]`, "loopback"},
		{"empty-jwks", `[{"issuer": "x", "jwks": {"keys": []}, "any_subject": true}]`, "no usable key"},
		{"hmac-alg", `[{"issuer": "x", "jwks": ` + j + `, "any_subject": true, "algorithms": ["HS256"]}]`, "algorithm"},
		{"bad-scope", `[{"issuer": "x", "jwks": ` + j + `, "any_subject": true, "scope": "a\"b"}]`, "scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "issuers.json")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := loadIssuers(path); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("loadIssuers: got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	t.Run("missing-file", func(t *testing.T) {
		if _, err := loadIssuers(filepath.Join(t.TempDir(), "none.json")); err == nil {
			t.Errorf("loadIssuers of a missing file: got nil, want an error")
		}
	})
}

// TestClientSecretJWTOnSQLite runs client_secret_jwt on an SQLite file:
// client create seals the secret with the key-encryption key it generates
// next to the database, and the server, started after, opens it; the jti
// replay cache is the database's.
func TestClientSecretJWTOnSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "grantry.db")
	var out, errOut strings.Builder
	args := []string{"client", "create", "--db", db, "--id", "cs", "--grants", "client_credentials", "--auth-method", "client_secret_jwt", "--json"}
	if code := Main(t.Context(), args, strings.NewReader(""), &out, &errOut, envOf(nil)); code != 0 {
		t.Fatalf("grantry %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut.String())
	}
	var created clientJSON
	if err := json.Unmarshal([]byte(out.String()), &created); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db + ".kek"); err != nil {
		t.Fatalf("the key-encryption key file: %v, want it generated by client create", err)
	}
	b, err := openBackend(t.Context(), db, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.close() })
	s := &assertionSetup{h: newHarnessOn(t, memstore.New(), b)}
	c := s.client(t, oauth2.Config{ClientID: "cs", ClientSecret: created.ClientSecret, AuthMethod: grantry.AuthClientSecretJWT})
	tokenRoundTrip(t, c)

	// An assertion the server accepted at introspection, sent again to the
	// token endpoint: a replay, refused.
	var sent string
	cfg := oauth2.Config{ClientID: "cs", ClientSecret: created.ClientSecret, AuthMethod: grantry.AuthClientSecretJWT}
	cfg.Hooks.IntrospectRequest = func(req *oauth2.EndpointRequest) error {
		sent = req.Form.Get("client_assertion")
		return nil
	}
	if _, err := s.client(t, cfg).Introspect(t.Context(), "unknown", ""); err != nil || sent == "" {
		t.Fatalf("Introspect: got %v and assertion %q, want nil and an assertion", err, sent)
	}
	r := s.h.post(http.DefaultClient, "/token", url.Values{
		"grant_type": {"client_credentials"}, "client_assertion_type": {authserver.ClientAssertionType}, "client_assertion": {sent},
	})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"invalid_client"`) {
		t.Errorf("a replayed assertion: got %d %s, want 401 invalid_client", r.status, r.body)
	}
}

// TestPrivateKeyJWTAtPAR pushes an authorization request (RFC 9126) with
// private_key_jwt: the assertion of the issuer's audience is accepted
// once, and refused when replayed.
func TestPrivateKeyJWTAtPAR(t *testing.T) {
	s := newAssertionSetup(t, func(c *serveConfig) { c.PAR = true })
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := writeJWKS(t, key)
	s.runClient("client", "create", "--id", "pk", "--grants", "authorization_code", "--scope", "profile",
		"--redirect-uri", testCallback, "--auth-method", "private_key_jwt", "--jwks-file", file, "--json")
	now := time.Now()
	assertion, err := key.SignJWT(map[string]any{
		"iss": "pk", "sub": "pk", "aud": s.h.app.cfg.Issuer, "jti": secret.ID(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"response_type": {"code"}, "client_id": {"pk"}, "redirect_uri": {testCallback}, "scope": {"profile"},
		"code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"S256"},
		"client_assertion_type": {authserver.ClientAssertionType}, "client_assertion": {assertion},
	}
	steps := []struct {
		name   string
		status int
		want   string
	}{
		{"first", http.StatusCreated, `"request_uri"`},
		{"replay", http.StatusUnauthorized, `"invalid_client"`},
	}
	for _, st := range steps {
		r := s.h.post(http.DefaultClient, parPath, form)
		if r.status != st.status || !strings.Contains(r.body, st.want) {
			t.Errorf("%s: got %d %s, want %d with %s", st.name, r.status, r.body, st.status, st.want)
		}
	}
}
