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
func newCode(req *authserver.AuthorizationRequest, c *authserver.Consent, lifetime time.Duration) (string, *storage.AuthorizationCode) {
	code := secret.Token()
	now := req.Time
	rec := &storage.AuthorizationCode{
		Hash:                secret.Digest(code),
		FamilyID:            secret.OrderedID(now),
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
