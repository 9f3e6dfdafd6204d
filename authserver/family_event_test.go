package authserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// TestFamilyRevokedEvent checks that the revocations grants make on their
// own — a replayed code, a reused refresh token — fire FamilyRevoked once,
// with the family and client.
func TestFamilyRevokedEvent(t *testing.T) {
	tests := []struct {
		name   string
		attack func(t *testing.T, post func(url.Values) int, code, refreshToken string)
	}{
		{"code replayed", func(t *testing.T, post func(url.Values) int, code, _ string) {
			if got := post(url.Values{"grant_type": {"authorization_code"}, "code": {code}}); got != http.StatusBadRequest {
				t.Fatalf("replay: got status %d, want 400", got)
			}
		}},
		{"refresh token reused", func(t *testing.T, post func(url.Values) int, _, refreshToken string) {
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
			if got := post(form); got != http.StatusOK {
				t.Fatalf("first refresh: got status %d, want 200", got)
			}
			if got := post(form); got != http.StatusBadRequest {
				t.Fatalf("reuse: got status %d, want 400", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			srv, store := familyEventServer(t, func(_ context.Context, family, client string) {
				got = append(got, family+" "+client)
			})
			post := func(form url.Values) int {
				r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.SetBasicAuth("fe", "fe-secret")
				w := httptest.NewRecorder()
				srv.ServeToken(w, r)
				return w.Code
			}
			code := familyEventCode(t, srv)
			r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"}, "code": {code}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth("fe", "fe-secret")
			w := httptest.NewRecorder()
			srv.ServeToken(w, r)
			var resp struct {
				AccessToken  string `json:"access_token"`
				RefreshToken string `json:"refresh_token"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || w.Code != http.StatusOK {
				t.Fatalf("exchange: got %d %s, want 200", w.Code, w.Body)
			}
			tok, err := store.TokenByAccess(t.Context(), secret.Digest(resp.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 {
				t.Fatalf("before the attack: got events %q, want none", got)
			}
			tc.attack(t, post, code, resp.RefreshToken)
			want := tok.FamilyID + " fe"
			if len(got) != 1 || got[0] != want {
				t.Errorf("FamilyRevoked: got %q, want [%q]", got, want)
			}
		})
	}
}

func familyEventServer(t *testing.T, fn func(context.Context, string, string)) (*authserver.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	err := store.CreateClient(t.Context(), &storage.Client{
		ID: "fe", SecretHash: secret.HashSecret("fe-secret"), RedirectURIs: []string{"https://client.test/cb"},
		Scope: grantry.Scope{"profile"}, ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
		GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store, Events: authserver.Events{FamilyRevoked: fn}})
	if err != nil {
		t.Fatal(err)
	}
	code := authcode.New(store, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterGrant(refresh.New(store, refresh.Config{}))
	return srv, store
}

func familyEventCode(t *testing.T, srv *authserver.Server) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/authorize?client_id=fe&response_type=code&scope=profile", nil)
	req, err := srv.ValidateAuthorizationRequest(r)
	if err != nil {
		t.Fatalf("ValidateAuthorizationRequest: got error %v, want nil", err)
	}
	w := httptest.NewRecorder()
	srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorize: got Location %q, want a code", w.Header().Get("Location"))
	}
	return loc.Query().Get("code")
}
