// Command gooauth2 serves the client_credentials grant of go-oauth2/oauth2
// with its in-memory token store, for scripts/bench-peers. It keeps the
// client secret in the clear and compares it as the library does.
//
//	gooauth2 ADDR CLIENT_ID CLIENT_SECRET
package main

import (
	"log"
	"net/http"
	"os"

	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
	"github.com/go-oauth2/oauth2/v4/store"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: gooauth2 ADDR CLIENT_ID CLIENT_SECRET")
	}
	manager := manage.NewDefaultManager()
	manager.MustTokenStorage(store.NewMemoryTokenStore())
	clients := store.NewClientStore()
	_ = clients.Set(os.Args[2], &models.Client{ID: os.Args[2], Secret: os.Args[3]})
	manager.MapClientStorage(clients)
	srv := server.NewDefaultServer(manager)
	srv.SetClientInfoHandler(server.ClientBasicHandler)
	http.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if err := srv.HandleTokenRequest(w, r); err != nil {
			http.Error(w, "server_error", http.StatusInternalServerError)
		}
	})
	log.Fatal(http.ListenAndServe(os.Args[1], nil))
}
