package openid_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A store queues the logout of every session it ends, even when a process
// that cannot sign logout tokens ends it; the server drains the queue with
// its Notifier, at start and then periodically.
func ExampleNotifier_Drain() {
	ctx := context.Background()
	key, _ := keyset.GenerateKey(keyset.ES256)
	set, _ := keyset.NewSet(key)
	p, _ := openid.New(openid.Config{Issuer: "https://op.example", Keys: func() *keyset.Set { return set }})

	// The client's back-channel logout endpoint.
	got := make(chan string, 1)
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := keyset.Verify(r.Context(), r.PostFormValue("logout_token"), set, keyset.AsymmetricAlgorithms())
		if err != nil {
			got <- err.Error()
			return
		}
		var claims struct{ SID string }
		_ = json.Unmarshal(v.Payload, &claims)
		got <- v.Header.Type + " for " + claims.SID
	}))
	defer rp.Close()

	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{ID: "rp", BackchannelLogoutURI: rp.URL})
	_ = store.CreateSession(ctx, &storage.Session{ID: "sess-1", Hash: "h", Subject: "alice", Clients: []string{"rp"},
		ExpiresAt: time.Now().Add(time.Hour)})
	_, _ = store.DeleteSession(ctx, "sess-1") // say, by a command-line tool

	n := openid.NewNotifier(p, openid.NotifierConfig{})
	claimed, _ := n.Drain(ctx, store, store)
	_ = n.Wait(ctx)
	fmt.Println(claimed, "logout claimed:", <-got)
	// Output: 1 logout claimed: logout+jwt for sess-1
}
