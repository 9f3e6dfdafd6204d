package authtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	xoauth2 "golang.org/x/oauth2"

	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/client/oauth2"
)

// A golang.org/x/oauth2 client runs the authorization code flow with PKCE
// against the test server. In a test, authtest.NewServer(t, ...) starts
// the server and closes it when the test ends; an example has no t, so it
// uses Start and Close.
func Example() {
	srv, err := authtest.Start(authtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	app := srv.AddPublicClient() // a native app, redirected to 127.0.0.1
	conf := &xoauth2.Config{
		ClientID:    app.ID,
		Endpoint:    xoauth2.Endpoint{AuthURL: srv.Endpoints().Authorization, TokenURL: srv.Endpoints().Token},
		RedirectURL: app.RedirectURIs[0],
		Scopes:      []string{"profile", "email"},
	}
	verifier := xoauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("xyz", xoauth2.S256ChallengeOption(verifier))

	// The browser: the user signs in as bob and approves.
	callback, err := srv.Authorize(ctx, authURL+"&login_hint=bob")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", callback.Get("state"), "iss is the server:", callback.Get("iss") == srv.Issuer())

	tok, err := conf.Exchange(ctx, callback.Get("code"), xoauth2.VerifierOption(verifier))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type(), tok.Extra("scope"), "refresh token:", tok.RefreshToken != "")

	info, _ := srv.Validator().ValidateToken(ctx, tok.AccessToken)
	fmt.Println("active:", info.Active, "subject:", info.Subject, "client:", info.ClientID)
	// Output:
	// state: xyz iss is the server: true
	// Bearer profile email refresh token: true
	// active: true subject: bob client: client-1
}

// A resource server's handler, protected by package bearer, is tested with
// tokens from the test server. The protector shares the server's clock, so
// advancing it expires the token.
func Example_bearer() {
	srv, err := authtest.Start(authtest.Config{ExpiresIn: time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	p := bearer.New(srv.Validator(), bearer.Config{Realm: "api", Now: srv.Clock().Now})
	api := httptest.NewServer(p.Require("read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := bearer.FromContext(r.Context())
		fmt.Fprintln(w, "hello", info.Subject)
	})))
	defer api.Close()

	web := srv.AddClient(authtest.Client{})
	readTok, err := srv.IssueToken(ctx, web.ID, "alice", "read")
	if err != nil {
		log.Fatal(err)
	}
	emailTok, err := srv.IssueToken(ctx, web.ID, "alice", "email")
	if err != nil {
		log.Fatal(err)
	}
	get := func(token string) {
		req, _ := http.NewRequest(http.MethodGet, api.URL, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusOK {
			body, _ := io.ReadAll(res.Body)
			fmt.Print(res.StatusCode, " ", string(body))
			return
		}
		e := struct{ Error string }{"no error code"} // a request without a token
		_ = json.NewDecoder(res.Body).Decode(&e)
		fmt.Println(res.StatusCode, e.Error)
	}
	get(readTok.AccessToken)
	get(emailTok.AccessToken)
	get("")
	srv.Clock().Advance(time.Hour)
	get(readTok.AccessToken)
	// Output:
	// 200 hello alice
	// 403 insufficient_scope
	// 401 no error code
	// 401 invalid_token
}

// Grantry's own client runs the code flow; the user then refuses. The
// client shares the server's clock.
func Example_client() {
	srv, err := authtest.Start(authtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	web := srv.AddClient(authtest.Client{})
	client, err := oauth2.New(oauth2.Config{
		ClientID:              web.ID,
		ClientSecret:          web.Secret,
		AuthorizationEndpoint: srv.Endpoints().Authorization,
		TokenEndpoint:         srv.Endpoints().Token,
		Issuer:                srv.Issuer(),
		RedirectURL:           web.RedirectURIs[0],
		Scopes:                []string{"read"},
		Now:                   srv.Clock().Now,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, decision := range []authtest.Decision{authtest.Approve, authtest.Deny} {
		srv.SetDecision(decision)
		ar, _ := client.AuthorizationURL()
		callback, err := srv.Authorize(ctx, ar.URL)
		if err != nil {
			log.Fatal(err)
		}
		code, err := client.ParseCallback(callback, ar)
		if err != nil {
			fmt.Println("callback:", err)
			continue
		}
		tok, err := client.Exchange(ctx, code, ar.CodeVerifier)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("scope:", tok.Scope, "expires:", tok.Expiry.Sub(srv.Clock().Now()))
	}
	// Output:
	// scope: read expires: 240h0m0s
	// callback: oauth2: access_denied: the resource owner denied the request
}

// A fixed clock, moved by the test.
func ExampleClock() {
	c := authtest.NewClock(time.Date(2030, time.January, 1, 12, 0, 0, 0, time.UTC))
	fmt.Println(c.Now().Format(time.Kitchen))
	c.Advance(90 * time.Minute)
	fmt.Println(c.Now().Format(time.Kitchen))
	// Output:
	// 12:00PM
	// 1:30PM
}
