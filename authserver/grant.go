package authserver

import (
	"context"
	"fmt"
	"net/url"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// TokenGrant handles one grant_type at the token endpoint (RFC 6749 §4).
//
// The server parses the request, authenticates the client with one of
// AuthMethods, checks that the client may use the grant type, then calls
// ValidateTokenRequest, the extensions' ValidateTokenRequest hooks, and
// CreateTokenResponse.
type TokenGrant interface {
	// GrantType returns the grant_type value the grant answers to.
	GrantType() grantry.GrantType
	// AuthMethods returns the client authentication methods the grant
	// accepts at the token endpoint.
	AuthMethods() []grantry.AuthMethod
	// ValidateTokenRequest checks the request and fills in what it
	// establishes: Subject, Scope, and Code or Token where they apply.
	ValidateTokenRequest(ctx context.Context, req *TokenRequest) error
	// CreateTokenResponse issues the tokens, normally with
	// req.IssueToken.
	CreateTokenResponse(ctx context.Context, req *TokenRequest) (*grantry.TokenResponse, error)
}

// AuthorizationGrant handles one response_type at the authorization
// endpoint (RFC 6749 §3.1.1).
type AuthorizationGrant interface {
	// ResponseType returns the response_type value the grant answers to.
	ResponseType() grantry.ResponseType
	// DefaultResponseMode returns "query" or "fragment".
	DefaultResponseMode() string
	// ValidateAuthorizationRequest checks what is particular to the grant;
	// the server has validated the client, redirect URI and scope.
	ValidateAuthorizationRequest(ctx context.Context, req *AuthorizationRequest) error
	// Authorize returns the parameters of the successful response for a
	// consenting user; the server adds state and iss.
	Authorize(ctx context.Context, req *AuthorizationRequest, c *Consent) (url.Values, error)
}

// Grant is a TokenGrant, an AuthorizationGrant, or both.
type Grant any

// Extension hooks into the steps of the grants it is registered with. It
// implements any of AuthorizationValidator, AuthorizationResponder,
// TokenValidator and TokenResponder.
type Extension any

// AuthorizationValidator runs after a grant has validated an authorization
// request.
type AuthorizationValidator interface {
	ValidateAuthorizationRequest(ctx context.Context, req *AuthorizationRequest) error
}

// AuthorizationResponder may add parameters to a successful authorization
// response.
type AuthorizationResponder interface {
	ProcessAuthorizationResponse(ctx context.Context, req *AuthorizationRequest, c *Consent, params url.Values) error
}

// TokenValidator runs after a grant has validated a token request.
type TokenValidator interface {
	ValidateTokenRequest(ctx context.Context, req *TokenRequest) error
}

// TokenResponder may add parameters to a token response. tok is the stored
// record of the token just issued.
type TokenResponder interface {
	ProcessTokenResponse(ctx context.Context, req *TokenRequest, tok *storage.Token, resp *grantry.TokenResponse) error
}

type tokenEntry struct {
	grant TokenGrant
	exts  []Extension
}

type authzEntry struct {
	grant AuthorizationGrant
	exts  []Extension
}

// RegisterGrant registers a grant with the extensions that hook into it.
// It panics when g is neither a TokenGrant nor an AuthorizationGrant, or
// when its grant type or response type is registered already: both are
// programming errors found at start-up.
func (s *Server) RegisterGrant(g Grant, exts ...Extension) {
	tg, isToken := g.(TokenGrant)
	ag, isAuthz := g.(AuthorizationGrant)
	if !isToken && !isAuthz {
		panic(fmt.Sprintf("authserver: %T is neither a TokenGrant nor an AuthorizationGrant", g))
	}
	for _, e := range exts {
		if !isExtension(e) {
			panic(fmt.Sprintf("authserver: %T implements no extension hook", e))
		}
	}
	if isToken {
		if _, dup := s.tokenGrant[tg.GrantType()]; dup {
			panic("authserver: grant type registered twice: " + string(tg.GrantType()))
		}
		s.tokenGrant[tg.GrantType()] = &tokenEntry{grant: tg, exts: exts}
	}
	if isAuthz {
		if _, dup := s.authzGrant[ag.ResponseType()]; dup {
			panic("authserver: response type registered twice: " + string(ag.ResponseType()))
		}
		s.authzGrant[ag.ResponseType()] = &authzEntry{grant: ag, exts: exts}
	}
}

func isExtension(e Extension) bool {
	switch e.(type) {
	case AuthorizationValidator, AuthorizationResponder, TokenValidator, TokenResponder:
		return true
	}
	return false
}

// GrantTypes returns the registered grant types, for server metadata.
func (s *Server) GrantTypes() []grantry.GrantType {
	out := make([]grantry.GrantType, 0, len(s.tokenGrant))
	for gt := range s.tokenGrant {
		out = append(out, gt)
	}
	return out
}

// ResponseTypes returns the registered response types, for server metadata.
func (s *Server) ResponseTypes() []grantry.ResponseType {
	out := make([]grantry.ResponseType, 0, len(s.authzGrant))
	for rt := range s.authzGrant {
		out = append(out, rt)
	}
	return out
}
