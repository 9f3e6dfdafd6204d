// Command library serves the client_credentials grant of package authserver
// over memstore, with nothing else, for scripts/bench-peers: what the
// library costs without grantry serve's database, middleware and metrics.
//
//	library ADDR CLIENT_ID CLIENT_SECRET
package main

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: library ADDR CLIENT_ID CLIENT_SECRET")
	}
	store := memstore.New()
	err := store.CreateClient(context.Background(), &storage.Client{
		ID:         os.Args[2],
		SecretHash: secret.HashSecret(os.Args[3]),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
		CreatedAt:  time.Now(),
	})
	if err != nil {
		log.Fatal(err)
	}
	srv, err := authserver.New(authserver.Config{Issuer: "http://" + os.Args[1], Clients: store, Tokens: store, InsecureAllowHTTP: true})
	if err != nil {
		log.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", srv.ServeToken)
	log.Fatal(http.ListenAndServe(os.Args[1], mux))
}
