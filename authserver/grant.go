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
// AuthMethods and checks that the client may use the grant type. Token then
// checks what is particular to the grant and says what to issue; the
// extensions' ValidateToken hooks run, and the server issues: it makes the
// tokens, runs the TokenResponse hooks, stores the tokens, reports
// Events.TokenIssued and writes the response.
type TokenGrant interface {
	// GrantType returns the grant_type value the grant answers to.
	GrantType() grantry.GrantType
	// AuthMethods returns the client authentication methods the grant
	// accepts at the token endpoint.
	AuthMethods() []grantry.AuthMethod
	// Token validates the request and returns what to issue. A
	// *grantry.Error (or a bare grantry.ErrorCode) is answered as it is;
	// a *Replay revokes a token family first; any other error is
	// server_error, or temporarily_unavailable for storage.ErrUnavailable.
	Token(ctx context.Context, req *TokenRequest) (*Issue, error)
}

// AuthorizationGrant handles one response_type at the authorization
// endpoint (RFC 6749 §3.1.1). The response goes in the query unless the
// response type returns a token or an ID token, which go in the fragment
// (OAuth 2.0 Multiple Response Type Encoding Practices §3).
type AuthorizationGrant interface {
	// ResponseType returns the response_type value the grant answers to.
	ResponseType() grantry.ResponseType
	// ValidateAuthorization checks what is particular to the grant; the
	// server has validated the client, redirect URI and scope.
	ValidateAuthorization(ctx context.Context, req *AuthorizationRequest) error
	// Authorize answers a consenting user: the parameters of the response
	// and, when the response carries an access token (implicit), what to
	// issue. The server adds the token, state and iss.
	Authorize(ctx context.Context, req *AuthorizationRequest, c *Consent) (*Authorization, error)
}

// Authorization is a grant's answer to an approved authorization request.
type Authorization struct {
	// Params are the response parameters, such as code.
	Params url.Values
	// Token, when set, is issued by the server and its access_token,
	// token_type, expires_in and scope added to Params (RFC 6749 §4.2.2).
	// No refresh token is ever issued at the authorization endpoint.
	Token *Issue
}

// Replay is the error a grant returns when it detects a replay: an
// authorization code presented again (RFC 6749 §4.1.2) or a rotated
// refresh token used again (RFC 9700 §4.14.2). The server revokes the
// family, reports Events.FamilyRevoked and answers Err.
type Replay struct {
	FamilyID string
	ClientID string
	Err      *grantry.Error
}

// Error implements the error interface.
func (r *Replay) Error() string { return r.Err.Error() }

// Unwrap returns Err.
func (r *Replay) Unwrap() error { return r.Err }

// Extension hooks into the steps of every grant. PKCE and OpenID Connect
// are extensions; an extension acts only on the requests it concerns (PKCE
// on those that issue or redeem a code).
type Extension interface {
	// Hooks returns the extension's hooks; nil ones are skipped.
	Hooks() Hooks
}

// Hooks are the steps an extension hooks into. Each runs after the grant's
// own step, in the order the extensions were registered; an error ends the
// request as a grant's would.
type Hooks struct {
	// ValidateAuthorization runs after a grant has validated an
	// authorization request; it may keep values on the request for the
	// code (Nonce, CodeChallenge, Extra).
	ValidateAuthorization func(ctx context.Context, req *AuthorizationRequest) error
	// AuthorizationResponse may add parameters to a successful
	// authorization response, which holds any issued access token.
	AuthorizationResponse func(ctx context.Context, req *AuthorizationRequest, c *Consent, params url.Values) error
	// ValidateToken runs after a grant has validated a token request and
	// said what to issue; it may change iss.
	ValidateToken func(ctx context.Context, req *TokenRequest, iss *Issue) error
	// TokenResponse may add parameters to a token response before anything
	// is stored, so that a failure leaves no token behind. tok is the
	// record about to be stored.
	TokenResponse func(ctx context.Context, req *TokenRequest, tok *storage.Token, resp *grantry.TokenResponse) error
	// Metadata returns members of the server metadata (RFC 8414 §2), as a
	// MetadataProvider does.
	Metadata func() map[string]any
}

// RegisterGrant registers a grant at the token endpoint. It panics when
// the grant type is registered already, a programming error found at
// start-up.
func (s *Server) RegisterGrant(g TokenGrant) {
	gt := g.GrantType()
	if _, dup := s.tokenGrant[gt]; dup {
		panic("authserver: grant type registered twice: " + string(gt))
	}
	s.tokenGrant[gt] = g
}

// RegisterResponseType registers a grant at the authorization endpoint. It
// panics when the response type is registered already.
func (s *Server) RegisterResponseType(g AuthorizationGrant) {
	rt := g.ResponseType()
	if _, dup := s.authzGrant[rt]; dup {
		panic("authserver: response type registered twice: " + string(rt))
	}
	s.authzGrant[rt] = g
}

// RegisterExtension adds an extension to every grant. It panics when the
// extension has no hook.
func (s *Server) RegisterExtension(e Extension) {
	h := e.Hooks()
	if h.ValidateAuthorization == nil && h.AuthorizationResponse == nil && h.ValidateToken == nil &&
		h.TokenResponse == nil && h.Metadata == nil {
		panic(fmt.Sprintf("authserver: extension %T has no hook", e))
	}
	s.exts = append(s.exts, h)
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
