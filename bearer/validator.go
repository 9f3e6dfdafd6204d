package bearer

import (
	"context"
	"net/http"

	"github.com/grantry/grantry"
)

// Validator turns an access token into what it grants.
//
// ValidateToken returns the token's information. A token the validator
// does not know, or knows to be expired or revoked, is not an error: it
// returns an info whose Active is false (or a nil info). An error means
// the validator could not decide, as when its store or the network is
// down; the Protector then answers 503, unless the error is a
// *grantry.Error, whose code and status are used as they are.
type Validator interface {
	ValidateToken(ctx context.Context, token string) (*grantry.TokenInfo, error)
}

// InfoFiller is implemented by a validator that can write into a TokenInfo
// the caller provides. The middleware of a Protector then keeps the info
// in the same allocation as the request context that carries it, which
// saves an allocation per request. FillTokenInfo follows the contract of
// ValidateToken and overwrites info entirely, also when it returns an
// error. storage.BearerValidator implements it.
type InfoFiller interface {
	FillTokenInfo(ctx context.Context, token string, info *grantry.TokenInfo) error
}

// RequestValidator is implemented by a validator that also checks the
// request a token came with, for instance that a certificate-bound token
// (RFC 8705) arrives over a TLS connection with that certificate. It runs
// after the token was found active and not revoked, before the scope
// check. An error that is not a *grantry.Error answers invalid_token.
type RequestValidator interface {
	ValidateRequest(r *http.Request, info *grantry.TokenInfo) error
}

// RevocationChecker is implemented by a validator whose tokens may be
// revoked without ValidateToken seeing it, such as self-contained tokens
// checked against a list of revoked identifiers. A revoked token answers
// invalid_token; an error, 503 as for ValidateToken.
type RevocationChecker interface {
	TokenRevoked(ctx context.Context, info *grantry.TokenInfo) (bool, error)
}
