package daemon

import (
	"errors"
	"net/url"
	"testing"

	"github.com/grantry/grantry/client/oauth2"
)

// TestClientPushesToServe pushes an authorization request with Grantry's
// own client (RFC 9126 client side) to grantry serve --par, then signs
// in, checks the callback and redeems the code with the PKCE verifier.
func TestClientPushesToServe(t *testing.T) {
	o := newOIDF(t, withPAR)
	ctx := t.Context()
	m := o.metadata()
	cl, err := oauth2.New(oauth2.Config{
		ClientID: oidfClient, ClientSecret: o.secret, RedirectURL: oidfCallback, Scopes: []string{"openid", "email"},
		AuthorizationEndpoint:              str(m["authorization_endpoint"]),
		TokenEndpoint:                      str(m["token_endpoint"]),
		PushedAuthorizationRequestEndpoint: str(m["pushed_authorization_request_endpoint"]),
		Issuer:                             o.app.cfg.Issuer, RequireIssuer: true,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ar, err := cl.PushAuthorizationRequest(ctx, oauth2.SetParam("nonce", "n-1"))
	if err != nil {
		t.Fatalf("PushAuthorizationRequest: %v", err)
	}
	u, err := url.Parse(ar.URL)
	if err != nil {
		t.Fatal(err)
	}
	if q := u.Query(); len(q) != 2 || q.Get("request_uri") != ar.RequestURI {
		t.Errorf("authorization URL %q, want client_id and request_uri only", ar.URL)
	}
	f := o.authorize(o.browser(), u.Query())
	code, err := cl.ParseCallback(o.callback(f, false), ar)
	if err != nil {
		t.Fatalf("ParseCallback: %v", err)
	}
	tok, err := cl.Exchange(ctx, code, ar.CodeVerifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("id_token") == nil {
		t.Errorf("token %+v, want an access token and an ID token", tok)
	}

	t.Run("refused", func(t *testing.T) {
		_, err := cl.PushAuthorizationRequest(ctx, oauth2.SetParam("redirect_uri", "https://evil.example/cb"))
		var oe *oauth2.Error
		if !errors.As(err, &oe) || oe.Code != "invalid_request" || oe.StatusCode != 400 {
			t.Errorf("got %v, want invalid_request with status 400", err)
		}
	})
}
