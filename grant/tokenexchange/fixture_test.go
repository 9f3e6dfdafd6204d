package tokenexchange_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/tokenexchange"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const (
	issuer    = "https://as.test"
	idpIssuer = "https://idp.test"
	api       = "https://api.test"
)

var now = time.Date(2031, time.March, 4, 5, 6, 7, 0, time.UTC)

var exchangeOnly = []grantry.GrantType{grantry.GrantTokenExchange}

// The clients: app holds users' tokens; svc is a backend that acts for
// them; gw may exchange anyone's tokens; jwtapp gets JWT access tokens;
// noimp may only delegate; code may not use the grant; pub is public.
var clients = []*storage.Client{
	{ID: "app", GrantTypes: exchangeOnly, Scope: grantry.Scope{"read", "write", "admin"}},
	{ID: "svc", GrantTypes: exchangeOnly, Scope: grantry.Scope{"read", "write"}},
	{ID: "gw", GrantTypes: exchangeOnly, Scope: grantry.Scope{"read"}},
	{ID: "jwtapp", GrantTypes: exchangeOnly, Scope: grantry.Scope{"read", "write"}, AccessTokenFormat: storage.AccessTokenJWT},
	{ID: "noimp", GrantTypes: exchangeOnly, Scope: grantry.Scope{"read"}},
	{ID: "code", GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode}, Scope: grantry.Scope{"read"}},
	{ID: "pub", AuthMethod: grantry.AuthNone, GrantTypes: exchangeOnly, Scope: grantry.Scope{"read"}},
}

var rules = tokenexchange.Rules{
	Targets: []string{api, "orders"},
	Clients: map[string]tokenexchange.ClientRules{
		"svc":   {Subjects: []string{"app"}, Targets: []string{"https://svc.test"}},
		"gw":    {Subjects: []string{"*"}, DelegateWithoutMayAct: true},
		"noimp": {NoImpersonation: true, Subjects: []string{"app"}, DelegateWithoutMayAct: true},
	},
}

// fixture is a server with the grant, its store and keys, and the keys
// of a trusted identity provider.
type fixture struct {
	srv     *authserver.Server
	store   *memstore.Store
	keys    *keyset.Set // the server's: ID tokens and JWT access tokens
	idpKeys *keyset.Set
	handler http.Handler
}

