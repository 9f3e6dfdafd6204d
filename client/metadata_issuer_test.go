package client_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/client/oidc"
)

// TestMetadataIssuerMatchesWellKnownURL checks RFC 8414 §3.3 and OpenID
// Connect Discovery 1.0 §4.3: the issuer a metadata document names must be
// the one into which the well-known path was inserted to build the URL the
// document was read from; otherwise the document must not be used. The app
// configures ServerMetadataURL only, as most apps do.
func TestMetadataIssuerMatchesWellKnownURL(t *testing.T) {
	tests := []struct {
		name string
		path string // where the document is served and read from
		// issuerPath is appended to the server's URL to make the issuer
		// the document names.
		issuerPath string
		scopes     []string
		wantErr    error
	}{
		{"openid, same issuer", "/.well-known/openid-configuration", "", []string{"openid"}, nil},
		{"openid, issuer of another provider", "/.well-known/openid-configuration", "/other", []string{"openid"}, oidc.ErrIssuerMismatch},
		{"oauth, same issuer", "/.well-known/oauth-authorization-server/tenant", "/tenant", nil, nil},
		{"oauth, issuer of another tenant", "/.well-known/oauth-authorization-server/tenant", "/other", nil, oidc.ErrIssuerMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != tc.path {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{
					"issuer":                 srv.URL + tc.issuerPath,
					"authorization_endpoint": srv.URL + "/authorize",
					"token_endpoint":         srv.URL + "/token",
					"jwks_uri":               srv.URL + "/jwks",
				})
			}))
			defer srv.Close()

			reg := client.NewRegistry(client.RegistryConfig{})
			app, err := reg.Register("provider", client.OAuth2{
				Config:            oauth2.Config{ClientID: "client", ClientSecret: "secret", Scopes: tc.scopes},
				ServerMetadataURL: srv.URL + tc.path,
			})
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/login", nil)
			err = app.AuthorizeRedirect(rec, req, "http://127.0.0.1/callback")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("AuthorizeRedirect: got error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if loc := rec.Header().Get("Location"); loc != "" {
					t.Errorf("got redirect to %q, want none", loc)
				}
				return
			}
			if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, srv.URL+"/authorize?") {
				t.Errorf("got redirect to %q, want the authorization endpoint", loc)
			}
		})
	}
}
