package authserver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A signed authorization request (RFC 9101): the client registered its
// public key and sends the request as a JWT it signed; the server uses
// only the object's parameters.
func ExampleRequestObjectConfig() {
	ctx := context.Background()
	key, _ := keyset.GenerateKey(keyset.ES256) // the client's key
	jwks, _ := (&keyset.JWKS{Keys: []keyset.PublicKey{key.Public()}}).MarshalJSON()
	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{
		ID: "web", JWKS: string(jwks), RedirectURIs: []string{"https://web.example/cb"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
	})
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.example", Clients: store, Tokens: store,
		RequestObjects: &authserver.RequestObjectConfig{Keys: authserver.NewClientKeys(keyset.RemoteConfig{})},
	})
	if err != nil {
		panic(err)
	}
	srv.RegisterResponseType(authcode.New(store, authcode.Config{}))

	obj, _ := key.SignJWT(map[string]any{
		"iss": "web", "aud": "https://as.example", "client_id": "web", "exp": time.Now().Add(time.Minute).Unix(),
		"response_type": "code", "redirect_uri": "https://web.example/cb", "state": "signed",
	}, "oauth-authz-req+jwt")
	q := url.Values{"client_id": {"web"}, "request": {obj}, "state": {"ignored"}}
	r := httptest.NewRequest(http.MethodGet, "/authorize?"+q.Encode(), nil)
	req, err := srv.ValidateAuthorizationRequest(r)
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Signed, req.State, req.RedirectURI)
	// Output: true signed https://web.example/cb
}
