package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

func TestWellKnown(t *testing.T) {
	tests := []struct {
		issuer, openid, oauth string
	}{
		{"https://op.test", "https://op.test/.well-known/openid-configuration", "https://op.test/.well-known/oauth-authorization-server"},
		{"https://op.test/", "https://op.test/.well-known/openid-configuration", "https://op.test/.well-known/oauth-authorization-server"},
		{"https://op.test/tenant/1", "https://op.test/tenant/1/.well-known/openid-configuration", "https://op.test/.well-known/oauth-authorization-server/tenant/1"},
		{"https://op.test:8443/t", "https://op.test:8443/t/.well-known/openid-configuration", "https://op.test:8443/.well-known/oauth-authorization-server/t"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			if got := WellKnownOpenID(tt.issuer); got != tt.openid {
				t.Errorf("WellKnownOpenID = %q, want %q", got, tt.openid)
			}
			got, err := WellKnownOAuth(tt.issuer)
			if err != nil || got != tt.oauth {
				t.Errorf("WellKnownOAuth = %q, %v; want %q", got, err, tt.oauth)
			}
		})
	}
	if _, err := WellKnownOAuth("not a url"); !errors.Is(err, ErrMetadata) {
		t.Errorf("WellKnownOAuth(relative) error = %v, want ErrMetadata", err)
	}
}

func TestParseMetadataDocument(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "openid-configuration.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetadata(data)
	if err != nil {
		t.Fatalf("ParseMetadata: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"issuer", m.Issuer, "https://op.example.com"},
		{"authorization_endpoint", m.AuthorizationEndpoint, "https://op.example.com/authorize"},
		{"token_endpoint", m.TokenEndpoint, "https://op.example.com/token"},
		{"userinfo_endpoint", m.UserinfoEndpoint, "https://op.example.com/userinfo"},
		{"jwks_uri", m.JWKSURI, "https://op.example.com/jwks"},
		{"registration_endpoint", m.RegistrationEndpoint, "https://op.example.com/register"},
		{"revocation_endpoint", m.RevocationEndpoint, "https://op.example.com/revoke"},
		{"introspection_endpoint", m.IntrospectionEndpoint, "https://op.example.com/introspect"},
		{"end_session_endpoint", m.EndSessionEndpoint, "https://op.example.com/logout"},
		{"id_token algs", strings.Join(m.IDTokenSigningAlgValuesSupported, " "), "RS256 PS256 ES256 EdDSA"},
		{"auth methods", fmt.Sprint(m.TokenEndpointAuthMethodsSupported), "[client_secret_basic client_secret_post private_key_jwt]"},
		{"pkce", strings.Join(m.CodeChallengeMethodsSupported, " "), "S256"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !m.AuthorizationResponseIssParameterSupported {
		t.Error("authorization_response_iss_parameter_supported not read")
	}
	if string(m.Raw["frontchannel_logout_supported"]) != "true" {
		t.Error("unknown member not kept in Raw")
	}
}

func TestParseMetadataErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not json", `issuer=x`, "not a JSON object"},
		{"array", `[]`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"no issuer", `{"jwks_uri":"https://op.test/jwks"}`, "issuer is missing"},
		{"issuer not a string", `{"issuer":1}`, "invalid provider metadata"},
		{"issuer with query", `{"issuer":"https://op.test?x=1"}`, "without query"},
		{"issuer with empty query", `{"issuer":"https://op.test?"}`, "without query"},
		{"issuer with fragment", `{"issuer":"https://op.test#f"}`, "without query"},
		{"relative issuer", `{"issuer":"op.test"}`, "without query"},
		{"scopes not a list", `{"issuer":"https://op.test","scopes_supported":"openid"}`, "invalid provider metadata"},
		{"endpoint not a string", `{"issuer":"https://op.test","token_endpoint":["x"]}`, "invalid provider metadata"},
		{"iss parameter not a bool", `{"issuer":"https://op.test","authorization_response_iss_parameter_supported":"yes"}`, "invalid provider metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tt.doc))
			if !errors.Is(err, ErrMetadata) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrMetadata containing %q", err, tt.want)
			}
		})
	}
}

