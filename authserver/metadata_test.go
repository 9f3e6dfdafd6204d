package authserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// mdServer returns a server over an empty memstore.
func mdServer(t *testing.T, cfg authserver.Config) *authserver.Server {
	t.Helper()
	store := memstore.New()
	cfg.Clients, cfg.Tokens = store, store
	srv, err := authserver.New(cfg)
	if err != nil {
		t.Fatalf("authserver.New: %v", err)
	}
	return srv
}

// mdFullServer registers every built-in grant, PKCE and both optional
// endpoints, as a complete deployment does.
func mdFullServer(t *testing.T) *authserver.Server {
	t.Helper()
	srv := mdServer(t, authserver.Config{
		Issuer:    "https://as.test",
		Scopes:    grantry.Scope{"profile", "email", "read", "write"},
		Endpoints: authserver.EndpointURLs{Authorization: "/authorize", Token: "/token"},
	})
	store := memstore.New()
	code := authcode.New(store, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterExtension(pkce.New(pkce.Config{}))
	srv.RegisterResponseType(implicit.New())
	srv.RegisterGrant(password.New(nil, password.Config{}))
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	srv.RegisterGrant(refresh.New(store, refresh.Config{}))
	srv.Mount(revocation.New(store, revocation.Config{URL: "/revoke"}))
	srv.Mount(introspection.New(store, introspection.Config{
		URL:         "https://introspect.as.test/v1",
		AuthMethods: []grantry.AuthMethod{grantry.AuthClientSecretBasic},
	}))
	return srv
}

// mdGet serves one request with the metadata handler.
func mdGet(t *testing.T, srv *authserver.Server, method string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.MetadataHandler().ServeHTTP(rec, httptest.NewRequest(method, srv.MetadataPath(), nil))
	return rec.Result()
}

// TestMetadataGolden checks the metadata document (RFC 8414 §2) of a full
// deployment against testdata/metadata.golden; go test -update-golden
// rewrites it.
func TestMetadataGolden(t *testing.T) {
	res := mdGet(t, mdFullServer(t), http.MethodGet)
	body, _ := io.ReadAll(res.Body)
	path := filepath.Join("testdata", "metadata.golden")
	if f := flag.Lookup("update-golden"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("metadata: got\n%s\nwant\n%s", body, want)
	}
}

func TestMetadataHandler(t *testing.T) {
	srv := mdFullServer(t)
	tests := []struct {
		method     string
		wantStatus int
		wantHeader map[string]string
		wantBody   bool
	}{
		{http.MethodGet, http.StatusOK, map[string]string{
			"Content-Type": "application/json", "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*",
		}, true},
		{http.MethodHead, http.StatusOK, map[string]string{"Content-Type": "application/json"}, false},
		{http.MethodPost, http.StatusMethodNotAllowed, map[string]string{"Allow": "GET, HEAD", "Cache-Control": "no-store"}, true},
		{http.MethodDelete, http.StatusMethodNotAllowed, map[string]string{"Allow": "GET, HEAD"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			res := mdGet(t, srv, tt.method)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.StatusCode, tt.wantStatus)
			}
			for k, v := range tt.wantHeader {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s: got %q, want %q", k, got, v)
				}
			}
			body, _ := io.ReadAll(res.Body)
			if (len(body) > 0) != tt.wantBody {
				t.Errorf("body: got %q, want a body %v", body, tt.wantBody)
			}
			if tt.wantStatus == http.StatusMethodNotAllowed {
				var e map[string]string
				if err := json.Unmarshal(body, &e); err != nil || e["error"] != string(grantry.ErrInvalidRequest) {
					t.Errorf("body: got %s, want error invalid_request", body)
				}
			}
		})
	}
}

