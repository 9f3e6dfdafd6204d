package accesstoken_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A resource server that shares the authorization server's store
// validates each access token there: a revoked token is refused at once.
func ExampleNewStoreValidator() {
	ctx := context.Background()
	store := memstore.New()
	// The authorization server keeps only the digest of the token it
	// hands out.
	issued := time.Now()
	_ = store.CreateToken(ctx, &storage.Token{
		ID: "t1", ClientID: "reporting", Subject: "alice", Scope: grantry.Scope{"reports:read"},
		AccessHash: secret.Digest("2YotnFZFEjr1zCsicMWpAA"), IssuedAt: issued, ExpiresAt: issued.Add(time.Hour),
	})

	v := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{Issuer: "https://as.example"})
	p := bearer.New(v, bearer.Config{Realm: "reports"})
	h := p.Require("reports:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		fmt.Fprintf(w, "reports of %s, token %s from %s", info.Subject, info.JTI, info.Issuer)
	}))
	call := func() {
		r := httptest.NewRequest(http.MethodGet, "/reports", nil)
		r.Header.Set("Authorization", "Bearer 2YotnFZFEjr1zCsicMWpAA")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Println(rec.Code, rec.Body.String())
	}
	call()
	_ = store.RevokeToken(ctx, "t1")
	call()
	// Output:
	// 200 reports of alice, token t1 from https://as.example
	// 401 {"error":"invalid_token","error_description":"the access token is invalid, expired or revoked"}
}

// A resource server checks the JWT access tokens (RFC 9068) of an
// authorization server itself, with the keys the server publishes.
func ExampleJWTValidator() {
	key, _ := keyset.GenerateKey(keyset.ES256)
	keys, _ := keyset.NewSet(key)
	// The authorization server's side: authserver.Config.JWTAccessTokens.
	gen, _ := accesstoken.NewJWTGenerator(accesstoken.JWTConfig{
		Issuer: "https://as.example", Keys: func() *keyset.Set { return keys },
	})
	issued := time.Now()
	token, _ := gen.NewAccessToken(context.Background(), &storage.Token{
		ID: "t1", ClientID: "reporting", Subject: "alice", Scope: grantry.Scope{"reports:read"},
		Resource: []string{"https://reports.example"}, IssuedAt: issued, ExpiresAt: issued.Add(time.Hour),
	})

	// The resource server's side; keyset.NewRemote fetches the server's
	// jwks_uri in production.
	v, _ := accesstoken.NewJWTValidator(keys, accesstoken.JWTValidatorConfig{
		Issuer: "https://as.example", Audience: "https://reports.example",
	})
	p := bearer.New(v, bearer.Config{Realm: "reports"})
	h := p.Require("reports:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		fmt.Fprintf(w, "reports of %s for %s", info.Subject, info.ClientID)
	}))
	r := httptest.NewRequest(http.MethodGet, "/reports", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 200 reports of alice for reporting
}