func issuerOf(m *Metadata) string {
	if m == nil {
		return ""
	}
	return m.Issuer
}

// OpenID Connect Discovery 1.0 §3 makes "issuer" REQUIRED and §4.3 checks
// that exact member; RFC 8259 §8.3 compares member names code point by
// code point, so "Issuer" or "JWKS_URI" are other, unknown members. A
// member given twice leaves its value in doubt, so the document is
// rejected.
func TestMetadataMemberNamesAreCaseSensitive(t *testing.T) {
	tests := []struct {
		name        string
		doc         string
		wantErr     error
		wantJWKSURI string
	}{
		{
			name:    "Issuer without issuer",
			doc:     `{"Issuer":"https://op.test","jwks_uri":"https://op.test/jwks"}`,
			wantErr: ErrMetadata,
		},
		{
			name:    "issuer with a long s",
			doc:     `{"i\u017f\u017fuer":"https://op.test","jwks_uri":"https://op.test/jwks"}`,
			wantErr: ErrMetadata,
		},
		{
			name:        "JWKS_URI after jwks_uri",
			doc:         `{"issuer":"https://op.test","jwks_uri":"https://op.test/jwks","JWKS_URI":"https://evil.test/jwks"}`,
			wantJWKSURI: "https://op.test/jwks",
		},
		{
			name:    "jwks_uri given twice",
			doc:     `{"issuer":"https://op.test","jwks_uri":"https://op.test/jwks","jwks_uri":"https://evil.test/jwks"}`,
			wantErr: ErrMetadata,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMetadata([]byte(tt.doc))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseMetadata: got metadata with issuer %q, error %v; want error %v", issuerOf(m), err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMetadata: got error %v, want none", err)
			}
			if m.JWKSURI != tt.wantJWKSURI {
				t.Errorf("jwks_uri: got %q, want %q", m.JWKSURI, tt.wantJWKSURI)
			}
		})
	}
}

func TestDiscover(t *testing.T) {
	o := newOP(t)
	p := o.provider(t)
	if p.Issuer() != o.URL || p.Metadata().TokenEndpoint != o.URL+"/token" {
		t.Errorf("issuer %q token endpoint %q", p.Issuer(), p.Metadata().TokenEndpoint)
	}
	remote, ok := p.Keys().(*keyset.Remote)
	if !ok || remote.URL() != o.URL+"/jwks" {
		t.Fatalf("keys = %T, want a cache of %s/jwks", p.Keys(), o.URL)
	}
	if got := o.jwksHits.Load(); got != 0 {
		t.Errorf("discovery fetched the JWK Set %d times, want lazily", got)
	}
	want := []keyset.Algorithm{keyset.RS256, keyset.ES256, keyset.EdDSA}
	if got := p.Verifier(VerifierConfig{ClientID: "c1"}).Algorithms(); !slices.Equal(got, want) {
		t.Errorf("default algorithms = %v, want %v (none dropped)", got, want)
	}
}

func TestDiscoverErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(o *op) (url, issuer string)
		cfg     ProviderConfig
		wantErr error
		wantMsg string
	}{
		{name: "issuer with trailing slash", setup: func(o *op) (string, string) {
			o.setMeta("issuer", o.URL+"/")
			return WellKnownOpenID(o.URL), o.URL
		}, wantErr: ErrIssuerMismatch},
		{name: "other issuer", setup: func(o *op) (string, string) {
			o.setMeta("issuer", "https://evil.test")
			return WellKnownOpenID(o.URL), o.URL
		}, wantErr: ErrIssuerMismatch},
		{name: "not found", setup: func(o *op) (string, string) {
			return o.URL + "/missing", o.URL
		}, wantErr: ErrMetadata, wantMsg: "HTTP 404"},
		{name: "no jwks_uri", setup: func(o *op) (string, string) {
			o.setMeta("jwks_uri", nil)
			return WellKnownOpenID(o.URL), o.URL
		}, wantErr: ErrMetadata, wantMsg: "no jwks_uri"},
		{name: "http jwks_uri", setup: func(o *op) (string, string) {
			o.setMeta("jwks_uri", "http://keys.example.com/jwks")
			return WellKnownOpenID(o.URL), o.URL
		}, wantMsg: "must use https"},
		{name: "http metadata URL", setup: func(o *op) (string, string) {
			return "http://op.example.com/.well-known/openid-configuration", "http://op.example.com"
		}, wantMsg: "must use https"},
		{name: "http issuer", setup: func(o *op) (string, string) {
			o.setMeta("issuer", "http://op.example.com")
			return WellKnownOpenID(o.URL), "http://op.example.com"
		}, wantMsg: "must use https"},
		{name: "metadata URL with user information", setup: func(o *op) (string, string) {
			return "https://u:p@op.example.com/.well-known/openid-configuration", ""
		}, wantMsg: "user information"},
		{name: "no issuer given, document names another", setup: func(o *op) (string, string) {
			o.setMeta("issuer", "https://evil.test")
			return WellKnownOpenID(o.URL), ""
		}, wantErr: ErrIssuerMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOP(t)
			u, iss := tt.setup(o)
			cfg := tt.cfg
			cfg.HTTPClient = o.Client()
			_, err := DiscoverFrom(bg, u, iss, cfg)
			if err == nil {
				t.Fatal("DiscoverFrom succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantMsg)
			}
		})
	}
}

func TestDiscoverFrom(t *testing.T) {
	o := newOP(t)
	o.setMeta("issuer", o.URL+"/tenant")
	u, err := WellKnownOAuth(o.URL + "/tenant")
	if err != nil {
		t.Fatal(err)
	}
	p, err := DiscoverFrom(bg, u, o.URL+"/tenant", ProviderConfig{HTTPClient: o.Client()})
	if err != nil {
		t.Fatalf("DiscoverFrom (RFC 8414): %v", err)
	}
	if p.Issuer() != o.URL+"/tenant" {
		t.Errorf("issuer = %q", p.Issuer())
	}
	// Without an expected issuer, the document's is taken.
	p, err = DiscoverFrom(bg, u, "", ProviderConfig{HTTPClient: o.Client()})
	if err != nil || p.Issuer() != o.URL+"/tenant" {
		t.Errorf("DiscoverFrom without issuer = %v, %v", p, err)
	}
}

func TestDiscoverWithGivenKeys(t *testing.T) {
	o := newOP(t)
	o.setMeta("jwks_uri", nil)
	jwks := o.set.JWKS()
	p, err := Discover(bg, o.URL, ProviderConfig{HTTPClient: o.Client(), Keys: jwks})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	if p.Keys() != jwks {
		t.Error("given keys not used")
	}
	idt := o.sign(o.defaultClaims("n", ""))
	if _, err := p.Verifier(VerifierConfig{ClientID: "c1"}).Verify(bg, idt, Expect{Nonce: "n"}); err != nil {
		t.Errorf("Verify with given keys: %v", err)
	}
}

