package accesstoken_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// testAS is an authorization server issuing client credentials tokens,
// with revocation and introspection, over a memstore.
type testAS struct {
	keys  *keyset.Set
	store *memstore.Store
	token http.Handler
	revoc http.Handler
	intro http.Handler
}

// newTestAS registers clients "opaque", "jwt" and "default" (whose format
// is the server's, defaultFormat), all with secret "s".
func newTestAS(t testing.TB, defaultFormat string) *testAS {
	t.Helper()
	ctx := context.Background()
	as := &testAS{keys: newKeys(t), store: memstore.New()}
	for id, format := range map[string]string{"opaque": storage.AccessTokenOpaque, "jwt": storage.AccessTokenJWT, "default": ""} {
		err := as.store.CreateClient(ctx, &storage.Client{
			ID: id, SecretHash: secret.HashSecret("s"), Scope: grantry.Scope{"read"},
			GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}, AccessTokenFormat: format,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	srv, err := authserver.New(authserver.Config{
		Issuer: testIssuer, Clients: as.store, Tokens: as.store, Now: func() time.Time { return now },
		JWTAccessTokens: newGenerator(t, as.keys), AccessTokenFormat: defaultFormat,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	as.token = http.HandlerFunc(srv.ServeToken)
	as.revoc = srv.Mount(revocation.New(as.store, revocation.Config{}))
	as.intro = srv.Mount(introspection.New(as.store, introspection.Config{Issuer: testIssuer}))
	return as
}

// post sends a form as client id and returns the status and JSON body.
func (as *testAS) post(t *testing.T, h http.Handler, id string, form url.Values) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(id, "s")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var body map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
	}
	return rec.Code, body
}

func (as *testAS) issue(t *testing.T, id string, resources ...string) string {
	t.Helper()
	code, body := as.post(t, as.token, id, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}, "resource": resources})
	if code != http.StatusOK {
		t.Fatalf("token request of %s: got %d %v, want 200", id, code, body)
	}
	return body["access_token"].(string)
}

func isJWT(token string) bool { return strings.Count(token, ".") == 2 }

func TestServerAccessTokenFormat(t *testing.T) {
	tests := []struct {
		name          string
		defaultFormat string
		client        string
		wantJWT       bool
	}{
		{"opaque client, opaque default", "", "opaque", false},
		{"jwt client, opaque default", "", "jwt", true},
		{"default client, opaque default", storage.AccessTokenOpaque, "default", false},
		{"default client, jwt default", storage.AccessTokenJWT, "default", true},
		{"opaque client, jwt default", storage.AccessTokenJWT, "opaque", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as := newTestAS(t, tt.defaultFormat)
			tok := as.issue(t, tt.client)
			if got := isJWT(tok); got != tt.wantJWT {
				t.Fatalf("token %q: got JWT %v, want %v", tok, got, tt.wantJWT)
			}
			if tt.wantJWT {
				if got := decode(t, as.keys, tok)["sub"]; got != tt.client {
					t.Errorf("sub: got %v, want the client %s", got, tt.client)
				}
			}
		})
	}
}

// A JWT access token is stored by its digest as an opaque one is: the
// introspection endpoint knows it, and once revoked says it is inactive.
func TestJWTRevocationAndIntrospection(t *testing.T) {
	as := newTestAS(t, "")
	tok := as.issue(t, "jwt", "https://a.test/", "https://b.test/")
	claims := decode(t, as.keys, tok)
	jti, aud := claims["jti"], []any{"https://a.test/", "https://b.test/"}
	if !reflect.DeepEqual(claims["aud"], aud) {
		t.Errorf("aud: got %v, want the resources %v", claims["aud"], aud)
	}
	_, info := as.post(t, as.intro, "jwt", url.Values{"token": {tok}})
	if info["active"] != true || info["jti"] != jti || !reflect.DeepEqual(info["aud"], aud) {
		t.Fatalf("introspection: got %v, want active with jti %v and aud %v", info, jti, aud)
	}
	if code, _ := as.post(t, as.revoc, "jwt", url.Values{"token": {tok}}); code != http.StatusOK {
		t.Fatalf("revocation: got %d, want 200", code)
	}
	_, info = as.post(t, as.intro, "jwt", url.Values{"token": {tok}})
	if len(info) != 1 || info["active"] != false {
		t.Errorf("introspection after revocation: got %v, want {active:false}", info)
	}
}

func TestServerJWTFormatNeedsGenerator(t *testing.T) {
	store := memstore.New()
	tests := []struct {
		name string
		cfg  authserver.Config
	}{
		{"jwt default without generator", authserver.Config{Clients: store, Tokens: store, AccessTokenFormat: storage.AccessTokenJWT}},
		{"unknown default", authserver.Config{Clients: store, Tokens: store, AccessTokenFormat: "paseto"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := authserver.New(tt.cfg); err == nil {
				t.Errorf("New: got no error, want one")
			}
		})
	}
	t.Run("jwt client on a server without generator", func(t *testing.T) {
		ctx := context.Background()
		_ = store.CreateClient(ctx, &storage.Client{ID: "jwt", SecretHash: secret.HashSecret("s"),
			GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}, AccessTokenFormat: storage.AccessTokenJWT})
		srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store})
		if err != nil {
			t.Fatal(err)
		}
		srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
		as := &testAS{token: http.HandlerFunc(srv.ServeToken)}
		code, body := as.post(t, as.token, "jwt", url.Values{"grant_type": {"client_credentials"}})
		if code != http.StatusInternalServerError || body["error"] != "server_error" {
			t.Errorf("got %d %v, want 500 server_error", code, body)
		}
	})
}

var _ authserver.AccessTokenGenerator = (*accesstoken.JWTGenerator)(nil)

// BenchmarkTokenEndpoint measures a client credentials token request end
// to end, by access token format: client authentication, minting,
// storing.
func BenchmarkTokenEndpoint(b *testing.B) {
	for _, client := range []string{"opaque", "jwt"} {
		b.Run(client, func(b *testing.B) {
			as := newTestAS(b, "")
			body := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}.Encode()
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.SetBasicAuth(client, "s")
				rec := httptest.NewRecorder()
				as.token.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
