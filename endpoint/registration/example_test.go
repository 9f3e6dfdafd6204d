package registration_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/registration"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/storage/memstore"
)

// A native app registers itself, then reads and deletes its registration
// with the registration access token it was given.
func Example() {
	store := memstore.New()
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		log.Fatal(err)
	}
	code := authcode.New(store, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterExtension(pkce.Required())
	reg, err := registration.New(srv, store, registration.Config{URL: "/register"})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/register", srv.MountHandler(grantry.EndpointRegistration, reg))
	mux.Handle("/register/", reg)
	as := httptest.NewServer(mux)
	defer as.Close()
	fmt.Println("metadata:", srv.Metadata()["registration_endpoint"])

	res, err := http.Post(as.URL+"/register", "application/json", strings.NewReader(`{
		"client_name": "Notes",
		"redirect_uris": ["http://127.0.0.1/callback"],
		"token_endpoint_auth_method": "none"
	}`))
	if err != nil {
		log.Fatal(err)
	}
	var client struct {
		ClientID                string   `json:"client_id"`
		ClientSecret            string   `json:"client_secret"`
		RegistrationAccessToken string   `json:"registration_access_token"`
		RegistrationClientURI   string   `json:"registration_client_uri"`
		GrantTypes              []string `json:"grant_types"`
	}
	_ = json.NewDecoder(res.Body).Decode(&client)
	res.Body.Close()
	fmt.Println("register:", res.Status, client.GrantTypes, "secret:", client.ClientSecret != "")

	manage := func(method string) *http.Response {
		// The registration_client_uri names the issuer's host; the
		// example's server listens elsewhere.
		path := strings.TrimPrefix(client.RegistrationClientURI, "https://as.example")
		req, _ := http.NewRequest(method, as.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+client.RegistrationAccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	fmt.Println("read:", manage(http.MethodGet).Status)
	fmt.Println("delete:", manage(http.MethodDelete).Status)
	fmt.Println("read again:", manage(http.MethodGet).Status)
	// Output:
	// metadata: https://as.example/register
	// register: 201 Created [authorization_code] secret: false
	// read: 200 OK
	// delete: 204 No Content
	// read again: 401 Unauthorized
}
