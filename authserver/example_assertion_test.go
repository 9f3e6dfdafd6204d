package authserver_test

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
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A client authenticates with private_key_jwt (RFC 7523 §2.2): it signs
// an assertion for the server's issuer identifier with its own key, whose
// public half it registered as jwks. The same assertion is refused the
// second time.
func ExampleClientAssertionConfig() {
	ctx := context.Background()
	clientKey, _ := keyset.GenerateKey(keyset.ES256)
	jwks, _ := (&keyset.JWKS{Keys: []keyset.PublicKey{clientKey.Public()}}).MarshalJSON()
	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{
		ID: "batch", AuthMethod: grantry.AuthPrivateKeyJWT, JWKS: string(jwks),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}, Scope: grantry.Scope{"api"},
	})
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.example", Clients: store, Tokens: store,
		ClientAssertions: authserver.ClientAssertionConfig{
			ReplayCache: store, // every storage backend is a storage.ReplayCache
			Keys:        authserver.NewClientKeys(keyset.RemoteConfig{}),
		},
	})
	if err != nil {
		panic(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{
		AuthMethods: []grantry.AuthMethod{grantry.AuthPrivateKeyJWT},
	}))

	now := time.Now()
	assertion, _ := clientKey.SignJWT(map[string]any{
		"iss": "batch", "sub": "batch", "aud": "https://as.example",
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "b-1",
	}, "")
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {authserver.ClientAssertionType},
		"client_assertion":      {assertion},
	}
	for range 2 {
		r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		srv.ServeToken(w, r)
		fmt.Println(w.Code, strings.Contains(w.Body.String(), "access_token"), strings.Contains(w.Body.String(), "invalid_client"))
	}
	// Output:
	// 200 true false
	// 401 false true
}
