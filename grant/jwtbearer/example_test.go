package jwtbearer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/jwtbearer"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A service trusts the assertions of its identity provider about its
// users: a client exchanges one for an access token of the user.
func Example() {
	store := memstore.New()
	_ = store.CreateClient(context.Background(), &storage.Client{
		ID: "app", SecretHash: secret.HashSecret("app-secret"),
		GrantTypes: []grantry.GrantType{grantry.GrantJWTBearer}, Scope: grantry.Scope{"read"},
	})
	idpKey, _ := keyset.GenerateKey(keyset.ES256) // the identity provider's
	srv, _ := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	grant, err := jwtbearer.New(jwtbearer.Config{
		Audience:    "https://as.example",
		ReplayCache: store,
		Issuers: []jwtbearer.Issuer{{
			ID:       "https://idp.example",
			Keys:     &keyset.JWKS{Keys: []keyset.PublicKey{idpKey.Public()}},
			Subjects: []string{"alice"},
			Scope:    grantry.Scope{"read"},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.RegisterGrant(grant)

	// The identity provider signs an assertion about alice for this server.
	now := time.Now()
	assertion, _ := idpKey.SignJWT(map[string]any{
		"iss": "https://idp.example", "sub": "alice", "aud": "https://as.example",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "a1",
	}, "JWT")

	form := url.Values{"grant_type": {string(grantry.GrantJWTBearer)}, "assertion": {assertion}, "scope": {"read"}}
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("app", "app-secret")
		w := httptest.NewRecorder()
		srv.ServeToken(w, r)
		fmt.Println(w.Code, strings.Contains(w.Body.String(), `"access_token"`), strings.Contains(w.Body.String(), "invalid_grant"))
	}
	// Output:
	// 200 true false
	// 400 false true
}
