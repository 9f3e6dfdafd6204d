package bearer

import (
	"context"

	"github.com/grantry/grantry"
)

// Validator turns an access token into what it grants.
//
// ValidateToken returns the token's information. A token the validator
// does not know, or knows to be expired or revoked, is no error: its info
// is inactive (the zero TokenInfo is). Knowing of revocation is part of
// the contract: a validator of self-contained tokens that may be revoked
// before they expire checks its list of revoked tokens here. A revocation
// list kept by the resource server itself goes in Config.Revoked, which
// the Protector consults whatever the validator.
//
// An error means the validator could not decide, as when its store or the
// network is down; the Protector then answers 503, unless the error is a
// *grantry.Error, whose code and status are used as they are. The info
// returned with an error is ignored.
//
// The info is returned by value and becomes the caller's: it may share
// no slice or map the validator modifies later.
type Validator interface {
	ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error)
}
