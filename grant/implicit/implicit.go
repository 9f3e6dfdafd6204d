// Package implicit is the implicit grant (RFC 6749 §4.2): the access token
// is returned in the redirect URI's fragment, never with a refresh token.
//
// RFC 9700 §2.1.2 advises against it; prefer the authorization code grant
// with PKCE. It serves public clients only: a client that authenticates
// with a secret is refused with unauthorized_client.
//
// It answers at the authorization endpoint only:
//
//	srv.RegisterResponseType(implicit.New()) // response_type=token
package implicit

import (
	"context"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// Grant is the implicit grant, answering response_type=token.
type Grant struct{}

// New returns the grant.
func New() *Grant { return &Grant{} }

// ResponseType implements authserver.AuthorizationGrant.
func (*Grant) ResponseType() grantry.ResponseType { return grantry.ResponseToken }

// ValidateAuthorization implements authserver.AuthorizationGrant: only
// public clients, which authenticate with "none", may use it.
func (*Grant) ValidateAuthorization(_ context.Context, req *authserver.AuthorizationRequest) error {
	if !req.Client.Public() {
		return grantry.NewError(grantry.ErrUnauthorizedClient, "only public clients may use the implicit grant")
	}
	return nil
}

// Authorize implements authserver.AuthorizationGrant: the server issues the
// access token into the response (RFC 6749 §4.2.2).
func (*Grant) Authorize(_ context.Context, _ *authserver.AuthorizationRequest, c *authserver.Consent) (*authserver.Authorization, error) {
	return &authserver.Authorization{Token: &authserver.Issue{GrantType: grantry.GrantImplicit, Subject: c.Subject, Scope: c.Scope}}, nil
}
