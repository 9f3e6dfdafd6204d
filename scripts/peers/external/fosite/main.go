// Command fosite serves the client_credentials grant of ory/fosite with
// its in-memory store and HMAC-SHA256 opaque tokens, for
// scripts/bench-peers. The client secret is kept as a SHA-256 digest, as
// grantry keeps generated secrets, instead of fosite's default bcrypt,
// which would measure bcrypt.
//
//	fosite ADDR CLIENT_ID CLIENT_SECRET
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/storage"
)

// sha256Hasher keeps secrets as SHA-256 digests.
type sha256Hasher struct{}

func (sha256Hasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	h := sha256.Sum256(data)
	return h[:], nil
}

func (sha256Hasher) Compare(_ context.Context, hash, data []byte) error {
	h := sha256.Sum256(data)
	if subtle.ConstantTimeCompare(hash, h[:]) != 1 {
		return errors.New("secret mismatch")
	}
	return nil
}

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: fosite ADDR CLIENT_ID CLIENT_SECRET")
	}
	global := make([]byte, 32)
	_, _ = rand.Read(global)
	cfg := &fosite.Config{AccessTokenLifespan: time.Hour, GlobalSecret: global, ClientSecretsHasher: sha256Hasher{}}
	store := storage.NewMemoryStore()
	hash, _ := sha256Hasher{}.Hash(context.Background(), []byte(os.Args[3]))
	store.Clients[os.Args[2]] = &fosite.DefaultClient{ID: os.Args[2], Secret: hash,
		GrantTypes: []string{"client_credentials"}, ResponseTypes: []string{"code"}}
	provider := compose.Compose(cfg, store, compose.NewOAuth2HMACStrategy(cfg), compose.OAuth2ClientCredentialsGrantFactory)
	http.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ar, err := provider.NewAccessRequest(ctx, r, new(fosite.DefaultSession))
		if err != nil {
			provider.WriteAccessError(ctx, w, ar, err)
			return
		}
		resp, err := provider.NewAccessResponse(ctx, ar)
		if err != nil {
			provider.WriteAccessError(ctx, w, ar, err)
			return
		}
		provider.WriteAccessResponse(ctx, w, ar, resp)
	})
	log.Fatal(http.ListenAndServe(os.Args[1], nil))
}
