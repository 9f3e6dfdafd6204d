package tokenexchange

import (
	"context"
	"errors"
	"time"

	"github.com/grantry/grantry"
)

// Token type identifiers (RFC 8693 §3).
const (
	TypeAccessToken  = "urn:ietf:params:oauth:token-type:access_token"
	TypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token"
	TypeIDToken      = "urn:ietf:params:oauth:token-type:id_token"
	TypeJWT          = "urn:ietf:params:oauth:token-type:jwt"
	TypeSAML1        = "urn:ietf:params:oauth:token-type:saml1"
	TypeSAML2        = "urn:ietf:params:oauth:token-type:saml2"
)

// Token is what a Validator learnt of a valid subject or actor token.
type Token struct {
	// Type is the token type the client said the token is.
	Type string
	// Issuer is who issued the token: the iss claim, or the server's own
	// issuer for its access tokens.
	Issuer string
	// Subject is whom the token is about: the sub claim, or the client
	// itself for a token no user is involved in.
	Subject string
	// ClientID is the client the token was issued to: client_id, azp, or
	// the only aud of an ID token; "" when the token does not tell.
	ClientID string
	// Scope is the scope the token grants; nil for an ID token.
	Scope grantry.Scope
	// Audience lists the token's audiences (aud, or the resources an
	// access token is bound to).
	Audience []string
	// ExpiresAt is when the token expires. The issued token expires no
	// later.
	ExpiresAt time.Time
	// Act is the token's act claim, when it was itself issued by
	// delegation (RFC 8693 §4.1), and MayAct its may_act claim (§4.4).
	Act    map[string]any
	MayAct map[string]any
}

// Validator validates the tokens of one token type.
type Validator interface {
	// Validate returns what token says at now. A token that is malformed,
	// unknown, expired, revoked, or not trusted returns an error wrapping
	// ErrInvalidToken, answered invalid_grant; any other error is the
	// server's (storage.ErrUnavailable is temporarily_unavailable).
	Validate(ctx context.Context, token string, now time.Time) (*Token, error)
}

// ErrInvalidToken is the error a Validator wraps for a token that is not
// valid.
var ErrInvalidToken = errors.New("tokenexchange: the token is not valid")
