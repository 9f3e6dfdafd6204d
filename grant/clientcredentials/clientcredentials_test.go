package clientcredentials_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var secrets = map[string]string{"cc1": "cc-secret", "post": "post-secret", "other": "other-secret"}

// newServer returns a server with the grant and the store it issues into.
func newServer(t *testing.T, cfg clientcredentials.Config) (*authserver.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	// cc1 may also use refresh_token: the grant must still issue none
	// (RFC 6749 §4.4.3).
	cc := []grantry.GrantType{grantry.GrantClientCredentials, grantry.GrantRefreshToken}
	for _, c := range []*storage.Client{
		{ID: "cc1", GrantTypes: cc, Scope: grantry.Scope{"read", "write"}},
		{ID: "post", AuthMethod: grantry.AuthClientSecretPost, GrantTypes: cc, Scope: grantry.Scope{"read"}},
		{ID: "other", GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode}, Scope: grantry.Scope{"read"}},
		{ID: "public", AuthMethod: grantry.AuthNone, GrantTypes: cc, Scope: grantry.Scope{"read"}},
	} {
		if s, ok := secrets[c.ID]; ok {
			c.SecretHash = secret.HashSecret(s)
		}
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store, Scopes: grantry.Scope{"read", "write", "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(cfg))
	return srv, store
}

func TestClientCredentialsGrant(t *testing.T) {
	withPost := clientcredentials.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost}}
	withNone := clientcredentials.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthNone, grantry.AuthClientSecretBasic}}
	tests := []struct {
		name   string
		cfg    clientcredentials.Config
		client string
		method grantry.AuthMethod // how the client authenticates; "" is Basic
		scope  string
		status int
		err    string
	}{
		{name: "success", client: "cc1", scope: "read", status: 200},
		{name: "success with all the client's scope", client: "cc1", scope: "write read", status: 200},
		{name: "success without scope", client: "cc1", status: 200},
		{name: "scope beyond the client's", client: "cc1", scope: "read admin", status: 400, err: "invalid_scope"},
		{name: "scope unknown to the server", client: "cc1", scope: "delete", status: 400, err: "invalid_scope"},
		{name: "malformed scope", client: "cc1", scope: "re\\ad", status: 400, err: "invalid_scope"},
		{name: "client without the grant type", client: "other", status: 400, err: "unauthorized_client"},
		{name: "client_secret_post refused by default", client: "post", method: grantry.AuthClientSecretPost, status: 401, err: "invalid_client"},
		{name: "client_secret_post when configured", cfg: withPost, client: "post", method: grantry.AuthClientSecretPost, scope: "read", status: 200},
		{name: "public client", client: "public", method: grantry.AuthNone, status: 401, err: "invalid_client"},
		{name: "public client even when none is configured", cfg: withNone, client: "public", method: grantry.AuthNone, status: 401, err: "invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, store := newServer(t, tt.cfg)
			v := url.Values{"grant_type": {"client_credentials"}}
			if tt.scope != "" {
				v.Set("scope", tt.scope)
			}
			if tt.method != "" {
				v.Set("client_id", tt.client)
			}
			if tt.method == grantry.AuthClientSecretPost {
				v.Set("client_secret", secrets[tt.client])
			}
			r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.method == "" {
				r.SetBasicAuth(tt.client, secrets[tt.client])
			}
			w := httptest.NewRecorder()
			srv.ServeToken(w, r)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("response %q: %v", w.Body.String(), err)
			}
			if w.Code != tt.status {
				t.Errorf("status: got %d, want %d; body %v", w.Code, tt.status, body)
			}
			if tt.err != "" {
				if body["error"] != tt.err {
					t.Errorf("error: got %v, want %s", body["error"], tt.err)
				}
				return
			}
			if _, ok := body["refresh_token"]; ok {
				t.Errorf("refresh_token: got %v, want none (RFC 6749 §4.4.3)", body["refresh_token"])
			}
			if got, _ := body["scope"].(string); got != tt.scope {
				t.Errorf("scope: got %q, want %q", got, tt.scope)
			}
			tok, err := store.TokenByAccess(t.Context(), secret.Digest(body["access_token"].(string)))
			if err != nil {
				t.Fatalf("TokenByAccess: %v", err)
			}
			if tok.Subject != "" || tok.ClientID != tt.client || tok.RefreshHash != "" || tok.GrantType != grantry.GrantClientCredentials {
				t.Errorf("stored token: got subject %q, client %s, refresh hash %q, grant %s; want no subject, %s, none, client_credentials",
					tok.Subject, tok.ClientID, tok.RefreshHash, tok.GrantType, tt.client)
			}
		})
	}
}

// "none" is dropped from the configured methods: the grant is for
// confidential clients only.
func TestAuthMethods(t *testing.T) {
	tests := []struct {
		name string
		cfg  clientcredentials.Config
		want []grantry.AuthMethod
	}{
		{name: "default", want: []grantry.AuthMethod{grantry.AuthClientSecretBasic}},
		{name: "none dropped", cfg: clientcredentials.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthNone, grantry.AuthClientSecretPost}},
			want: []grantry.AuthMethod{grantry.AuthClientSecretPost}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clientcredentials.New(tt.cfg).AuthMethods()
			if !slices.Equal(got, tt.want) {
				t.Errorf("AuthMethods: got %v, want %v", got, tt.want)
			}
		})
	}
}