func newKeySet(t testing.TB) *keyset.Set {
	t.Helper()
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	set, err := keyset.NewSet(k)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func newFixture(t testing.TB, cfg tokenexchange.Config) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New(), keys: newKeySet(t), idpKeys: newKeySet(t)}
	for _, c := range clients {
		c := *c
		if c.AuthMethod != grantry.AuthNone {
			c.SecretHash = secret.HashSecret(c.ID + "-secret")
		}
		if err := f.store.CreateClient(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	jwts, err := accesstoken.NewJWTGenerator(accesstoken.JWTConfig{Issuer: issuer, Keys: func() *keyset.Set { return f.keys }})
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = authserver.New(authserver.Config{
		Issuer: issuer, Clients: f.store, Tokens: f.store, JWTAccessTokens: jwts,
		Scopes: grantry.Scope{"read", "write", "admin"}, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Validators == nil {
		cfg.Validators = f.validators(t)
	}
	if cfg.Policy == nil && cfg.Rules.Targets == nil {
		cfg.Rules = rules
	}
	f.srv.RegisterGrant(tokenexchange.New(cfg))
	f.handler = http.HandlerFunc(f.srv.ServeToken)
	f.storeTokens(t)
	return f
}

func (f *fixture) validators(t testing.TB) map[string]tokenexchange.Validator {
	t.Helper()
	jwts, err := tokenexchange.Issuers(tokenexchange.Issuer{Issuer: idpIssuer, Keys: f.idpKeys, Audiences: []string{issuer}, Leeway: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tokenexchange.IDTokens(tokenexchange.Issuer{Issuer: issuer, Keys: f.keys})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]tokenexchange.Validator{
		tokenexchange.TypeAccessToken: tokenexchange.AccessTokens(f.store, issuer),
		tokenexchange.TypeJWT:         jwts,
		tokenexchange.TypeIDToken:     ids,
	}
}

// storedTokens are the access tokens in the store, by their value.
var storedTokens = map[string]storage.Token{
	"at-alice": {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read", "write"}, Resource: []string{api}},
	"at-other": {ClientID: "gw", Subject: "bob", Scope: grantry.Scope{"read"}},
	"at-svc":   {ClientID: "svc", GrantType: grantry.GrantClientCredentials, Scope: grantry.Scope{"read"}},
	"at-gw":    {ClientID: "gw", GrantType: grantry.GrantClientCredentials, Scope: grantry.Scope{"read"}},
	"at-noimp": {ClientID: "noimp", GrantType: grantry.GrantClientCredentials, Scope: grantry.Scope{"read"}},
	"at-mayact": {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read", "write"},
		Extra: map[string]string{storage.ExtraMayAct: `{"sub":"svc"}`}},
	"at-mayact-iss": {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read"},
		Extra: map[string]string{storage.ExtraMayAct: `{"sub":"svc","iss":"https://elsewhere.test"}`}},
	"at-delegated": {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read"},
		Extra: map[string]string{storage.ExtraAct: `{"sub":"gw"}`, storage.ExtraMayAct: `{"sub":"svc"}`}},
	"at-short":   {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read"}},
	"at-expired": {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read"}},
	"at-revoked": {ClientID: "app", Subject: "alice", Scope: grantry.Scope{"read"}, Revoked: true},
}

func (f *fixture) storeTokens(t testing.TB) {
	t.Helper()
	for value, tok := range storedTokens {
		tok.ID, tok.AccessHash = value, secret.Digest(value)
		tok.IssuedAt, tok.ExpiresAt = now.Add(-time.Minute), now.Add(time.Hour)
		switch value {
		case "at-short":
			tok.ExpiresAt = now.Add(5 * time.Minute)
		case "at-expired":
			tok.ExpiresAt = now
		}
		if err := f.store.CreateToken(context.Background(), &tok); err != nil {
			t.Fatal(err)
		}
	}
}

// idpJWT returns a JWT of the trusted identity provider with the claims
// given over these defaults: alice, for client app, scope read, aud the
// server, valid for an hour.
func (f *fixture) idpJWT(t testing.TB, over map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"iss": idpIssuer, "sub": "alice", "aud": issuer, "client_id": "app", "scope": "read",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	for k, v := range over {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	return signJWT(t, f.idpKeys, claims, "JWT")
}

// idToken returns an ID token of the server for alice and client app.
func (f *fixture) idToken(t testing.TB, typ string) string {
	t.Helper()
	return signJWT(t, f.keys, map[string]any{
		"iss": issuer, "sub": "alice", "aud": "app", "azp": "app", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}, typ)
}

func signJWT(t testing.TB, set *keyset.Set, claims map[string]any, typ string) string {
	t.Helper()
	tok, err := set.SignJWT(claims, typ)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// exchange posts a token exchange request as client, with its secret.
func (f *fixture) exchange(t testing.TB, client string, params url.Values) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	if params.Get("grant_type") == "" {
		params.Set("grant_type", string(grantry.GrantTokenExchange))
	}
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(params.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if client != "pub" {
		r.SetBasicAuth(client, client+"-secret")
	} else {
		params.Set("client_id", client)
		r = httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(params.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("response body %q: %v", w.Body.String(), err)
	}
	return w, body
}

// stored returns the record of an issued access token.
func (f *fixture) stored(t testing.TB, access string) *storage.Token {
	t.Helper()
	tok, err := f.store.TokenByAccess(context.Background(), secret.Digest(access))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	return tok
}

// form builds request parameters from name, value pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func subject(token, typ string, kv ...string) url.Values {
	return form(append([]string{"subject_token", token, "subject_token_type", typ}, kv...)...)
}
