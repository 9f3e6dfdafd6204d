package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/keyset"
)

func TestRegister(t *testing.T) {
	oauth2App := client.Config{
		ClientID: "app", ClientSecret: "secret",
		AuthorizeURL: "https://op.example/authorize", AccessTokenURL: "https://op.example/token",
	}
	oauth1App := client.Config{
		ClientID: "app", ClientSecret: "secret", RequestTokenURL: "https://api.example/oauth/request_token",
		AuthorizeURL: "https://api.example/oauth/authorize", AccessTokenURL: "https://api.example/oauth/access_token",
	}
	with := func(c client.Config, f func(*client.Config)) client.Config { f(&c); return c }
	tests := []struct {
		name    string
		app     string
		cfg     client.Config
		wantErr bool
	}{
		{"OAuth 2.0", "github", oauth2App, false},
		{"OAuth 1.0", "twitter", oauth1App, false},
		{"loopback http", "local", with(oauth2App, func(c *client.Config) {
			c.AuthorizeURL, c.AccessTokenURL = "http://127.0.0.1:8080/authorize", "http://localhost:8080/token"
		}), false},
		{"http allowed", "insecure", with(oauth2App, func(c *client.Config) {
			c.AuthorizeURL, c.InsecureAllowHTTP = "http://op.example/authorize", true
		}), false},
		{"metadata read later", "op", client.Config{ClientID: "app", ServerMetadataURL: "https://op.example/.well-known/openid-configuration", Scopes: []string{"openid"}}, false},
		{"OpenID Connect without metadata", "oidc", with(oauth2App, func(c *client.Config) {
			c.Scopes, c.Issuer, c.JWKS = []string{"openid"}, "https://op.example", &keyset.JWKS{}
		}), false},
		{"relative UserInfo endpoint", "gh", with(oauth2App, func(c *client.Config) {
			c.APIBaseURL, c.UserInfoEndpoint = "https://api.example", "user"
		}), false},

		{"empty name", "", oauth2App, true},
		{"name with a space", "git hub", oauth2App, true},
		{"name with a semicolon", "a;b", oauth2App, true},
		{"name too long", strings.Repeat("a", 65), oauth2App, true},
		{"no client ID", "x", with(oauth2App, func(c *client.Config) { c.ClientID = "" }), true},
		{"no token URL", "x", with(oauth2App, func(c *client.Config) { c.AccessTokenURL = "" }), true},
		{"http endpoint", "x", with(oauth2App, func(c *client.Config) { c.AccessTokenURL = "http://op.example/token" }), true},
		{"relative endpoint", "x", with(oauth2App, func(c *client.Config) { c.AuthorizeURL = "/authorize" }), true},
		{"unknown auth method", "x", with(oauth2App, func(c *client.Config) { c.TokenEndpointAuthMethod = "magic" }), true},
		{"private_key_jwt without key", "x", with(oauth2App, func(c *client.Config) { c.TokenEndpointAuthMethod = grantry.AuthPrivateKeyJWT }), true},
		{"unknown PKCE method", "x", with(oauth2App, func(c *client.Config) { c.CodeChallengeMethod = "S512" }), true},
		{"http API base", "x", with(oauth2App, func(c *client.Config) { c.APIBaseURL = "http://api.example" }), true},
		{"relative UserInfo without a base", "x", with(oauth2App, func(c *client.Config) { c.UserInfoEndpoint = "user" }), true},
		{"http UserInfo endpoint", "x", with(oauth2App, func(c *client.Config) { c.UserInfoEndpoint = "http://api.example/user" }), true},
		{"OpenID Connect without issuer", "x", with(oauth2App, func(c *client.Config) { c.Scopes, c.JWKS = []string{"openid"}, &keyset.JWKS{} }), true},
		{"OpenID Connect without keys", "x", with(oauth2App, func(c *client.Config) { c.Scopes, c.Issuer = []string{"openid"}, "https://op.example" }), true},
		{"OAuth 1.0 without authorize URL", "x", with(oauth1App, func(c *client.Config) { c.AuthorizeURL = "" }), true},
		{"OAuth 1.0 over http", "x", with(oauth1App, func(c *client.Config) { c.AccessTokenURL = "http://api.example/oauth/access_token" }), true},
		{"authorize params with state", "x", with(oauth2App, func(c *client.Config) { c.AuthorizeParams = url.Values{"state": {"fixed"}} }), true},
		{"authorize params with a challenge", "x", with(oauth2App, func(c *client.Config) { c.AuthorizeParams = url.Values{"code_challenge": {"x"}} }), true},
		{"authorize params with redirect_uri", "x", with(oauth2App, func(c *client.Config) { c.AuthorizeParams = url.Values{"redirect_uri": {"https://evil.example"}} }), true},
		{"token params with grant_type", "x", with(oauth2App, func(c *client.Config) { c.AccessTokenParams = url.Values{"grant_type": {"password"}} }), true},
		{"OAuth 1.0 params with oauth_", "x", with(oauth1App, func(c *client.Config) { c.RequestTokenParams = url.Values{"oauth_callback": {"oob"}} }), true},
		{"OAuth 1.0 authorize params with oauth_", "x", with(oauth1App, func(c *client.Config) { c.AuthorizeParams = url.Values{"oauth_token": {"t"}} }), true},
		{"authorize params", "ok1", with(oauth2App, func(c *client.Config) {
			c.AuthorizeParams = url.Values{"prompt": {"consent"}, "access_type": {"offline"}}
		}), false},
		{"OAuth 1.0 params", "ok2", with(oauth1App, func(c *client.Config) { c.RequestTokenParams = url.Values{"x_auth_access_type": {"read"}} }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := client.NewRegistry(client.RegistryConfig{})
			app, err := reg.Register(tt.app, tt.cfg)
			if tt.wantErr {
				if err == nil || app != nil || reg.App(tt.app) != nil {
					t.Errorf("Register: got %v, %v; want an error and nothing registered", app, err)
				}
				return
			}
			if err != nil || reg.App(tt.app) != app || app.Name() != tt.app {
				t.Errorf("Register: got %v, %v; want the app, found by its name", app, err)
			}
		})
	}
}