// TestMetadataFromRegistrations checks that the document lists exactly what
// is registered.
func TestMetadataFromRegistrations(t *testing.T) {
	t.Run("client credentials only, no issuer", func(t *testing.T) {
		srv := mdServer(t, authserver.Config{})
		srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
		want := map[string]any{
			"grant_types_supported":                 []string{"client_credentials"},
			"response_types_supported":              []string{},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		}
		if got := srv.Metadata(); !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	})
	t.Run("code grant with plain and S256 PKCE", func(t *testing.T) {
		srv := mdServer(t, authserver.Config{Issuer: "https://as.test"})
		code := authcode.New(memstore.New(), authcode.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthNone}})
		srv.RegisterGrant(code)
		srv.RegisterResponseType(code)
		srv.RegisterExtension(pkce.New(pkce.Config{AllowPlain: true}))
		want := map[string]any{
			"issuer":                                         "https://as.test",
			"grant_types_supported":                          []string{"authorization_code"},
			"response_types_supported":                       []string{"code"},
			"response_modes_supported":                       []string{"form_post", "fragment", "query"},
			"token_endpoint_auth_methods_supported":          []string{"none"},
			"code_challenge_methods_supported":               []string{"S256", "plain"},
			"authorization_response_iss_parameter_supported": true,
		}
		if got := srv.Metadata(); !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	})
	t.Run("implicit alone lists the implicit grant type", func(t *testing.T) {
		srv := mdServer(t, authserver.Config{})
		srv.RegisterResponseType(implicit.New())
		m := srv.Metadata()
		if got := m["grant_types_supported"]; !reflect.DeepEqual(got, []string{"implicit"}) {
			t.Errorf("grant_types_supported: got %v, want [implicit]", got)
		}
		if _, ok := m["token_endpoint_auth_methods_supported"]; ok {
			t.Error("token_endpoint_auth_methods_supported present without a token grant")
		}
		if _, ok := m["authorization_response_iss_parameter_supported"]; ok {
			t.Error("authorization_response_iss_parameter_supported present without an issuer")
		}
	})
	t.Run("each call returns a new map", func(t *testing.T) {
		srv := mdFullServer(t)
		m := srv.Metadata()
		m["issuer"] = "changed"
		m["grant_types_supported"].([]string)[0] = "changed"
		again := srv.Metadata()
		if again["issuer"] != "https://as.test" || again["grant_types_supported"].([]string)[0] != "authorization_code" {
			t.Errorf("a change to one result showed in the next: %v", again)
		}
	})
}

// mdProvider contributes fixed members.
type mdProvider map[string]any

func (p mdProvider) ServerMetadata() map[string]any { return p }

type mdEndpoint struct {
	name string
	mdProvider
}

func (e mdEndpoint) Name() string                    { return e.name }
func (mdEndpoint) AuthMethods() []grantry.AuthMethod { return nil }
func (mdEndpoint) Respond(context.Context, *authserver.EndpointRequest) ([]byte, error) {
	return nil, nil
}

type mdGrant struct{ mdProvider }

func (mdGrant) GrantType() grantry.GrantType { return "urn:test:md" }
func (mdGrant) AuthMethods() []grantry.AuthMethod {
	return []grantry.AuthMethod{grantry.AuthPrivateKeyJWT}
}
func (mdGrant) Token(context.Context, *authserver.TokenRequest) (*authserver.Issue, error) {
	return nil, nil
}

type mdExtension struct{ mdProvider }

func (e mdExtension) Hooks() authserver.Hooks { return authserver.Hooks{Metadata: e.ServerMetadata} }

type mdAuth struct{ mdProvider }

func (mdAuth) Present(*authserver.ClientAuthRequest) bool { return false }
func (mdAuth) Authenticate(context.Context, *authserver.ClientAuthRequest) (*storage.Client, error) {
	return nil, nil
}

