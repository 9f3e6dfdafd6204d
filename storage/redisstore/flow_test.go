package redisstore_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/redisstore"
	"github.com/grantry/grantry/storage/sqlstore"
)

// TestAuthorizationCodeFlow runs the authorization code grant with codes
// in Redis and clients and tokens in SQLite, as the package documentation
// suggests: the code is exchanged once, and its replay is refused and
// revokes the token it issued (RFC 6749 §4.1.2).
func TestAuthorizationCodeFlow(t *testing.T) {
	codes, _ := newStore(t, redisstore.Config{})
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(filepath.Join(t.TempDir(), "grantry.db")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	sqls, err := sqlstore.Open(t.Context(), db, sqlstore.SQLite)
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	sec := secret.Token()
	err = sqls.CreateClient(t.Context(), &storage.Client{
		ID:            "web",
		SecretHash:    secret.HashSecret(sec),
		RedirectURIs:  []string{"https://app.example/cb"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
		Scope:         grantry.Scope{"profile"},
	})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	srv, err := authserver.New(authserver.Config{Issuer: "https://auth.example", Clients: sqls, Tokens: sqls})
	if err != nil {
		t.Fatal(err)
	}
	code := authcode.New(codes, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)

	raw := authorize(t, srv)
	exchange := func() *httptest.ResponseRecorder {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {raw}, "redirect_uri": {"https://app.example/cb"}}
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("web", sec)
		w := httptest.NewRecorder()
		srv.ServeToken(w, r)
		return w
	}
	first := exchange()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if first.Code != http.StatusOK {
		t.Fatalf("first exchange: got status %d (%s), want 200", first.Code, first.Body)
	}
	if err := json.Unmarshal(first.Body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("first exchange: got body %s (%v), want an access token", first.Body, err)
	}
	replay := exchange()
	if replay.Code != http.StatusBadRequest || !strings.Contains(replay.Body.String(), `"error":"invalid_grant"`) {
		t.Errorf("replay: got %d %s, want 400 invalid_grant", replay.Code, replay.Body)
	}
	issued, err := sqls.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	if issued.Active(time.Now()) {
		t.Errorf("token issued from the replayed code: got active, want revoked")
	}
}

// authorize approves an authorization request for the client "web" and
// returns the code of the redirect.
func authorize(t *testing.T, srv *authserver.Server) string {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {"web"}, "redirect_uri": {"https://app.example/cb"},
		"scope": {"profile"}, "state": {"af0ifjsldkj"}}
	r := httptest.NewRequest(http.MethodGet, "/authorize?"+q.Encode(), nil)
	req, err := srv.ValidateAuthorizationRequest(r)
	if err != nil {
		t.Fatalf("ValidateAuthorizationRequest: %v", err)
	}
	w := httptest.NewRecorder()
	srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	loc, err := url.Parse(w.Header().Get("Location"))
	if w.Code != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorization response: got %d, Location %q, want 302 with a code", w.Code, w.Header().Get("Location"))
	}
	return loc.Query().Get("code")
}
