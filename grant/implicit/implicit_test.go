package implicit_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const cbURI = "https://client.test/cb"

var t0 = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// newServer returns a server with the grant and the store it issues into.
func newServer(t *testing.T, edit func(*authserver.Config)) (*authserver.Server, *memstore.Store) {
	t.Helper()
	store := memstore.New()
	token := []grantry.ResponseType{grantry.ResponseToken}
	for _, c := range []*storage.Client{
		{ID: "spa", AuthMethod: grantry.AuthNone, RedirectURIs: []string{cbURI}, ResponseTypes: token,
			GrantTypes: []grantry.GrantType{grantry.GrantImplicit, grantry.GrantRefreshToken}, Scope: grantry.Scope{"profile", "email"}},
		{ID: "web", SecretHash: secret.HashSecret("s"), RedirectURIs: []string{cbURI}, ResponseTypes: token,
			GrantTypes: []grantry.GrantType{grantry.GrantImplicit}, Scope: grantry.Scope{"profile"}},
		{ID: "codeonly", AuthMethod: grantry.AuthNone, RedirectURIs: []string{cbURI},
			ResponseTypes: []grantry.ResponseType{grantry.ResponseCode}, Scope: grantry.Scope{"profile"}},
	} {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	cfg := authserver.Config{Issuer: "https://as.test", Clients: store, Tokens: store, Now: func() time.Time { return t0 }}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := authserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterResponseType(implicit.New())
	return srv, store
}

// authorize runs the authorization endpoint with the user's decision: a
// nil consent denies.
func authorize(srv *authserver.Server, q url.Values, c *authserver.Consent) *http.Response {
	r := httptest.NewRequest(http.MethodGet, "https://as.test/authorize?"+q.Encode(), nil)
	w := httptest.NewRecorder()
	req, err := srv.ValidateAuthorizationRequest(r)
	if err != nil {
		srv.WriteError(w, r, err)
	} else {
		srv.Authorize(w, r, req, c)
	}
	return w.Result()
}

func TestImplicitGrant(t *testing.T) {
	alice := &authserver.Consent{Subject: "alice"}
	req := func(client string, extra ...string) url.Values {
		v := url.Values{"response_type": {"token"}, "client_id": {client}, "redirect_uri": {cbURI}, "state": {"s"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	tests := []struct {
		name      string
		edit      func(*authserver.Config)
		query     url.Values
		consent   *authserver.Consent
		err       string // in the fragment
		scope     string // of a success; "" means no scope parameter
		expiresIn string
	}{
		{name: "success", query: req("spa", "scope", "profile email"), consent: alice, scope: "profile email", expiresIn: "3600"},
		{name: "success without scope", query: req("spa"), consent: alice, expiresIn: "3600"},
		{name: "consent narrows the scope", query: req("spa", "scope", "profile email"),
			consent: &authserver.Consent{Subject: "alice", Scope: grantry.Scope{"email"}}, scope: "email", expiresIn: "3600"},
		{name: "configured lifetime", edit: func(c *authserver.Config) {
			c.ExpiresIn = map[grantry.GrantType]time.Duration{grantry.GrantImplicit: 5 * time.Minute}
		}, query: req("spa", "scope", "profile"), consent: alice, scope: "profile", expiresIn: "300"},
		{name: "denied", query: req("spa", "scope", "profile"), err: "access_denied"},
		{name: "confidential client", query: req("web", "scope", "profile"), consent: alice, err: "unauthorized_client"},
		{name: "client without response_type=token", query: req("codeonly"), consent: alice, err: "unauthorized_client"},
		{name: "response_mode=query", query: req("spa", "response_mode", "query"), consent: alice, err: "invalid_request"},
		{name: "scope beyond the client's", query: req("spa", "scope", "admin"), consent: alice, err: "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, store := newServer(t, tt.edit)
			res := authorize(srv, tt.query, tt.consent)
			if res.StatusCode != http.StatusFound {
				t.Fatalf("status: got %d, want 302", res.StatusCode)
			}
			loc, err := url.Parse(res.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			if loc.RawQuery != "" {
				t.Errorf("query: got %q, want the response in the fragment only", loc.RawQuery)
			}
			p, err := url.ParseQuery(loc.EscapedFragment())
			if err != nil {
				t.Fatal(err)
			}
			if p.Get("state") != "s" || p.Get("iss") != "https://as.test" {
				t.Errorf("state, iss: got %q, %q, want s, https://as.test", p.Get("state"), p.Get("iss"))
			}
			if tt.err != "" {
				if p.Get("error") != tt.err || p.Has("access_token") {
					t.Errorf("fragment: got %v, want error %s and no token", p, tt.err)
				}
				return
			}
			if p.Has("refresh_token") {
				t.Errorf("refresh_token: got one, want none (RFC 6749 §4.2.2)")
			}
			if p.Get("token_type") != "Bearer" || p.Get("expires_in") != tt.expiresIn {
				t.Errorf("token_type, expires_in: got %q, %q, want Bearer, %s", p.Get("token_type"), p.Get("expires_in"), tt.expiresIn)
			}
			if got, ok := p["scope"]; (tt.scope == "") == ok || p.Get("scope") != tt.scope {
				t.Errorf("scope: got %q, want %q", got, tt.scope)
			}
			tok, err := store.TokenByAccess(t.Context(), secret.Digest(p.Get("access_token")))
			if err != nil {
				t.Fatalf("TokenByAccess: %v", err)
			}
			if tok.GrantType != grantry.GrantImplicit || tok.Subject != "alice" || tok.RefreshHash != "" || !tok.Active(t0) {
				t.Errorf("stored token: got grant %s, subject %s, refresh hash %q, active %v; want implicit, alice, none, active",
					tok.GrantType, tok.Subject, tok.RefreshHash, tok.Active(t0))
			}
		})
	}
}

// The implicit grant answers at the authorization endpoint only.
func TestNoTokenEndpoint(t *testing.T) {
	srv, _ := newServer(t, nil)
	r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader("grant_type=implicit&client_id=spa"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	srv.ServeToken(w, r)
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != 400 || body["error"] != "unsupported_grant_type" {
		t.Errorf("got %d %v, want 400 unsupported_grant_type", w.Code, body)
	}
}
