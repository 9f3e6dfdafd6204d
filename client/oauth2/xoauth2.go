package oauth2

import (
	"context"
	"encoding/json"

	xoauth2 "golang.org/x/oauth2"
)

// TokenSource supplies tokens; [*Client] is one.
type TokenSource interface {
	Token(ctx context.Context) (*Token, error)
}

// XToken converts a token to a golang.org/x/oauth2 token, with the members
// of the token response as its extra values.
func XToken(t *Token) *xoauth2.Token {
	xt := &xoauth2.Token{
		AccessToken:  t.AccessToken,
		TokenType:    t.TokenType,
		RefreshToken: t.RefreshToken,
		Expiry:       t.Expiry,
	}
	extra := make(map[string]any, len(t.Raw)+2)
	for name := range t.Raw {
		extra[name] = t.Extra(name)
	}
	if t.IDToken != "" {
		extra["id_token"] = t.IDToken
	}
	if t.Scope != "" {
		extra["scope"] = t.Scope
	}
	return xt.WithExtra(extra)
}

// FromXToken converts a golang.org/x/oauth2 token, taking scope and
// id_token from its extra values when they are strings.
func FromXToken(xt *xoauth2.Token) *Token {
	t := &Token{
		AccessToken:  xt.AccessToken,
		TokenType:    xt.TokenType,
		RefreshToken: xt.RefreshToken,
		Expiry:       xt.Expiry,
	}
	t.Scope, _ = xt.Extra("scope").(string)
	t.IDToken, _ = xt.Extra("id_token").(string)
	if t.IDToken != "" || t.Scope != "" {
		t.Raw = map[string]json.RawMessage{}
		for name, v := range map[string]string{"id_token": t.IDToken, "scope": t.Scope} {
			if v != "" {
				t.Raw[name], _ = json.Marshal(v)
			}
		}
	}
	return t
}

// XTokenSource returns a golang.org/x/oauth2 token source backed by src,
// for libraries that take one. As that interface has no context, ctx is
// kept by the source and used for every renewal; pass a context that lives
// as long as the source is used.
func XTokenSource(ctx context.Context, src TokenSource) xoauth2.TokenSource {
	return xTokenSource{ctx: ctx, src: src}
}

type xTokenSource struct {
	ctx context.Context
	src TokenSource
}

func (s xTokenSource) Token() (*xoauth2.Token, error) {
	t, err := s.src.Token(s.ctx)
	if err != nil {
		return nil, err
	}
	return XToken(t), nil
}

// FromXTokenSource returns a TokenSource backed by a golang.org/x/oauth2
// token source. The context of each call is not passed on, as that
// interface has none.
func FromXTokenSource(src xoauth2.TokenSource) TokenSource {
	return fromXTokenSource{src: src}
}

type fromXTokenSource struct{ src xoauth2.TokenSource }

func (s fromXTokenSource) Token(ctx context.Context) (*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	xt, err := s.src.Token()
	if err != nil {
		return nil, err
	}
	return FromXToken(xt), nil
}
