package par_test

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
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// Pushing an authorization request: the client posts its parameters to
// the server, then sends the browser to the authorization endpoint with
// only client_id and the request_uri it got back.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	_ = store.CreateClient(ctx, &storage.Client{
		ID: "web", SecretHash: secret.HashSecret("web-secret"), RedirectURIs: []string{"https://web.example/cb"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
	})
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		log.Fatal(err)
	}
	srv.RegisterResponseType(authcode.New(store, authcode.Config{}))
	mux := http.NewServeMux()
	mux.Handle("POST /par", srv.Mount(par.New(srv, store, par.Config{URL: "/par"})))
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		req, err := srv.ValidateAuthorizationRequest(r)
		if err != nil {
			srv.WriteError(w, r, err)
			return
		}
		srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"}) // after sign-in and consent
	})
	as := httptest.NewServer(mux)
	defer as.Close()

	form := url.Values{"response_type": {"code"}, "redirect_uri": {"https://web.example/cb"}, "state": {"af0ifjsldkj"}}
	req, _ := http.NewRequest(http.MethodPost, as.URL+"/par", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("web", "web-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	var pushed struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int    `json:"expires_in"`
	}
	_ = json.NewDecoder(res.Body).Decode(&pushed)
	res.Body.Close()
	fmt.Println(res.StatusCode, strings.HasPrefix(pushed.RequestURI, par.URIPrefix), pushed.ExpiresIn)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The request_uri is used once: the second attempt is refused.
	for range 2 {
		q := url.Values{"client_id": {"web"}, "request_uri": {pushed.RequestURI}}
		res, err = noRedirect.Get(as.URL + "/authorize?" + q.Encode())
		if err != nil {
			log.Fatal(err)
		}
		res.Body.Close()
		loc, _ := url.Parse(res.Header.Get("Location"))
		got := loc.Query()
		fmt.Printf("%d state=%q code=%t error=%q\n", res.StatusCode, got.Get("state"), got.Get("code") != "", got.Get("error"))
	}
	// Output:
	// 201 true 60
	// 302 state="af0ifjsldkj" code=true error=""
	// 302 state="" code=false error="invalid_request_uri"
}
