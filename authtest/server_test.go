package authtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
)

func getMetadata(t *testing.T, srv *authtest.Server) map[string]any {
	t.Helper()
	res, err := srv.HTTPClient().Get(srv.Endpoints().Metadata)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("metadata status: got %d, want 200", res.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

// TestMetadata checks the RFC 8414 document at the well-known path.
func TestMetadata(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	withUsers := authtest.NewServer(t, authtest.Config{Users: map[string]string{"bob": "pw"}, Scopes: grantry.Scope{"api"}})
	e := srv.Endpoints()
	tests := []struct {
		name   string
		srv    *authtest.Server
		member string
		want   any
	}{
		{"issuer", srv, "issuer", srv.URL()},
		{"authorization endpoint", srv, "authorization_endpoint", e.Authorization},
		{"token endpoint", srv, "token_endpoint", e.Token},
		{"revocation endpoint", srv, "revocation_endpoint", e.Revocation},
		{"introspection endpoint", srv, "introspection_endpoint", e.Introspection},
		{"grant types", srv, "grant_types_supported", []string{"authorization_code", "client_credentials", "implicit", "refresh_token"}},
		{"grant types with users", withUsers, "grant_types_supported", []string{"authorization_code", "client_credentials", "implicit", "password", "refresh_token"}},
		{"response types", srv, "response_types_supported", []string{"code", "code id_token", "code id_token token", "code token", "id_token", "id_token token"}},
		{"PKCE methods", srv, "code_challenge_methods_supported", []string{"S256"}},
		{"scopes", srv, "scopes_supported", []string(authtest.DefaultScopes)},
		{"configured scopes", withUsers, "scopes_supported", []string{"api"}},
		{"iss parameter", srv, "authorization_response_iss_parameter_supported", true},
		{"revocation auth methods", srv, "revocation_endpoint_auth_methods_supported", []string{"client_secret_basic", "client_secret_post", "none"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := getMetadata(t, tc.srv)
			got := m[tc.member]
			if want, ok := tc.want.([]string); ok {
				got := stringList(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("%s: got %q, want %q", tc.member, got, want)
				}
				return
			}
			if got != tc.want {
				t.Errorf("%s: got %v, want %v", tc.member, got, tc.want)
			}
		})
	}
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name   string
		cfg    authtest.Config
		scheme string
	}{
		{"http", authtest.Config{}, "http://127.0.0.1:"},
		{"TLS", authtest.Config{TLS: true}, "https://127.0.0.1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, tc.cfg)
			if got := srv.URL(); !strings.HasPrefix(got, tc.scheme) {
				t.Errorf("URL: got %q, want %s...", got, tc.scheme)
			}
			if got, want := srv.Issuer(), srv.URL(); got != want {
				t.Errorf("Issuer: got %q, want %q", got, want)
			}
			e := srv.Endpoints()
			want := authtest.Endpoints{
				Authorization: srv.URL() + "/authorize",
				Token:         srv.URL() + "/token",
				Revocation:    srv.URL() + "/revoke",
				Introspection: srv.URL() + "/introspect",
				UserInfo:      srv.URL() + "/userinfo",
				JWKS:          srv.URL() + "/jwks.json",
				Metadata:      srv.URL() + "/.well-known/oauth-authorization-server",
				Discovery:     srv.URL() + "/.well-known/openid-configuration",
			}
			if e != want {
				t.Errorf("Endpoints: got %+v, want %+v", e, want)
			}
			if got := getMetadata(t, srv)["issuer"]; got != srv.URL() {
				t.Errorf("metadata issuer: got %v, want %q", got, srv.URL())
			}
			c := srv.AddClient(authtest.Client{})
			if tok := issue(t, srv, c.ID, "alice", "read"); tok.AccessToken == "" {
				t.Errorf("IssueToken over %s: got no access token, want one", tc.name)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	tests := []struct {
		name string
		ok   bool
	}{
		{"AuthServer", srv.AuthServer() != nil && srv.AuthServer().Issuer() == srv.URL()},
		{"Store", srv.Store() != nil},
		{"Clock", srv.Clock() != nil},
		{"HTTPClient", srv.HTTPClient() != nil},
		{"Validator", srv.Validator() != nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("%s: got nil or wrong server, want this server's", tc.name)
			}
		})
	}
}

// TestSetup registers a route and an extension before the server serves.
func TestSetup(t *testing.T) {
	var called bool
	srv := authtest.NewServer(t, authtest.Config{Setup: func(as *authserver.Server, mux *http.ServeMux) {
		called = as != nil
		mux.HandleFunc("GET /hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hi") })
	}})
	if !called {
		t.Fatalf("Setup: got not called, want called with the authorization server")
	}
	res, err := srv.HTTPClient().Get(srv.URL() + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != "hi" {
		t.Errorf("GET /hello: got %d %q, want 200 %q", res.StatusCode, body, "hi")
	}
}

// TestStart is the server of a caller without a testing.TB.
func TestStart(t *testing.T) {
	srv, err := authtest.Start(authtest.Config{})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	url := srv.Endpoints().Metadata
	srv.Close()
	if _, err := http.Get(url); err == nil {
		t.Errorf("GET metadata after Close: got no error, want the connection refused")
	}
}