// TestMetadataProviders checks the merge rules: string lists are joined
// without duplicates and sorted; any other member is kept from whoever set
// it first, the server before every provider.
func TestMetadataProviders(t *testing.T) {
	srv := mdServer(t, authserver.Config{Issuer: "https://as.test"})
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	srv.RegisterGrant(mdGrant{mdProvider{
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt", "client_secret_basic"},
		"issuer":                                "https://evil.test",
		"x_first":                               "grant",
	}})
	srv.RegisterExtension(mdExtension{mdProvider{"x_first": "extension", "x_list": []string{"b"}}})
	srv.RegisterClientAuth(grantry.AuthPrivateKeyJWT, mdAuth{mdProvider{
		"token_endpoint_auth_signing_alg_values_supported": []string{"RS256", "ES256"},
	}})
	srv.Mount(mdEndpoint{"custom", mdProvider{"x_list": []string{"a", "b"}, "x_flag": false}})
	m := srv.Metadata()
	want := map[string]any{
		"issuer":                                "https://as.test",
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": []string{"ES256", "RS256"},
		"grant_types_supported":                            []string{"client_credentials", "urn:test:md"},
		"response_types_supported":                         []string{},
		"x_first":                                          "grant",
		"x_list":                                           []string{"a", "b"},
		"x_flag":                                           false,
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %#v, want %#v", m, want)
	}
}

func TestMountTwicePanics(t *testing.T) {
	srv := mdServer(t, authserver.Config{})
	srv.Mount(mdEndpoint{"x", nil})
	defer func() {
		if recover() == nil {
			t.Error("mounting a second endpoint named x did not panic")
		}
	}()
	srv.Mount(mdEndpoint{"x", nil})
}

func TestServerURL(t *testing.T) {
	tests := []struct {
		issuer, ref, want string
	}{
		{"https://as.test", "/token", "https://as.test/token"},
		{"https://as.test/", "/token", "https://as.test/token"},
		{"https://as.test/tenant", "/token", "https://as.test/tenant/token"},
		{"https://as.test", "https://other.test/t", "https://other.test/t"},
		{"https://as.test", "//cdn.test/t", "//cdn.test/t"},
		{"https://as.test", "", ""},
		{"", "/token", "/token"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer+" "+tt.ref, func(t *testing.T) {
			srv := mdServer(t, authserver.Config{Issuer: tt.issuer})
			if got := srv.URL(tt.ref); got != tt.want {
				t.Errorf("URL(%q): got %q, want %q", tt.ref, got, tt.want)
			}
		})
	}
}

// TestMetadataPath follows RFC 8414 §3: the well-known suffix goes between
// the host and the issuer's path.
func TestMetadataPath(t *testing.T) {
	tests := []struct{ issuer, want string }{
		{"https://as.test", "/.well-known/oauth-authorization-server"},
		{"https://as.test/", "/.well-known/oauth-authorization-server"},
		{"https://as.test/issuer1", "/.well-known/oauth-authorization-server/issuer1"},
		{"https://as.test/a/b/", "/.well-known/oauth-authorization-server/a/b"},
		{"", "/.well-known/oauth-authorization-server"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			srv := mdServer(t, authserver.Config{Issuer: tt.issuer})
			if got := srv.MetadataPath(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMetadataHandlerFailure: a document that cannot be served is a 500
// server_error whose cause is logged, never sent. RFC 8414 §2 makes the
// issuer REQUIRED, so a server without one cannot serve it.
func TestMetadataHandlerFailure(t *testing.T) {
	tests := []struct {
		name     string
		issuer   string
		provider mdProvider
		cause    string // in the log, not in the body
	}{
		{name: "member JSON cannot encode", issuer: "https://as.test", provider: mdProvider{"x_func": func() {}}, cause: "func"},
		{name: "no issuer", cause: "Config.Issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv := mdServer(t, authserver.Config{Issuer: tt.issuer, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
			if tt.provider != nil {
				srv.Mount(mdEndpoint{"bad", tt.provider})
			}
			for _, method := range []string{http.MethodGet, http.MethodGet, http.MethodHead} {
				res := mdGet(t, srv, method)
				body, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusInternalServerError {
					t.Errorf("%s status: got %d, want 500", method, res.StatusCode)
				}
				if method == http.MethodGet && (!bytes.Contains(body, []byte(`"server_error"`)) || bytes.Contains(body, []byte(tt.cause))) {
					t.Errorf("%s body: got %s, want server_error without the cause", method, body)
				}
			}
			if !strings.Contains(logs.String(), tt.cause) {
				t.Errorf("log: got %q, want the cause %q", logs.String(), tt.cause)
			}
		})
	}
}
