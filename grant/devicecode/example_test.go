package devicecode_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// Example runs the device flow: the device asks for codes, the user
// approves on the verification page, and the device's poll gets a token.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{
		ID: "tv", AuthMethod: grantry.AuthNone, Scope: grantry.Scope{"profile"},
		GrantTypes: []grantry.GrantType{grantry.GrantDeviceCode},
	})
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		log.Fatal(err)
	}
	dc, err := devicecode.New(store, devicecode.Config{VerificationURI: "https://as.example/device", URL: "/device_authorization"})
	if err != nil {
		log.Fatal(err)
	}
	srv.RegisterGrant(dc)
	mux := http.NewServeMux()
	mux.Handle("POST /device_authorization", srv.Mount(dc.AuthorizationEndpoint()))
	mux.HandleFunc("POST /token", srv.ServeToken)

	// The device asks for codes and shows the user code.
	var da devicecode.Authorization
	post(mux, "/device_authorization", url.Values{"client_id": {"tv"}, "scope": {"profile"}}, &da)
	fmt.Println("visit", da.VerificationURI, "every", da.Interval, "s")

	// On the verification page, the signed-in user enters the code and
	// approves.
	if _, err := dc.Approve(ctx, strings.ToLower(da.UserCode), &authserver.Consent{Subject: "alice"}, time.Now()); err != nil {
		log.Fatal(err)
	}

	// The device's next poll gets the token.
	var tok map[string]any
	post(mux, "/token", url.Values{"client_id": {"tv"}, "grant_type": {string(grantry.GrantDeviceCode)}, "device_code": {da.DeviceCode}}, &tok)
	fmt.Println(tok["token_type"], tok["scope"])
	// Output:
	// visit https://as.example/device every 5 s
	// Bearer profile
}

func post(h http.Handler, path string, form url.Values, out any) {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	_ = json.NewDecoder(w.Body).Decode(out)
}
