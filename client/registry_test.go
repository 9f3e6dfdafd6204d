package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

func TestRegister(t *testing.T) {
	oauth2App := client.OAuth2{Config: oauth2.Config{
		ClientID: "app", ClientSecret: "secret",
		AuthorizationEndpoint: "https://op.example/authorize", TokenEndpoint: "https://op.example/token",
	}}
	oauth1App := client.OAuth1{Config: oauth1.Config{
		ConsumerKey: "app", ConsumerSecret: "secret",
		Endpoint: oauth1.Endpoint{
			TemporaryCredentialsURL: "https://api.example/oauth/request_token",
			AuthorizationURL:        "https://api.example/oauth/authorize",
			TokenURL:                "https://api.example/oauth/access_token",
		},
	}}
	with2 := func(f func(*client.OAuth2)) client.Config { c := oauth2App; f(&c); return c }
	with1 := func(f func(*client.OAuth1)) client.Config { c := oauth1App; f(&c); return c }
	tests := []struct {
		name    string
		app     string
		cfg     client.Config
		wantErr bool
	}{
		{"OAuth 2.0", "github", oauth2App, false},
		{"OAuth 1.0", "twitter", oauth1App, false},
		{"OAuth 2.0 by pointer", "github", &oauth2App, false},
		{"OAuth 1.0 by pointer", "twitter", &oauth1App, false},
		{"loopback http", "local", with2(func(c *client.OAuth2) {
			c.AuthorizationEndpoint, c.TokenEndpoint = "http://127.0.0.1:8080/authorize", "http://localhost:8080/token"
		}), false},
		{"loopback http in capitals", "local2", with2(func(c *client.OAuth2) {
			c.AuthorizationEndpoint, c.TokenEndpoint = "http://LOCALHOST:8080/authorize", "http://LocalHost:8080/token"
		}), false},
		{"http allowed", "insecure", with2(func(c *client.OAuth2) {
			c.AuthorizationEndpoint, c.InsecureAllowHTTP = "http://op.example/authorize", true
		}), false},
		{"OAuth 1.0 http allowed", "insecure1", with1(func(c *client.OAuth1) {
			c.Endpoint.TokenURL, c.InsecureAllowHTTP = "http://api.example/oauth/access_token", true
		}), false},
		{"metadata read later", "op", client.OAuth2{
			Config:            oauth2.Config{ClientID: "app", Scopes: []string{"openid"}},
			ServerMetadataURL: "https://op.example/.well-known/openid-configuration",
		}, false},
		{"OpenID Connect without metadata", "oidc", with2(func(c *client.OAuth2) {
			c.Scopes, c.Issuer, c.JWKS = []string{"openid"}, "https://op.example", &keyset.JWKS{}
		}), false},
		{"relative UserInfo endpoint", "gh", with2(func(c *client.OAuth2) {
			c.APIBaseURL, c.UserInfoEndpoint = "https://api.example", "user"
		}), false},

		{"no configuration", "x", nil, true},
		{"empty name", "", oauth2App, true},
		{"name with a space", "git hub", oauth2App, true},
		{"name with a semicolon", "a;b", oauth2App, true},
		{"name too long", strings.Repeat("a", 65), oauth2App, true},
		{"endpoint with an empty fragment", "x", with2(func(c *client.OAuth2) { c.TokenEndpoint = "https://op.example/token#" }), true},
		{"endpoint with user information", "x", with2(func(c *client.OAuth2) { c.TokenEndpoint = "https://u:p@op.example/token" }), true},
		{"no client ID", "x", with2(func(c *client.OAuth2) { c.ClientID = "" }), true},
		{"no consumer key", "x", with1(func(c *client.OAuth1) { c.ConsumerKey = "" }), true},
		{"redirect URL set", "x", with2(func(c *client.OAuth2) { c.RedirectURL = "https://app.example/cb" }), true},
		{"the client's update-token function set", "x", with2(func(c *client.OAuth2) {
			c.Config.UpdateToken = func(context.Context, *oauth2.Token, string) error { return nil }
		}), true},
		{"OAuth 1.0 callback set", "x", with1(func(c *client.OAuth1) { c.Callback = "https://app.example/cb" }), true},
		{"no token endpoint", "x", with2(func(c *client.OAuth2) { c.TokenEndpoint = "" }), true},
		{"http endpoint", "x", with2(func(c *client.OAuth2) { c.TokenEndpoint = "http://op.example/token" }), true},
		{"relative endpoint", "x", with2(func(c *client.OAuth2) { c.AuthorizationEndpoint = "/authorize" }), true},
		{"unknown auth method", "x", with2(func(c *client.OAuth2) { c.AuthMethod = "magic" }), true},
		{"private_key_jwt without key", "x", with2(func(c *client.OAuth2) { c.AuthMethod = grantry.AuthPrivateKeyJWT }), true},
		{"unknown PKCE method", "x", with2(func(c *client.OAuth2) { c.PKCEMethod = "S512" }), true},
		{"http API base", "x", with2(func(c *client.OAuth2) { c.APIBaseURL = "http://api.example" }), true},
		{"relative UserInfo without a base", "x", with2(func(c *client.OAuth2) { c.UserInfoEndpoint = "user" }), true},
		{"http UserInfo endpoint", "x", with2(func(c *client.OAuth2) { c.UserInfoEndpoint = "http://api.example/user" }), true},
		{"OpenID Connect without issuer", "x", with2(func(c *client.OAuth2) { c.Scopes, c.JWKS = []string{"openid"}, &keyset.JWKS{} }), true},
		{"OpenID Connect without keys", "x", with2(func(c *client.OAuth2) { c.Scopes, c.Issuer = []string{"openid"}, "https://op.example" }), true},
		{"OAuth 1.0 without authorization URL", "x", with1(func(c *client.OAuth1) { c.Endpoint.AuthorizationURL = "" }), true},
		{"OAuth 1.0 over http", "x", with1(func(c *client.OAuth1) { c.Endpoint.TokenURL = "http://api.example/oauth/access_token" }), true},
		{"OAuth 1.0 http API base", "x", with1(func(c *client.OAuth1) { c.APIBaseURL = "http://api.example" }), true},
		{"authorization params with state", "x", with2(func(c *client.OAuth2) { c.AuthorizationParams = url.Values{"state": {"fixed"}} }), true},
		{"authorization params with a challenge", "x", with2(func(c *client.OAuth2) { c.AuthorizationParams = url.Values{"code_challenge": {"x"}} }), true},
		{"authorization params with redirect_uri", "x", with2(func(c *client.OAuth2) {
			c.AuthorizationParams = url.Values{"redirect_uri": {"https://evil.example"}}
		}), true},
		{"token params with grant_type", "x", with2(func(c *client.OAuth2) { c.TokenParams = url.Values{"grant_type": {"password"}} }), true},
		{"OAuth 1.0 params with oauth_", "x", with1(func(c *client.OAuth1) { c.TemporaryCredentialsParams = url.Values{"oauth_callback": {"oob"}} }), true},
		{"OAuth 1.0 authorization params with oauth_", "x", with1(func(c *client.OAuth1) { c.AuthorizationParams = url.Values{"oauth_token": {"t"}} }), true},
		{"OAuth 1.0 token params with oauth_", "x", with1(func(c *client.OAuth1) { c.TokenParams = url.Values{"oauth_verifier": {"v"}} }), true},
		{"authorization params", "ok1", with2(func(c *client.OAuth2) {
			c.AuthorizationParams = url.Values{"prompt": {"consent"}, "access_type": {"offline"}}
		}), false},
		{"OAuth 1.0 params", "ok2", with1(func(c *client.OAuth1) {
			c.TemporaryCredentialsParams = url.Values{"x_auth_access_type": {"read"}}
		}), false},
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
	cfg := client.OAuth2{Config: oauth2.Config{ClientID: "app", AuthorizationEndpoint: "https://op.example/a", TokenEndpoint: "https://op.example/t"}}
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
	app, err := reg.Register("op", client.OAuth2{
		Config:            oauth2.Config{ClientID: "app", ClientSecret: "secret", Scopes: []string{"openid"}, Issuer: op.URL},
		ServerMetadataURL: op.URL + "/.well-known/openid-configuration",
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

	wrong, err := reg.Register("wrong", client.OAuth2{
		Config:            oauth2.Config{ClientID: "app", Scopes: []string{"openid"}, Issuer: "https://other.example"},
		ServerMetadataURL: op.URL + "/.well-known/openid-configuration",
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
	late, err := reg.Register("late", client.OAuth2{
		Config:            oauth2.Config{ClientID: "app", ClientSecret: "secret", Scopes: []string{"openid"}},
		ServerMetadataURL: flaky.URL + "/meta",
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
