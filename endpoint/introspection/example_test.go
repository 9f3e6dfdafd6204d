package introspection_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// A resource server, registered as a client of its own, asks whether a
// token is active.
func Example() {
	ctx := context.Background()
	clock := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{ID: "calendar-api", SecretHash: secret.HashSecret("api-secret")})
	_ = store.CreateToken(ctx, &storage.Token{
		ID: "tok-1", ClientID: "calendar-app", Subject: "user-42", Scope: grantry.MustParseScope("calendar:read"),
		AccessHash: secret.Digest("2YotnFZFEjr1zCsicMWpAA"), IssuedAt: clock, ExpiresAt: clock.Add(time.Hour),
	})
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.example", Clients: store, Tokens: store,
		Now: func() time.Time { return clock },
	})
	if err != nil {
		log.Fatal(err)
	}
	in := introspection.New(store, introspection.Config{
		URL:             "/introspect",
		Issuer:          "https://as.example",
		CheckPermission: introspection.Callers("calendar-api"), // the resource servers
	})
	as := httptest.NewServer(srv.Mount(in))
	defer as.Close()

	for _, token := range []string{"2YotnFZFEjr1zCsicMWpAA", "unknown"} {
		req, _ := http.NewRequest(http.MethodPost, as.URL, strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("calendar-api", "api-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(string(body))
	}
	// Output:
	// {"active":true,"scope":"calendar:read","client_id":"calendar-app","token_type":"Bearer","exp":1898834767,"iat":1898831167,"sub":"user-42","iss":"https://as.example","jti":"tok-1"}
	// {"active":false}
}