func TestRegisterTwice(t *testing.T) {
	reg := client.NewRegistry(client.RegistryConfig{})
	cfg := client.Config{ClientID: "app", AuthorizeURL: "https://op.example/a", AccessTokenURL: "https://op.example/t"}
	first, err := reg.Register("github", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Register("github", cfg); !errors.Is(err, client.ErrAppConfig) {
		t.Errorf("second Register: got %v, want ErrAppConfig", err)
	}
	if reg.App("github") != first {
		t.Error("the second registration replaced the first")
	}
	if reg.App("gitlab") != nil {
		t.Error("App of an unknown name is not nil")
	}
}

// TestMetadataReadAtFirstUse checks that Register sends nothing, that the
// first login reads the metadata, that a failure is retried, and that the
// document's issuer must be the configured one.
func TestMetadataReadAtFirstUse(t *testing.T) {
	op := newProvider(true)
	defer op.Close()
	reg := client.NewRegistry(client.RegistryConfig{})
	app, err := reg.Register("op", client.Config{
		ClientID: "app", ClientSecret: "secret", Scopes: []string{"openid"},
		ServerMetadataURL: op.URL + "/.well-known/openid-configuration", Issuer: op.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := seen(op, func(p *provider) int { return p.metaHits }); n != 0 {
		t.Fatalf("Register read the metadata %d times, want 0", n)
	}
	start := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		if err := app.AuthorizeRedirect(w, httptest.NewRequest("GET", "/login", nil), "http://127.0.0.1/cb"); err != nil {
			t.Fatalf("AuthorizeRedirect: %v", err)
		}
		return w
	}
	for range 3 {
		if w := start(); w.Code != http.StatusFound || !strings.HasPrefix(w.Header().Get("Location"), op.URL+"/authorize?") {
			t.Errorf("AuthorizeRedirect: got %d to %q, want 302 to the discovered endpoint", w.Code, w.Header().Get("Location"))
		}
	}
	if n := seen(op, func(p *provider) int { return p.metaHits }); n != 1 {
		t.Errorf("three logins read the metadata %d times, want 1", n)
	}

	wrong, err := reg.Register("wrong", client.Config{
		ClientID: "app", Scopes: []string{"openid"},
		ServerMetadataURL: op.URL + "/.well-known/openid-configuration", Issuer: "https://other.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := wrong.AuthorizeRedirect(w, httptest.NewRequest("GET", "/login", nil), "http://127.0.0.1/cb"); err == nil || w.Code != http.StatusOK || len(w.Header()) != 0 {
		t.Errorf("AuthorizeRedirect with the wrong issuer: got %v and a %d response with headers %v, want an error and nothing written", err, w.Code, w.Header())
	}

	// A provider that is down at the first login is asked again at the
	// next.
	var up atomic.Bool
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, op.URL+"/.well-known/openid-configuration", http.StatusFound)
	}))
	defer flaky.Close()
	late, err := reg.Register("late", client.Config{
		ClientID: "app", ClientSecret: "secret", Scopes: []string{"openid"}, ServerMetadataURL: flaky.URL + "/meta",
	})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/login", nil)
	if err := late.AuthorizeRedirect(httptest.NewRecorder(), req, "http://127.0.0.1/cb"); err == nil {
		t.Error("AuthorizeRedirect with the provider down: got no error, want one")
	}
	up.Store(true)
	if err := late.AuthorizeRedirect(httptest.NewRecorder(), req, "http://127.0.0.1/cb"); err != nil {
		t.Errorf("AuthorizeRedirect once the provider is up: %v", err)
	}
}
