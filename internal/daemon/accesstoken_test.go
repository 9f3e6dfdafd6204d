package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/keyset"
)

const apiResource = "https://api.example/"

// tokenFor asks the server for a client credentials token of a client,
// bound to apiResource.
func (h *harness) tokenFor(t *testing.T, id, secret string) string {
	t.Helper()
	r := h.clientPost(t, id, secret, "/token", url.Values{"grant_type": {"client_credentials"}, "resource": {apiResource}})
	if r.status != http.StatusOK {
		t.Fatalf("token request of %s: %d %s", id, r.status, r.body)
	}
	return jsonField(t, r.body, "access_token")
}

func (h *harness) clientPost(t *testing.T, id, secret, path string, form url.Values) response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	return do(t, http.DefaultClient, req)
}

// apiCall presents a token to a resource server at apiResource that
// validates JWT access tokens with the keys grantry serve publishes.
func (h *harness) apiCall(t *testing.T, token string) *httptest.ResponseRecorder {
	t.Helper()
	remote, err := keyset.NewRemote(h.url(jwksPath), keyset.RemoteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := accesstoken.NewJWTValidator(remote, accesstoken.JWTValidatorConfig{Issuer: h.app.cfg.Issuer, Audience: apiResource})
	if err != nil {
		t.Fatal(err)
	}
	p := bearer.New(v, bearer.Config{Resource: apiResource})
	api := p.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		_, _ = w.Write([]byte(info.ClientID))
	}))
	r := httptest.NewRequest(http.MethodGet, apiResource, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, r)
	return rec
}

// A client registered with client create --access-token-format jwt gets
// RFC 9068 tokens that a resource server validates with grantry serve's
// jwks_uri; revoked, the token is inactive at the introspection endpoint.
// client update --access-token-format opaque turns it back.
func TestJWTAccessTokensPerClient(t *testing.T) {
	a := newAdmin(t)
	h := newHarnessOn(t, a.store, memoryBackend(a.store))
	var created clientJSON
	out := a.mustRun("", "client", "create", "--id", "reports", "--grants", "client_credentials", "--access-token-format", "jwt", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("client create --json: %v", err)
	}
	if created.AccessTokenFormat != "jwt" {
		t.Errorf("access_token_format: got %q, want jwt", created.AccessTokenFormat)
	}
	tok := h.tokenFor(t, "reports", created.ClientSecret)
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("access token %q: want a JWT", tok)
	}
	if rec := h.apiCall(t, tok); rec.Code != http.StatusOK || rec.Body.String() != "reports" {
		t.Fatalf("API call with the JWT: got %d %q, want 200 reports", rec.Code, rec.Body)
	}
	if r := h.clientPost(t, "reports", created.ClientSecret, "/introspect", url.Values{"token": {tok}}); !strings.Contains(r.body, `"aud":"`+apiResource+`"`) {
		t.Errorf("introspection: got %s, want active with aud %s", r.body, apiResource)
	}
	if r := h.clientPost(t, "reports", created.ClientSecret, "/revoke", url.Values{"token": {tok}}); r.status != http.StatusOK {
		t.Fatalf("revocation: got %d %s, want 200", r.status, r.body)
	}
	if r := h.clientPost(t, "reports", created.ClientSecret, "/introspect", url.Values{"token": {tok}}); r.body != `{"active":false}` {
		t.Errorf("introspection of the revoked JWT: got %s, want {\"active\":false}", r.body)
	}

	a.mustRun("", "client", "update", "reports", "--access-token-format", "opaque")
	if tok := h.tokenFor(t, "reports", created.ClientSecret); strings.Count(tok, ".") == 2 {
		t.Errorf("access token after update to opaque: got %q, want an opaque one, not a JWT", tok)
	}
	if rec := h.apiCall(t, h.tokenFor(t, "reports", created.ClientSecret)); rec.Code != http.StatusUnauthorized {
		t.Errorf("API call with an opaque token: got %d, want 401", rec.Code)
	}
}

// With --access-token-format jwt, clients that name no format get JWTs;
// one that names opaque keeps opaque tokens. The metadata is unchanged.
func TestServeAccessTokenFormatJWT(t *testing.T) {
	a := newAdmin(t)
	h := newHarnessOn(t, a.store, memoryBackend(a.store), func(c *serveConfig) { c.AccessTokenFormat = "jwt" })
	tok := h.tokenFor(t, testClient, h.secret)
	if rec := h.apiCall(t, tok); rec.Code != http.StatusOK {
		t.Errorf("API call with the server's default JWT: got %d %s, want 200", rec.Code, rec.Body)
	}
	var created clientJSON
	out := a.mustRun("", "client", "create", "--id", "legacy", "--grants", "client_credentials", "--access-token-format", "opaque", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	if tok := h.tokenFor(t, "legacy", created.ClientSecret); strings.Count(tok, ".") == 2 {
		t.Errorf("token of an opaque client: got %q, want an opaque one, not a JWT", tok)
	}
	opaque := newHarness(t)
	metadata := func(h *harness) string {
		return strings.ReplaceAll(h.get(h.browser(), "/.well-known/oauth-authorization-server").body, h.app.cfg.Issuer, "ISSUER")
	}
	if got, want := metadata(h), metadata(opaque); got != want {
		t.Errorf("metadata with JWT access tokens: got %s, want that of opaque ones %s", got, want)
	}
}

func TestAccessTokenFormatRefused(t *testing.T) {
	t.Run("serve", func(t *testing.T) {
		cfg := testConfig(t, func(c *serveConfig) { c.AccessTokenFormat = "paseto" })
		if err := cfg.check(); err == nil || !strings.Contains(err.Error(), `--access-token-format "paseto": want opaque or jwt`) {
			t.Errorf("check: got %v, want the format refused", err)
		}
	})
	t.Run("client create", func(t *testing.T) {
		a := newAdmin(t)
		code, _, errOut := a.run("", "client", "create", "--grants", "client_credentials", "--access-token-format", "JWT")
		if code != 1 || !strings.Contains(errOut, `--access-token-format "JWT": want opaque or jwt`) {
			t.Errorf("exit %d, stderr %q; want 1 and the format refused", code, errOut)
		}
		if list, _ := a.store.ListClients(context.Background()); len(list) != 0 {
			t.Errorf("a refused client was stored: %v", list)
		}
	})
}

// The resources of an authorization request survive sign-in and consent,
// which repeat the request, and bind the tokens of its code (RFC 8707).
func TestAuthorizeResources(t *testing.T) {
	h := newHarness(t, func(c *serveConfig) { c.AccessTokenFormat = "jwt" })
	const other = "https://other.example/"
	path := authorizePath() + "&" + url.Values{"resource": {apiResource, other}}.Encode()
	code := h.approvedCode(h.browser(), path)
	r := h.exchange(code)
	if r.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.status, r.body)
	}
	tok := jsonField(t, r.body, "access_token")
	info := h.clientPost(t, testClient, h.secret, "/introspect", url.Values{"token": {tok}})
	if !strings.Contains(info.body, `"aud":["`+apiResource+`","`+other+`"]`) {
		t.Errorf("introspection: got %s, want aud [%s %s]", info.body, apiResource, other)
	}
	if rec := h.apiCall(t, tok); rec.Code != http.StatusOK {
		t.Errorf("API call: got %d %s, want 200", rec.Code, rec.Body)
	}
}
