package oauth2

import (
	"context"
	"fmt"
	"net/url"
)

// Token returns the client's token. When it expires within the refresh
// leeway it is renewed first: with its refresh token (RFC 6749 §6), or,
// for a token from the client credentials grant without one, with that
// grant again. Concurrent callers share one renewal.
func (c *Client) Token(ctx context.Context) (*Token, error) {
	tok := c.current()
	if tok == nil {
		return nil, ErrNoToken
	}
	if !c.dueForRenewal(tok) {
		return tok, nil
	}
	return c.renew(ctx, false, nil)
}

// Refresh renews the token now with its refresh token (RFC 6749 §6).
// params may set scope to narrow it.
func (c *Client) Refresh(ctx context.Context, params ...Param) (*Token, error) {
	return c.renew(ctx, true, params)
}

func (c *Client) dueForRenewal(tok *Token) bool {
	leeway := c.cfg.RefreshLeeway
	if leeway == 0 {
		leeway = DefaultRefreshLeeway
	}
	return tok.expiresWithin(c.now(), max(leeway, 0))
}

// renew runs one renewal at a time. Without force, a token another caller
// renewed meanwhile is returned as it is.
func (c *Client) renew(ctx context.Context, force bool, params []Param) (*Token, error) {
	if err := c.lockRenewal(ctx); err != nil {
		return nil, err
	}
	defer c.unlockRenewal()
	c.mu.Lock()
	old, fromCC := c.tok, c.renewCC
	c.mu.Unlock()
	if old == nil {
		return nil, ErrNoToken
	}
	if !force && !c.dueForRenewal(old) {
		return old, nil
	}
	var tok *Token
	var err error
	switch {
	case old.RefreshToken != "":
		tok, err = c.refreshWith(ctx, old, params)
	case force:
		return nil, ErrNoRefreshToken
	case fromCC:
		tok, err = c.requestToken(ctx, c.clientCredentialsForm(), nil, nil, nil)
	case old.Expired(c.now()):
		return nil, ErrTokenExpired
	default:
		return old, nil
	}
	if err != nil {
		return nil, err
	}
	return c.replace(ctx, tok, old, fromCC)
}

// refreshWith runs the refresh token grant. A response without a refresh
// token keeps the old one, and one without scope has the scope requested:
// the scope param, or else the original scope (RFC 6749 §5.1, §6).
func (c *Client) refreshWith(ctx context.Context, old *Token, params []Param) (*Token, error) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {old.RefreshToken}}
	tok, err := c.requestToken(ctx, form, params, c.cfg.Hooks.RefreshRequest, c.cfg.Hooks.RefreshResponse)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = old.RefreshToken
	}
	if tok.Scope == "" {
		tok.Scope = old.Scope
	}
	return tok, nil
}

// replace stores the renewed token and reports it to UpdateToken.
func (c *Client) replace(ctx context.Context, tok, old *Token, fromCC bool) (*Token, error) {
	c.store(tok, fromCC)
	if c.cfg.UpdateToken != nil {
		if err := c.cfg.UpdateToken(ctx, tok, old.RefreshToken); err != nil {
			return nil, fmt.Errorf("oauth2: update token: %w", err)
		}
	}
	return tok, nil
}
