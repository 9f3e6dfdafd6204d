package openid_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const benchIssuer = "https://op.test"

// benchServer is an in-process provider with one confidential client,
// "web", whose ID tokens are signed with alg.
func benchServer(b *testing.B, alg keyset.Algorithm) *authserver.Server {
	b.Helper()
	store := memstore.New()
	err := store.CreateClient(context.Background(), &storage.Client{
		ID: "web", SecretHash: secret.HashSecret("web-secret"), RedirectURIs: []string{"https://rp.test/cb"},
		Scope: grantry.Scope{"openid", "profile"}, GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode}, ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
	})
	if err != nil {
		b.Fatal(err)
	}
	as, err := authserver.New(authserver.Config{Issuer: benchIssuer, Clients: store, Tokens: store,
		Scopes: grantry.Scope{"openid", "profile"}})
	if err != nil {
		b.Fatal(err)
	}
	code := authcode.New(store, authcode.Config{})
	as.RegisterGrant(code)
	as.RegisterResponseType(code)
	key, err := keyset.GenerateKey(alg)
	if err != nil {
		b.Fatal(err)
	}
	set, _ := keyset.NewSet(key)
	p, err := openid.New(openid.Config{Issuer: benchIssuer, Keys: func() *keyset.Set { return set }})
	if err != nil {
		b.Fatal(err)
	}
	as.RegisterExtension(p)
	return as
}

// codeFlow runs one authorization request and its code exchange.
func codeFlow(b *testing.B, as *authserver.Server, authURL, auth string) {
	r := httptest.NewRequest(http.MethodGet, authURL, nil)
	req, err := as.ValidateAuthorizationRequest(r)
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	as.Authorize(rec, r, req, &authserver.Consent{Subject: "alice", AuthTime: time.Now()})
	loc, _ := url.Parse(rec.Header().Get("Location"))
	body := "grant_type=authorization_code&redirect_uri=https%3A%2F%2Frp.test%2Fcb&code=" + loc.Query().Get("code")
	tr := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(body))
	tr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tr.Header.Set("Authorization", auth)
	rec = httptest.NewRecorder()
	as.ServeToken(rec, tr)
	if rec.Code != http.StatusOK {
		b.Fatalf("token: %d %s", rec.Code, rec.Body.Bytes())
	}
}

// BenchmarkCodeFlow compares the code flow with scope openid, which signs
// an ID token, to the same flow without it, per signing algorithm.
func BenchmarkCodeFlow(b *testing.B) {
	auth := "Basic " + basic("web", "web-secret")
	for _, alg := range []keyset.Algorithm{keyset.ES256, keyset.EdDSA, keyset.RS256} {
		as := benchServer(b, alg)
		for _, scope := range []string{"profile", "openid"} {
			u := "/authorize?response_type=code&client_id=web&redirect_uri=https%3A%2F%2Frp.test%2Fcb&nonce=n&scope=" + scope
			b.Run(string(alg)+"/"+scope, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					codeFlow(b, as, u, auth)
				}
			})
		}
	}
}

func basic(id, pw string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(id, pw)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
