package authcode

import (
	"maps"
	"slices"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// newCode makes a code of 256 random bits and the record stored for it.
// The code begins with the ID of the family of tokens it will begin
// (secret.TokenWithID), made in the order of time, so that a database
// indexes its digest at the end of the index.
func newCode(req *authserver.AuthorizationRequest, c *authserver.Consent, lifetime time.Duration) (string, *storage.AuthorizationCode) {
	now := req.Time
	family := secret.OrderedID(now)
	code := secret.TokenWithID(family)
	rec := &storage.AuthorizationCode{
		Hash:                secret.Digest(code),
		FamilyID:            family,
		ClientID:            req.Client.ID,
		Scope:               c.Scope,
		Subject:             c.Subject,
		Resource:            slices.Clone(req.Resource),
		AuthTime:            c.AuthTime,
		Nonce:               req.Nonce,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
		Extra:               maps.Clone(req.Extra),
		CreatedAt:           now,
		ExpiresAt:           now.Add(lifetime),
	}
	if req.RedirectURIGiven {
		rec.RedirectURI = req.RedirectURI
	}
	return code, rec
}
