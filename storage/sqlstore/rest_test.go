package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// oneUser is the password grant's user base: alice, with her password.
type oneUser struct{}

func (oneUser) AuthenticateUser(_ context.Context, username, pw string) (string, error) {
	if username == "alice" && pw == "correct horse battery staple" {
		return "user-alice", nil
	}
	return "", password.ErrInvalidCredentials
}

// post sends a form to the token endpoint with Basic client credentials
// and returns the fields of a successful response.
func post(t *testing.T, srv *authserver.Server, id, secret string, form url.Values) map[string]any {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(id, secret)
	w := httptest.NewRecorder()
	srv.ServeToken(w, r)
	var body map[string]any
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &body) != nil {
		t.Fatalf("%s: got %d %s, want 200 with a JSON body", form.Get("grant_type"), w.Code, w.Body)
	}
	return body
}

// authorizeCode approves an authorization request of client "app" and
// returns the code.
func authorizeCode(t *testing.T, srv *authserver.Server) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {"app"}, "redirect_uri": {"https://app.example/cb"}, "scope": {"profile"}}
	r := httptest.NewRequest(http.MethodGet, "/authorize?"+q.Encode(), nil)
	req, err := srv.ValidateAuthorizationRequest(r)
	if err != nil {
		t.Fatalf("ValidateAuthorizationRequest: %v", err)
	}
	w := httptest.NewRecorder()
	srv.Authorize(w, r, req, &authserver.Consent{Subject: "user-alice"})
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorization response: got %d %q, want a redirect with a code", w.Code, w.Header().Get("Location"))
	}
	return loc.Query().Get("code")
}

// dump returns every value of every row of the store's tables as text, as
// a copy of the database would show them.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"clients", "authorization_codes", "tokens", "schema_migrations"} {
		rows, err := db.QueryContext(t.Context(), "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("dump %s: %v", table, err)
			}
			for _, v := range vals {
				if raw, ok := v.([]byte); ok {
					v = string(raw)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}

// TestDumpHoldsNoCredential issues every kind of credential through the
// authorization server — client secrets generated and imported,
// authorization codes, access and refresh tokens, rotated ones — and
// checks that a dump of the database holds none of them, only their
// digests and hashes.
func TestDumpHoldsNoCredential(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			s := openStore(t, db, tc.d)
			generated, imported := secret.Token(), "legacy-password-123"
			clients := []*storage.Client{{
				ID: "app", SecretHash: secret.HashSecret(generated),
				RedirectURIs:  []string{"https://app.example/cb"},
				GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantPassword, grantry.GrantRefreshToken},
				ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
				Scope:         grantry.Scope{"profile"},
			}, {
				ID: "legacy", SecretHash: secret.HashPassword(imported),
				GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
				Scope:      grantry.Scope{"api"},
			}}
			for _, c := range clients {
				if err := s.CreateClient(t.Context(), c); err != nil {
					t.Fatalf("CreateClient(%s): %v", c.ID, err)
				}
			}
			srv, err := authserver.New(authserver.Config{Clients: s, Tokens: s, SecretCache: secret.NewCache(secret.CacheConfig{})})
			if err != nil {
				t.Fatal(err)
			}
			code := authcode.New(s, authcode.Config{})
			srv.RegisterGrant(code)
			srv.RegisterResponseType(code)
			srv.RegisterGrant(password.New(oneUser{}, password.Config{}))
			srv.RegisterGrant(refresh.New(s, refresh.Config{}))
			srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))

			pending, exchanged := authorizeCode(t, srv), authorizeCode(t, srv)
			fromCode := post(t, srv, "app", generated, url.Values{"grant_type": {"authorization_code"}, "code": {exchanged}, "redirect_uri": {"https://app.example/cb"}})
			fromPassword := post(t, srv, "app", generated, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"correct horse battery staple"}})
			rotated := post(t, srv, "app", generated, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fromPassword["refresh_token"].(string)}})
			service := post(t, srv, "legacy", imported, url.Values{"grant_type": {"client_credentials"}})

			credentials := map[string]string{
				"generated client secret": generated, "imported client secret": imported,
				"pending code": pending, "exchanged code": exchanged,
			}
			for name, resp := range map[string]map[string]any{"code": fromCode, "password": fromPassword, "rotated": rotated, "service": service} {
				for _, field := range []string{"access_token", "refresh_token"} {
					if v, ok := resp[field].(string); ok {
						credentials[name+" "+field] = v
					}
				}
			}
			d := dump(t, db)
			for name, c := range credentials {
				if strings.Contains(d, c) {
					t.Errorf("the dump holds the %s", name)
				}
			}
			// The dump is of the right data: the digests are there.
			for _, c := range []string{pending, fromCode["access_token"].(string), rotated["refresh_token"].(string)} {
				if !strings.Contains(d, secret.Digest(c)) {
					t.Errorf("the dump lacks the digest of an issued credential:\n%s", d)
				}
			}
		})
	}
}

// TestPlainSecretRefused checks that a client whose SecretHash is not a
// hash, most likely the secret itself, is not stored.
func TestPlainSecretRefused(t *testing.T) {
	s := openStore(t, openSQLite(t), sqlstore.SQLite)
	tests := []struct {
		name string
		hash string
		want error
	}{
		{"plain", "s3cr3t-value", sqlstore.ErrPlainSecret},
		{"unknown-scheme", "md5$abc", sqlstore.ErrPlainSecret},
		{"sha256", secret.HashSecret("s3cr3t-value"), nil},
		{"public", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &storage.Client{ID: tc.name, SecretHash: tc.hash}
			if err := s.CreateClient(t.Context(), c); !errors.Is(err, tc.want) {
				t.Errorf("CreateClient: got error %v, want %v", err, tc.want)
			}
			c.ID, c.SecretHash = "public", tc.hash
			if err := s.UpdateClient(t.Context(), c); tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("UpdateClient: got error %v, want %v", err, tc.want)
			}
		})
	}
}
