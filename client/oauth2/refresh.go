package oauth2

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/grantry/grantry"
)

// Token returns the client's token. When it expires within the refresh
// leeway it is renewed first: with its refresh token (RFC 6749 §6), or,
// for a token from the client credentials grant without one, with that
// grant again. Concurrent callers share one renewal.
//
// Token returns when ctx ends, but the renewal's token request goes on
// without it (see [DefaultRenewalTimeout]): an authorization server may
// retire the old refresh token as soon as it answers (RFC 6749 §6), and an
// answer dropped on the way would leave the client a refresh token that no
// longer works, or whose reuse makes the server revoke the grant (RFC 6749
// §10.4). The renewed token is kept and reported to UpdateToken all the
// same.
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
// params may set scope to narrow it. As with [Client.Token], the refresh
// request is not cancelled with ctx.
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

// tokenRequest is a call to the token endpoint.
type tokenRequest func(ctx context.Context) (*Token, error)

// renew runs one renewal at a time. Without force, a token another caller
// renewed meanwhile is returned as it is.
func (c *Client) renew(ctx context.Context, force bool, params []Param) (*Token, error) {
	if err := c.lockRenewal(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	old, fromCC := c.tok, c.renewCC
	c.mu.Unlock()
	request, err := c.renewalRequest(old, fromCC, force, params)
	if request == nil {
		c.unlockRenewal()
		if err != nil {
			return nil, err
		}
		return old, nil
	}
	return c.runRenewal(ctx, request, old, fromCC)
}

// renewalRequest returns the token request that renews old, or nil when
// old is kept as it is or, with an error, cannot be renewed.
func (c *Client) renewalRequest(old *Token, fromCC, force bool, params []Param) (tokenRequest, error) {
	switch {
	case old == nil:
		return nil, ErrNoToken
	case !force && !c.dueForRenewal(old):
		return nil, nil
	case old.RefreshToken != "":
		return func(ctx context.Context) (*Token, error) { return c.refreshWith(ctx, old, params) }, nil
	case force:
		return nil, ErrNoRefreshToken
	case fromCC:
		return func(ctx context.Context) (*Token, error) {
			return c.requestToken(ctx, c.clientCredentialsForm(), nil, nil, nil)
		}, nil
	case old.Expired(c.now()):
		return nil, ErrTokenExpired
	}
	return nil, nil
}

// runRenewal sends request, stores its token and reports it to
// UpdateToken, each under a context that keeps ctx's values but not its
// cancellation, bounded by renewalTimeout. It holds the renewal slot,
// taken by the caller, until then, and returns early when ctx ends.
func (c *Client) runRenewal(ctx context.Context, request tokenRequest, old *Token, fromCC bool) (*Token, error) {
	type result struct {
		tok *Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer c.unlockRenewal()
		tok, err := c.detached(ctx, request)
		if err == nil {
			tok, err = c.detached(ctx, func(ctx context.Context) (*Token, error) {
				return c.replace(ctx, tok, old, fromCC)
			})
		}
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		return r.tok, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// detached runs f under a context that keeps ctx's values but not its
// cancellation, bounded by renewalTimeout.
func (c *Client) detached(ctx context.Context, f tokenRequest) (*Token, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.renewalTimeout())
	defer cancel()
	return f(ctx)
}

// renewalTimeout is the Timeout of the HTTP client, or
// DefaultRenewalTimeout when it has none.
func (c *Client) renewalTimeout() time.Duration {
	if t := c.httpClient().Timeout; t > 0 {
		return t
	}
	return DefaultRenewalTimeout
}

// refreshWith runs the refresh token grant. A response without a refresh
// token keeps the old one, and one without scope has the scope requested:
// the scope param, or else the original scope (RFC 6749 §5.1, §6).
func (c *Client) refreshWith(ctx context.Context, old *Token, params []Param) (*Token, error) {
	form := url.Values{"grant_type": {string(grantry.GrantRefreshToken)}, "refresh_token": {old.RefreshToken}}
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
