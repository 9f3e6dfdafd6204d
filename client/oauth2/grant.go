package oauth2

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
)

// Exchange redeems an authorization code at the token endpoint (RFC 6749
// §4.1.3) with the code verifier of the request (RFC 7636 §4.5; empty when
// PKCE was not used), and makes the token the client's.
func (c *Client) Exchange(ctx context.Context, code, codeVerifier string, params ...Param) (*Token, error) {
	form := url.Values{"grant_type": {string(grantry.GrantAuthorizationCode)}, "code": {code}}
	if c.cfg.RedirectURL != "" {
		form.Set("redirect_uri", c.cfg.RedirectURL)
	}
	if codeVerifier != "" {
		form.Set("code_verifier", codeVerifier)
	}
	return c.grant(ctx, form, params, false)
}

// ClientCredentials obtains a token for the client itself (RFC 6749 §4.4.2)
// with the configured scopes, and makes it the client's. When it expires,
// the client obtains a new one the same way.
func (c *Client) ClientCredentials(ctx context.Context, params ...Param) (*Token, error) {
	return c.grant(ctx, c.clientCredentialsForm(), params, true)
}

func (c *Client) clientCredentialsForm() url.Values {
	form := url.Values{"grant_type": {string(grantry.GrantClientCredentials)}}
	c.addScope(form)
	return form
}

// Password obtains a token with the resource owner's credentials (RFC 6749
// §4.3.2) with the configured scopes, and makes it the client's.
func (c *Client) Password(ctx context.Context, username, password string, params ...Param) (*Token, error) {
	form := url.Values{"grant_type": {string(grantry.GrantPassword)}, "username": {username}, "password": {password}}
	c.addScope(form)
	return c.grant(ctx, form, params, false)
}

// FetchToken calls the token endpoint with any grant type, such as
// grantry.GrantJWTBearer or another extension grant (RFC 6749 §4.5) given
// as an absolute URI, and makes the token the client's.
func (c *Client) FetchToken(ctx context.Context, grantType grantry.GrantType, params ...Param) (*Token, error) {
	return c.grant(ctx, url.Values{"grant_type": {string(grantType)}}, params, false)
}

func (c *Client) addScope(form url.Values) {
	if len(c.cfg.Scopes) > 0 {
		form.Set("scope", strings.Join(c.cfg.Scopes, " "))
	}
}

func (c *Client) grant(ctx context.Context, form url.Values, params []Param, fromClientCredentials bool) (*Token, error) {
	tok, err := c.requestToken(ctx, form, params, nil, nil)
	if err != nil {
		return nil, err
	}
	c.store(tok, fromClientCredentials)
	return tok, nil
}

// requestToken calls the token endpoint and parses its response (RFC 6749
// §5). The expiry counts from before the request was sent.
func (c *Client) requestToken(ctx context.Context, form url.Values, params []Param,
	reqHook func(*EndpointRequest) error, respHook func(*http.Response) error) (*Token, error) {
	if c.cfg.TokenEndpoint == "" {
		return nil, fmt.Errorf("%w: token endpoint", ErrNoEndpoint)
	}
	applyParams(form, params)
	sent := c.now()
	resp, err := c.postToken(ctx, form, reqHook)
	if err != nil {
		return nil, err
	}
	if err := runResponseHooks(resp, c.cfg.Hooks.TokenResponse, respHook); err != nil {
		return nil, err
	}
	tok, err := tokenFromResponse(resp, sent)
	if err != nil {
		return nil, err
	}
	if tok.Scope == "" {
		tok.Scope = form.Get("scope") // RFC 6749 §5.1: omitted means as requested
	}
	return tok, nil
}
