package accesstoken

import (
	"context"
	"errors"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Store is what a StoreValidator reads: the authorization server's tokens
// by the digest of their access token. Every storage.TokenStore is one.
type Store interface {
	// TokenByAccess returns the token whose AccessHash is hash, revoked or
	// not, or an error wrapping storage.ErrNotFound.
	TokenByAccess(ctx context.Context, hash string) (*storage.Token, error)
}

// StoreValidatorConfig configures a StoreValidator. The zero value is
// ready to use.
type StoreValidatorConfig struct {
	// Issuer, when set, is reported as the iss of every token.
	Issuer string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// StoreValidator validates access tokens against the store the
// authorization server issued them into: one digest, one TokenByAccess. It
// is a bearer.Validator. It is safe for concurrent use when its Store is.
type StoreValidator struct {
	tokens Store
	issuer string
	now    func() time.Time
}

// NewStoreValidator returns a validator over tokens, typically the
// storage.TokenStore of the authorization server.
func NewStoreValidator(tokens Store, cfg StoreValidatorConfig) *StoreValidator {
	v := &StoreValidator{tokens: tokens, issuer: cfg.Issuer, now: cfg.Now}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// ValidateToken returns what the store knows of an access token, as
// storage.Token.AccessInfo describes it. An unknown, expired or revoked
// token, or a refresh token, is no error: its info is inactive. An error
// means the store could not answer.
func (v *StoreValidator) ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error) {
	var info grantry.TokenInfo
	t, err := v.tokens.TokenByAccess(ctx, secret.Digest(token))
	if errors.Is(err, storage.ErrNotFound) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	t.AccessInfo(&info, v.issuer, v.now())
	return info, nil
}
