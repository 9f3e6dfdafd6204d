package storage

import (
	"context"
	"time"

	"github.com/grantry/grantry"
)

// AuthorizationCode is an issued authorization code (RFC 6749 §4.1.2).
type AuthorizationCode struct {
	// Hash is the secret.Digest of the code; the code itself is never
	// stored.
	Hash string
	// FamilyID links the code to every token issued from it, so that a
	// replayed code revokes them all.
	FamilyID string
	ClientID string
	// RedirectURI is the redirect_uri of the authorization request, or ""
	// when the request named none (RFC 6749 §4.1.3).
	RedirectURI string
	Scope       grantry.Scope
	Subject     string
	// Resource lists the resources the authorization request named
	// (RFC 8707 §2): the token request may ask for any of them.
	Resource []string
	// AuthTime is when the user authenticated.
	AuthTime time.Time
	// Nonce is the OpenID Connect nonce of the request.
	Nonce string
	// CodeChallenge and CodeChallengeMethod come from RFC 7636 §4.3.
	CodeChallenge       string
	CodeChallengeMethod string
	// Extra holds values an extension stored with the code.
	Extra     map[string]string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is when the code was consumed; zero while unused.
	UsedAt time.Time
}

// Expired reports whether the code has expired at now.
func (c *AuthorizationCode) Expired(now time.Time) bool { return !now.Before(c.ExpiresAt) }

// CodeStore keeps authorization codes.
type CodeStore interface {
	// CreateAuthorizationCode stores a new code, or returns ErrExists.
	CreateAuthorizationCode(ctx context.Context, code *AuthorizationCode) error
	// ConsumeAuthorizationCode marks the code used at now and returns it,
	// if it was issued to clientID. Of many concurrent calls for one code,
	// exactly one succeeds. A code used before returns the record with
	// ErrCodeUsed; an unknown code, or one issued to another client, used
	// or not, returns ErrNotFound and is left as it is, so that a client
	// cannot use up, or learn anything of, another client's code. now must
	// not be zero. Expiry is the caller's to check.
	ConsumeAuthorizationCode(ctx context.Context, hash, clientID string, now time.Time) (*AuthorizationCode, error)
}
