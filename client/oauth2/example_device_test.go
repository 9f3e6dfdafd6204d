package oauth2_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/grant/devicecode"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// The device flow (RFC 8628): ask for codes, show the user code, and poll
// until the user has approved on another device.
func Example_deviceFlow() {
	ctx := context.Background()
	as, dc := newDeviceExampleServer()
	defer as.Close()

	client, err := oauth2.New(oauth2.Config{
		ClientID:                    "tv",
		TokenEndpoint:               as.URL + "/token",
		DeviceAuthorizationEndpoint: as.URL + "/device_authorization",
		Scopes:                      []string{"profile"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	da, err := client.DeviceAuthorization(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("open", da.VerificationURI, "and enter the code shown")

	// Meanwhile, on the verification page, the user approves.
	if _, err := dc.Approve(ctx, da.UserCode, &authserver.Consent{Subject: "alice"}, time.Now()); err != nil {
		fmt.Println(err)
		return
	}

	tok, err := client.PollDeviceToken(ctx, da) // waits da.Interval between polls
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.TokenType, tok.Scope)
	// Output:
	// open https://as.example/device and enter the code shown
	// Bearer profile
}

// newDeviceExampleServer starts an authorization server with the device
// grant, polled every second, and a public client "tv".
func newDeviceExampleServer() (*httptest.Server, *devicecode.Grant) {
	store := memstore.New()
	_ = store.CreateClient(context.Background(), &storage.Client{
		ID: "tv", AuthMethod: grantry.AuthNone, Scope: grantry.Scope{"profile"},
		GrantTypes: []grantry.GrantType{grantry.GrantDeviceCode},
	})
	srv, _ := authserver.New(authserver.Config{Clients: store, Tokens: store})
	dc, _ := devicecode.New(store, devicecode.Config{VerificationURI: "https://as.example/device", Interval: time.Second})
	srv.RegisterGrant(dc)
	mux := http.NewServeMux()
	mux.Handle("POST /device_authorization", srv.Mount(dc.AuthorizationEndpoint()))
	mux.HandleFunc("POST /token", srv.ServeToken)
	return httptest.NewServer(mux), dc
}
