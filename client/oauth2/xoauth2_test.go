package oauth2

import (
	"context"
	"errors"
	"testing"
	"time"

	xoauth2 "golang.org/x/oauth2"

	"github.com/grantry/grantry/authtest"
)

func TestXTokenRoundTrip(t *testing.T) {
	exp := time.Unix(1_700_000_000, 0)
	tok, err := ParseTokenResponse([]byte(`{"access_token":"a","token_type":"bearer","refresh_token":"r","scope":"x y","id_token":"h.p.s","custom":7}`), exp.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tok.Expiry = exp
	xt := XToken(tok)
	if xt.AccessToken != "a" || xt.TokenType != "Bearer" || xt.RefreshToken != "r" || !xt.Expiry.Equal(exp) {
		t.Errorf("XToken = %+v", xt)
	}
	if xt.Extra("id_token") != "h.p.s" || xt.Extra("scope") != "x y" || xt.Extra("custom") != 7.0 {
		t.Errorf("XToken extras: id_token %v scope %v custom %v", xt.Extra("id_token"), xt.Extra("scope"), xt.Extra("custom"))
	}
	back := FromXToken(xt)
	if back.AccessToken != "a" || back.TokenType != "Bearer" || back.RefreshToken != "r" || back.Scope != "x y" ||
		back.IDToken != "h.p.s" || !back.Expiry.Equal(exp) || back.Extra("id_token") != "h.p.s" {
		t.Errorf("FromXToken = %+v", back)
	}
	plain := FromXToken(&xoauth2.Token{AccessToken: "p"})
	if plain.AccessToken != "p" || plain.Raw != nil {
		t.Errorf("FromXToken(plain) = %+v", plain)
	}
}

func TestXTokenSource(t *testing.T) {
	srv := newAuthServer(t)
	srv.refresh["rt-old"] = true
	clk := authtest.NewClock(time.Now())
	c := clientWithToken(t, srv, clk, &Token{AccessToken: "old", RefreshToken: "rt-old", Expiry: clk.Now()}, nil)
	xs := XTokenSource(bg, c)
	xt, err := xs.Token()
	if err != nil || xt.AccessToken != "at-1" {
		t.Fatalf("Token() = %v, %v; want the refreshed at-1", xt, err)
	}
	// Back again: a golang.org/x/oauth2 source used as a TokenSource.
	src := FromXTokenSource(xoauth2.StaticTokenSource(&xoauth2.Token{AccessToken: "static", TokenType: "Bearer"}))
	tok, err := src.Token(bg)
	if err != nil || tok.AccessToken != "static" {
		t.Errorf("Token = %v, %v; want static", tok, err)
	}
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := src.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Token error = %v, want context.Canceled", err)
	}
	empty := XTokenSource(bg, newClient(t, srv.config()))
	if _, err := empty.Token(); !errors.Is(err, ErrNoToken) {
		t.Errorf("error = %v, want ErrNoToken", err)
	}
}
