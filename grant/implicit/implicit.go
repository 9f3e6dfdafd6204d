// Package implicit is the implicit grant (RFC 6749 §4.2): the access token
// is returned in the redirect URI's fragment, never with a refresh token.
//
// RFC 9700 §2.1.2 advises against it; prefer the authorization code grant
// with PKCE. It serves public clients only: a client that authenticates
// with a secret is refused with unauthorized_client.
package implicit

import (
	"context"
	"net/url"
	"strconv"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// Grant is the implicit grant, answering response_type=token.
type Grant struct{}

// New returns the grant.
func New() *Grant { return &Grant{} }

// ResponseType implements authserver.AuthorizationGrant.
func (*Grant) ResponseType() grantry.ResponseType { return grantry.ResponseToken }

// DefaultResponseMode implements authserver.AuthorizationGrant.
func (*Grant) DefaultResponseMode() string { return authserver.ModeFragment }

// ValidateAuthorizationRequest implements authserver.AuthorizationGrant:
// only public clients, which authenticate with "none", may use it.
func (*Grant) ValidateAuthorizationRequest(_ context.Context, req *authserver.AuthorizationRequest) error {
	if !req.Client.CheckEndpointAuthMethod(grantry.AuthNone, grantry.EndpointToken) {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "only public clients may use the implicit grant")
	}
	return nil
}

// Authorize implements authserver.AuthorizationGrant: it issues the access
// token (RFC 6749 §4.2.2).
func (*Grant) Authorize(ctx context.Context, req *authserver.AuthorizationRequest, c *authserver.Consent) (url.Values, error) {
	resp, err := req.IssueToken(ctx, grantry.GrantImplicit, c)
	if err != nil {
		return nil, err
	}
	v := url.Values{
		"access_token": {resp.AccessToken},
		"token_type":   {resp.TokenType},
		"expires_in":   {strconv.FormatInt(resp.ExpiresIn, 10)},
	}
	if len(resp.Scope) > 0 {
		v.Set("scope", resp.Scope.String())
	}
	return v, nil
}
