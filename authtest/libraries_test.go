package authtest_test

import (
	"context"
	"testing"
	"time"

	xoauth2 "golang.org/x/oauth2"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/client/oauth2"
)

// TestXOAuth2 runs golang.org/x/oauth2 against the server: the code
// flow with PKCE, then a refresh, for each way a client authenticates.
func TestXOAuth2(t *testing.T) {
	tests := []struct {
		name   string
		tls    bool
		client authtest.Client
	}{
		{"client_secret_basic", false, authtest.Client{}},
		{"client_secret_post", false, authtest.Client{AuthMethod: grantry.AuthClientSecretPost}},
		{"public", false, authtest.Client{Public: true}},
		{"TLS", true, authtest.Client{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, authtest.Config{TLS: tc.tls})
			conf := xConfig(srv, srv.AddClient(tc.client), "read")
			ctx := context.WithValue(t.Context(), xoauth2.HTTPClient, srv.HTTPClient())
			verifier := xoauth2.GenerateVerifier()
			q := authorize(t, srv, conf.AuthCodeURL("st", xoauth2.S256ChallengeOption(verifier)))
			tok, err := conf.Exchange(ctx, q.Get("code"), xoauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if got := tok.Extra("scope"); got != "read" || tok.RefreshToken == "" {
				t.Errorf("token: got scope %v, refresh token %v; want read and one", got, tok.RefreshToken != "")
			}
			tok.Expiry = time.Now().Add(-time.Minute) // x/oauth2 reads the real time
			renewed, err := conf.TokenSource(ctx, tok).Token()
			if err != nil || renewed.AccessToken == tok.AccessToken {
				t.Fatalf("refresh: got %v, %v; want a new access token", renewed, err)
			}
			if ok, sub := active(t, srv, renewed.AccessToken); !ok || sub != authtest.DefaultSubject {
				t.Errorf("renewed token: got active %v, subject %q; want active, %q", ok, sub, authtest.DefaultSubject)
			}
		})
	}
}

// TestGrantryClient runs Grantry's client/oauth2 against the server: code
// flow, refresh, introspection and revocation.
func TestGrantryClient(t *testing.T) {
	tests := []struct {
		name   string
		tls    bool
		client authtest.Client
	}{
		{"client_secret_basic", false, authtest.Client{}},
		{"client_secret_post", false, authtest.Client{AuthMethod: grantry.AuthClientSecretPost}},
		{"TLS", true, authtest.Client{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, authtest.Config{TLS: tc.tls})
			client, err := oauth2.New(clientConfig(srv, srv.AddClient(tc.client), "read", "email"))
			if err != nil {
				t.Fatalf("oauth2.New: %v", err)
			}
			tok := clientCodeFlow(t, srv, client)
			renewed, err := client.Refresh(t.Context())
			if err != nil || renewed.AccessToken == tok.AccessToken {
				t.Fatalf("Refresh: got %v, %v; want a new access token", renewed, err)
			}
			info, err := client.Introspect(t.Context(), renewed.AccessToken, grantry.HintAccessToken)
			if err != nil || !info.Active || info.Subject != "alice" {
				t.Errorf("Introspect: got %+v, %v; want active, subject alice", info, err)
			}
			if err := client.Revoke(t.Context(), renewed.RefreshToken, grantry.HintRefreshToken); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			if ok, _ := active(t, srv, renewed.AccessToken); ok {
				t.Errorf("access token after revoking its refresh token: got active, want inactive")
			}
		})
	}
}

func clientCodeFlow(t *testing.T, srv *authtest.Server, client *oauth2.Client) *oauth2.Token {
	t.Helper()
	ar, err := client.AuthorizationURL()
	if err != nil {
		t.Fatalf("AuthorizationURL: %v", err)
	}
	code, err := client.ParseCallback(authorize(t, srv, ar.URL), ar)
	if err != nil {
		t.Fatalf("ParseCallback: %v", err)
	}
	tok, err := client.Exchange(t.Context(), code, ar.CodeVerifier)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if got := tok.Scope; got != "read email" && got != "email read" {
		t.Errorf("scope: got %q, want read email", got)
	}
	return tok
}

// xConfig configures golang.org/x/oauth2 for a client of the server.
func xConfig(srv *authtest.Server, c authtest.Client, scope ...string) *xoauth2.Config {
	style := xoauth2.AuthStyleInHeader
	if c.AuthMethod != grantry.AuthClientSecretBasic {
		style = xoauth2.AuthStyleInParams
	}
	e := srv.Endpoints()
	return &xoauth2.Config{
		ClientID:     c.ID,
		ClientSecret: c.Secret,
		Endpoint:     xoauth2.Endpoint{AuthURL: e.Authorization, TokenURL: e.Token, AuthStyle: style},
		RedirectURL:  c.RedirectURIs[0],
		Scopes:       scope,
	}
}

// clientConfig configures Grantry's client/oauth2 for a client of the
// server, with the server's HTTP client and clock.
func clientConfig(srv *authtest.Server, c authtest.Client, scope ...string) oauth2.Config {
	e := srv.Endpoints()
	return oauth2.Config{
		ClientID:              c.ID,
		ClientSecret:          c.Secret,
		AuthorizationEndpoint: e.Authorization,
		TokenEndpoint:         e.Token,
		RevocationEndpoint:    e.Revocation,
		IntrospectionEndpoint: e.Introspection,
		Issuer:                srv.Issuer(),
		RequireIssuer:         true,
		RedirectURL:           c.RedirectURIs[0],
		Scopes:                scope,
		AuthMethod:            c.AuthMethod,
		HTTPClient:            srv.HTTPClient(),
		Now:                   srv.Clock().Now,
	}
}
