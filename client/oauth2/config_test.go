package oauth2

import (
	"context"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
)

func TestNew(t *testing.T) {
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	custom := func(context.Context, *EndpointRequest) error { return nil }
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "public client", cfg: Config{ClientID: "p", TokenEndpoint: "https://as.test/token"}},
		{name: "confidential client", cfg: Config{ClientID: "c", ClientSecret: "s", TokenEndpoint: "https://as.test/token"}},
		{name: "loopback http", cfg: Config{TokenEndpoint: "http://127.0.0.1:9000/token"}},
		{name: "localhost http", cfg: Config{TokenEndpoint: "http://localhost:9000/token"}},
		{name: "http on a remote host", cfg: Config{TokenEndpoint: "http://as.test/token"}, wantErr: "must use https"},
		{name: "insecure http allowed", cfg: Config{TokenEndpoint: "http://as.test/token", InsecureAllowHTTP: true}},
		{name: "relative endpoint", cfg: Config{AuthorizationEndpoint: "/authorize"}, wantErr: "not absolute"},
		{name: "endpoint with fragment", cfg: Config{RevocationEndpoint: "https://as.test/revoke#x"}, wantErr: "fragment"},
		{name: "endpoint with an empty fragment", cfg: Config{TokenEndpoint: "https://as.test/token#"}, wantErr: "fragment"},
		{name: "endpoint with user information", cfg: Config{TokenEndpoint: "https://u:p@as.test/token"}, wantErr: "user information"},
		{name: "LOCALHOST http", cfg: Config{TokenEndpoint: "http://LOCALHOST:9000/token"}},
		{name: "bad introspection URL", cfg: Config{IntrospectionEndpoint: "https://as.test/%zz"}, wantErr: "invalid endpoint URL"},
		{name: "unknown auth method", cfg: Config{AuthMethod: "tls_client_auth"}, wantErr: "unknown client authentication method"},
		{name: "basic without secret", cfg: Config{AuthMethod: grantry.AuthClientSecretBasic}, wantErr: "needs a client secret"},
		{name: "post without secret", cfg: Config{AuthMethod: grantry.AuthClientSecretPost}, wantErr: "needs a client secret"},
		{name: "secret jwt without secret", cfg: Config{AuthMethod: grantry.AuthClientSecretJWT}, wantErr: "needs a client secret"},
		{name: "secret jwt with RS256", cfg: Config{AuthMethod: grantry.AuthClientSecretJWT, ClientSecret: "s", AssertionAlgorithm: keyset.RS256}, wantErr: "not an HMAC algorithm"},
		{name: "private key jwt without key", cfg: Config{AuthMethod: grantry.AuthPrivateKeyJWT}, wantErr: "needs a signing key"},
		{name: "private key jwt", cfg: Config{AuthMethod: grantry.AuthPrivateKeyJWT, SigningKey: key}},
		{name: "custom method", cfg: Config{AuthMethod: "tls_client_auth", AuthMethods: map[grantry.AuthMethod]AuthFunc{"tls_client_auth": custom}}},
		{name: "unknown PKCE method", cfg: Config{PKCEMethod: "S512"}, wantErr: "unknown PKCE method"},
		{name: "bad placement", cfg: Config{TokenPlacement: Placement(9)}, wantErr: "unknown token placement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestConfigIsCopied(t *testing.T) {
	scopes := []string{"a", "b"}
	c := newClient(t, Config{Scopes: scopes})
	scopes[0] = "changed"
	got := c.Config()
	got.Scopes[1] = "changed"
	if s := c.Config().Scopes; s[0] != "a" || s[1] != "b" {
		t.Errorf("scopes = %v, want [a b]: the client shares the caller's slice", s)
	}
}