func TestOAuth2Config(t *testing.T) {
	tests := []struct {
		name       string
		methods    []grantry.AuthMethod
		in         oauth2.Config
		wantMethod grantry.AuthMethod
	}{
		{name: "basic listed", methods: []grantry.AuthMethod{"client_secret_basic", "client_secret_post"}, in: oauth2.Config{ClientSecret: "s"}, wantMethod: ""},
		{name: "nothing listed", in: oauth2.Config{ClientSecret: "s"}, wantMethod: ""},
		{name: "only post listed", methods: []grantry.AuthMethod{"client_secret_post"}, in: oauth2.Config{ClientSecret: "s"}, wantMethod: grantry.AuthClientSecretPost},
		{name: "explicit method kept", methods: []grantry.AuthMethod{"client_secret_post"}, in: oauth2.Config{ClientSecret: "s", AuthMethod: grantry.AuthClientSecretJWT}, wantMethod: grantry.AuthClientSecretJWT},
		{name: "public client", methods: []grantry.AuthMethod{"client_secret_post"}, in: oauth2.Config{}, wantMethod: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			meta := &Metadata{Issuer: "https://op.test", TokenEndpoint: "https://op.test/token", AuthorizationEndpoint: "https://op.test/auth",
				RevocationEndpoint: "https://op.test/revoke", TokenEndpointAuthMethodsSupported: tt.methods, AuthorizationResponseIssParameterSupported: true}
			p, err := NewProvider(meta, ProviderConfig{Keys: &keyset.JWKS{}})
			if err != nil {
				t.Fatal(err)
			}
			got := p.OAuth2Config(tt.in)
			if got.AuthMethod != tt.wantMethod {
				t.Errorf("AuthMethod = %q, want %q", got.AuthMethod, tt.wantMethod)
			}
			if got.TokenEndpoint != meta.TokenEndpoint || got.AuthorizationEndpoint != meta.AuthorizationEndpoint ||
				got.RevocationEndpoint != meta.RevocationEndpoint || got.Issuer != meta.Issuer || !got.RequireIssuer {
				t.Errorf("config = %+v, want the metadata's endpoints and issuer, iss required", got)
			}
		})
	}
	p, _ := NewProvider(&Metadata{Issuer: "https://op.test", TokenEndpoint: "https://op.test/token"}, ProviderConfig{Keys: &keyset.JWKS{}})
	if got := p.OAuth2Config(oauth2.Config{TokenEndpoint: "https://other.test/token"}); got.TokenEndpoint != "https://other.test/token" {
		t.Errorf("TokenEndpoint = %q, want the caller's", got.TokenEndpoint)
	}
}

func TestIssuersOf(t *testing.T) {
	tests := []struct {
		url  string
		want []string
	}{
		{"https://op.test/.well-known/openid-configuration", []string{"https://op.test", "https://op.test/"}},
		{"https://op.test/t1/.well-known/openid-configuration", []string{"https://op.test/t1", "https://op.test/t1/"}},
		{"https://op.test/.well-known/oauth-authorization-server", []string{"https://op.test", "https://op.test/"}},
		{"https://op.test/.well-known/oauth-authorization-server/t1", []string{"https://op.test/t1", "https://op.test/t1/"}},
		{"https://op.test/.well-known/openid-configuration/t1", []string{"https://op.test/t1", "https://op.test/t1/"}},
		{"https://op.test/.well-known/oauth-authorization-serverx", nil},
		{"https://op.test/metadata.json", nil},
		{"https://op.test/.well-known/openid-configuration?x=1", nil},
		{"not a url", nil},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if got := IssuersOf(tt.url); !slices.Equal(got, tt.want) {
				t.Errorf("IssuersOf(%q) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

// TestDiscoveryHTTPClient: the default client times out, and no client,
// the caller's included, follows a redirect from https to plain http.
func TestDiscoveryHTTPClient(t *testing.T) {
	if got := (&ProviderConfig{}).httpClient().Timeout; got <= 0 || got > time.Minute {
		t.Errorf("default client timeout: got %v, want a bound of at most a minute", got)
	}
	o := newOP(t)
	tlsSrv := httptest.NewTLSServer(http.RedirectHandler(WellKnownOpenID(o.URL), http.StatusFound))
	defer tlsSrv.Close()
	_, err := FetchMetadata(context.Background(), tlsSrv.URL+"/.well-known/openid-configuration", o.URL, ProviderConfig{HTTPClient: tlsSrv.Client()})
	if err == nil || !strings.Contains(err.Error(), "https to http") {
		t.Errorf("metadata through a redirect to http: got %v, want the redirect refused", err)
	}
}
