package password_test

import (
	"context"
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
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// directory is the application's user store.
type directory struct {
	users map[string]string
	err   error // a failure of the directory itself
}

func (d directory) AuthenticateUser(_ context.Context, name, pw string) (string, error) {
	if d.err != nil {
		return "", d.err
	}
	if want, ok := d.users[name]; ok && want == pw {
		return "user-" + name, nil
	}
	return "", password.ErrInvalidCredentials
}

const secretCause = "ldap.corp.internal:636"

var secrets = map[string]string{"pw1": "pw-secret", "norefresh": "nr-secret", "nopassword": "np-secret", "post": "post-secret"}

// newServer returns a server with the grant and the store it issues into.
func newServer(t *testing.T, dir directory, cfg password.Config) (*authserver.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	pwRefresh := []grantry.GrantType{grantry.GrantPassword, grantry.GrantRefreshToken}
	for _, c := range []*storage.Client{
		{ID: "pw1", GrantTypes: pwRefresh, Scope: grantry.Scope{"profile", "email"}},
		{ID: "norefresh", GrantTypes: pwRefresh[:1], Scope: grantry.Scope{"profile"}},
		{ID: "nopassword", GrantTypes: pwRefresh[1:], Scope: grantry.Scope{"profile"}},
		{ID: "post", AuthMethod: grantry.AuthClientSecretPost, GrantTypes: pwRefresh, Scope: grantry.Scope{"profile"}},
	} {
		c.SecretHash = secret.HashSecret(secrets[c.ID])
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(password.New(dir, cfg))
	return srv, store
}

func TestPasswordGrant(t *testing.T) {
	alice := directory{users: map[string]string{"alice": "wonderland"}}
	tests := []struct {
		name        string
		dir         directory
		cfg         password.Config
		client      string
		post        bool // client_secret_post instead of Basic
		form        url.Values
		status      int
		err         string
		wantRefresh bool
	}{
		{name: "success", dir: alice, client: "pw1", form: url.Values{"username": {"alice"}, "password": {"wonderland"}, "scope": {"profile"}},
			status: 200, wantRefresh: true},
		{name: "success without refresh_token grant", dir: alice, client: "norefresh", form: url.Values{"username": {"alice"}, "password": {"wonderland"}},
			status: 200},
		{name: "missing username", dir: alice, client: "pw1", form: url.Values{"password": {"wonderland"}}, status: 400, err: "invalid_request"},
		{name: "empty username", dir: alice, client: "pw1", form: url.Values{"username": {""}, "password": {"wonderland"}}, status: 400, err: "invalid_request"},
		{name: "missing password", dir: alice, client: "pw1", form: url.Values{"username": {"alice"}}, status: 400, err: "invalid_request"},
		{name: "wrong password", dir: alice, client: "pw1", form: url.Values{"username": {"alice"}, "password": {"x"}}, status: 400, err: "invalid_grant"},
		{name: "unknown user", dir: alice, client: "pw1", form: url.Values{"username": {"bob"}, "password": {"x"}}, status: 400, err: "invalid_grant"},
		{name: "scope beyond the client's", dir: alice, client: "pw1", form: url.Values{"username": {"alice"}, "password": {"wonderland"}, "scope": {"admin"}},
			status: 400, err: "invalid_scope"},
		{name: "client without the password grant", dir: alice, client: "nopassword", form: url.Values{"username": {"alice"}, "password": {"wonderland"}},
			status: 400, err: "unauthorized_client"},
		{name: "client_secret_post refused by default", dir: alice, client: "post", post: true, form: url.Values{"username": {"alice"}, "password": {"wonderland"}},
			status: 401, err: "invalid_client"},
		{name: "client_secret_post when configured", dir: alice, cfg: password.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthClientSecretPost}},
			client: "post", post: true, form: url.Values{"username": {"alice"}, "password": {"wonderland"}}, status: 200, wantRefresh: true},
		{name: "Basic and client_secret together", dir: alice, client: "pw1", form: url.Values{"username": {"alice"}, "password": {"wonderland"}, "client_secret": {"x"}},
			status: 400, err: "invalid_request"},
		{name: "directory unavailable", dir: directory{err: fmt.Errorf("dial %s: %w", secretCause, storage.ErrUnavailable)}, client: "pw1",
			form: url.Values{"username": {"alice"}, "password": {"wonderland"}}, status: 503, err: "temporarily_unavailable"},
		{name: "directory failure", dir: directory{err: errors.New("bind failed on " + secretCause)}, client: "pw1",
			form: url.Values{"username": {"alice"}, "password": {"wonderland"}}, status: 500, err: "server_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, store := newServer(t, tt.dir, tt.cfg)
			v := url.Values{"grant_type": {"password"}}
			for k, vs := range tt.form {
				v[k] = vs
			}
			if tt.post {
				v.Set("client_id", tt.client)
				v.Set("client_secret", secrets[tt.client])
			}
			r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if !tt.post {
				r.SetBasicAuth(tt.client, secrets[tt.client])
			}
			w := httptest.NewRecorder()
			srv.ServeToken(w, r)
			raw := w.Body.String()
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("response %q: %v", raw, err)
			}
			if w.Code != tt.status {
				t.Errorf("status: got %d, want %d; body %s", w.Code, tt.status, raw)
			}
			if strings.Contains(raw, secretCause) {
				t.Errorf("the response leaks the internal cause: %s", raw)
			}
			if tt.err != "" {
				if body["error"] != tt.err {
					t.Errorf("error: got %v, want %s", body["error"], tt.err)
				}
				if _, ok := body["access_token"]; ok {
					t.Errorf("access_token in an error response")
				}
				return
			}
			if _, got := body["refresh_token"]; got != tt.wantRefresh {
				t.Errorf("refresh_token present: got %v, want %v", got, tt.wantRefresh)
			}
			if body["expires_in"] != float64(864000) || body["token_type"] != "Bearer" {
				t.Errorf("response: got %v, want expires_in 864000 and token_type Bearer", body)
			}
			tok, err := store.TokenByAccess(t.Context(), secret.Digest(body["access_token"].(string)))
			if err != nil || tok.Subject != "user-alice" || tok.GrantType != grantry.GrantPassword {
				t.Errorf("stored token: got (%+v, %v), want one of user-alice by the password grant", tok, err)
			}
		})
	}
}

// A wrong password and an unknown user get the same answer, so user names
// cannot be probed through the token endpoint.
func TestUnknownUserLooksLikeWrongPassword(t *testing.T) {
	srv, _ := newServer(t, directory{users: map[string]string{"alice": "wonderland"}}, password.Config{})
	answer := func(user string) string {
		v := url.Values{"grant_type": {"password"}, "username": {user}, "password": {"guess"}}
		r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("pw1", "pw-secret")
		w := httptest.NewRecorder()
		srv.ServeToken(w, r)
		return fmt.Sprint(w.Code, " ", w.Body.String())
	}
	if a, b := answer("alice"), answer("nobody"); a != b {
		t.Errorf("got %q for a wrong password and %q for an unknown user, want the same", a, b)
	}
}
