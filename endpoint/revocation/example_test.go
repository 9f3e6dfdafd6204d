package revocation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// Revoking from a client: the client that obtained a token tells the
// server it is done with it, and the token stops working at once.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{
		ID:         "backup-job",
		SecretHash: secret.HashSecret("backup-secret"),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
	})
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		log.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	rev := revocation.New(store, revocation.Config{URL: "/revoke"})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", srv.ServeToken)
	mux.Handle("POST /revoke", srv.Mount(rev))
	as := httptest.NewServer(mux)
	defer as.Close()

	post := func(path string, form url.Values) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, as.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("backup-job", "backup-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		return res
	}

	res := post("/token", url.Values{"grant_type": {"client_credentials"}})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()

	validator := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{})
	info, _ := validator.ValidateToken(ctx, tok.AccessToken)
	fmt.Println("active before:", info.Active)

	res = post("/revoke", url.Values{"token": {tok.AccessToken}, "token_type_hint": {"access_token"}})
	res.Body.Close()
	fmt.Println("revocation:", res.Status)

	info, _ = validator.ValidateToken(ctx, tok.AccessToken)
	fmt.Println("active after:", info.Active)

	res = post("/revoke", url.Values{"token": {tok.AccessToken}})
	res.Body.Close()
	fmt.Println("revoking again:", res.Status)
	// Output:
	// active before: true
	// revocation: 200 OK
	// active after: false
	// revoking again: 200 OK
}
