package oidc

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

// ClientConfig configures a relying party [Client].
type ClientConfig struct {
	// OAuth2 is the client's registration. Endpoints it leaves empty come
	// from the provider's metadata, and the scope "openid" is added when
	// missing. Its ClientID, ClientSecret and Now also serve ID token
	// validation.
	OAuth2 oauth2.Config
	// Algorithms, Leeway and TrustedAudiences are as in VerifierConfig.
	Algorithms       []keyset.Algorithm
	Leeway           time.Duration
	TrustedAudiences []string
}

// Client is an OpenID Connect relying party for one provider: an OAuth 2.0
// client whose logins end with a validated ID token.
type Client struct {
	provider *Provider
	oauth    *oauth2.Client
	verifier *Verifier
	now      func() time.Time
}

// NewClient returns a relying party of provider p.
func NewClient(p *Provider, cfg ClientConfig) (*Client, error) {
	oc := p.OAuth2Config(cfg.OAuth2)
	if !slices.Contains(oc.Scopes, "openid") {
		oc.Scopes = append([]string{"openid"}, oc.Scopes...)
	}
	oauth, err := oauth2.New(oc)
	if err != nil {
		return nil, err
	}
	v := p.Verifier(VerifierConfig{
		ClientID: oc.ClientID, ClientSecret: oc.ClientSecret,
		Algorithms: cfg.Algorithms, Leeway: cfg.Leeway, TrustedAudiences: cfg.TrustedAudiences, Now: oc.Now,
	})
	now := oc.Now
	if now == nil {
		now = time.Now
	}
	return &Client{provider: p, oauth: oauth, verifier: v, now: now}, nil
}

// OAuth2 returns the underlying OAuth 2.0 client, which holds the token
// after a login: use it for API calls, refresh, revocation.
func (c *Client) OAuth2() *oauth2.Client { return c.oauth }

// Verifier returns the client's ID token verifier.
func (c *Client) Verifier() *Verifier { return c.verifier }

// Provider returns the client's provider.
func (c *Client) Provider() *Provider { return c.provider }

// AuthRequest is an authentication request: the OAuth 2.0 request with
// its state and PKCE verifier, plus the nonce and the max_age bound the
// callback checks. Keep it, bound to the user agent, until the callback.
type AuthRequest struct {
	oauth2.AuthRequest
	Nonce     string
	AuthAfter time.Time // set when the request carries max_age
}

// AuthorizationURL builds an authentication request (OpenID Connect Core
// 1.0 §3.1.2.1) with state, PKCE and a fresh nonce. params add or replace
// parameters, such as prompt or max_age.
func (c *Client) AuthorizationURL(params ...oauth2.Param) (*AuthRequest, error) {
	nonce, err := oauth2.NewCodeVerifier() // 256 random bits
	if err != nil {
		return nil, err
	}
	all := append([]oauth2.Param{oauth2.SetParam("nonce", nonce)}, params...)
	ar, err := c.oauth.AuthorizationURL(all...)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(ar.URL)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	req := &AuthRequest{AuthRequest: *ar, Nonce: u.Query().Get("nonce")}
	if v := u.Query().Get("max_age"); v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs < 0 {
			return nil, fmt.Errorf("oidc: max_age %q is not a number of seconds", v)
		}
		req.AuthAfter = c.now().Add(-time.Duration(secs) * time.Second)
	}
	return req, nil
}

// Login is the result of a successful login.
type Login struct {
	Token   *oauth2.Token
	IDToken *IDToken
}

// Callback completes a login at the redirection URI: it checks the
// authorization response against ar (state, iss, errors), redeems the code
// with the PKCE verifier, and validates the ID token with the nonce,
// max_age and the access token's at_hash (§3.1.3). If the ID token is
// invalid, the client forgets the token it was issued with.
func (c *Client) Callback(ctx context.Context, query url.Values, ar *AuthRequest) (*Login, error) {
	if ar == nil {
		return nil, oauth2.ErrState
	}
	code, err := c.oauth.ParseCallback(query, &ar.AuthRequest)
	if err != nil {
		return nil, err
	}
	tok, err := c.oauth.Exchange(ctx, code, ar.CodeVerifier)
	if err != nil {
		return nil, err
	}
	if tok.IDToken == "" {
		c.oauth.SetToken(nil)
		return nil, ErrNoIDToken
	}
	idt, err := c.verifier.Verify(ctx, tok.IDToken, Expect{Nonce: ar.Nonce, AccessToken: tok.AccessToken, AuthAfter: ar.AuthAfter})
	if err != nil {
		c.oauth.SetToken(nil)
		return nil, err
	}
	return &Login{Token: tok, IDToken: idt}, nil
}

// UserInfo fetches the UserInfo claims with the client's current token,
// renewed first if needed, and checks their sub against the ID token's.
func (c *Client) UserInfo(ctx context.Context, idToken *IDToken) (*UserInfo, error) {
	if idToken == nil || idToken.Subject == "" {
		return nil, fmt.Errorf("%w: no ID token subject to compare with", ErrSubject)
	}
	tok, err := c.oauth.Token(ctx)
	if err != nil {
		return nil, err
	}
	return c.provider.UserInfo(ctx, tok.AccessToken, idToken.Subject)
}
