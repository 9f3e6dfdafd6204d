package storage

import (
	"context"
	"errors"
	"time"

	"github.com/grantry/grantry"
)

// BearerValidatorConfig configures a BearerValidator. The zero value is
// ready to use.
type BearerValidatorConfig struct {
	// Issuer, when set, is reported as the iss of every token.
	Issuer string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// BearerValidator validates opaque access tokens against the TokenStore the
// authorization server issued them into: one digest, one TokenByAccess. It
// implements the Validator of package bearer, for a resource server that
// shares the authorization server's store.
type BearerValidator struct {
	tokens TokenStore
	issuer string
	now    func() time.Time
}

// NewBearerValidator returns a validator over tokens.
func NewBearerValidator(tokens TokenStore, cfg BearerValidatorConfig) *BearerValidator {
	v := &BearerValidator{tokens: tokens, issuer: cfg.Issuer, now: cfg.Now}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// ValidateToken returns what the store knows of an access token. An
// unknown, expired or revoked token is no error: its info is inactive. An
// error means the store could not answer.
func (v *BearerValidator) ValidateToken(ctx context.Context, token string) (grantry.TokenInfo, error) {
	var info grantry.TokenInfo
	t, err := v.tokens.TokenByAccess(ctx, Digest(token))
	if errors.Is(err, ErrNotFound) {
		return info, nil
	}
	if err != nil {
		return info, err
	}
	t.AccessInfo(&info, v.issuer, v.now())
	return info, nil
}

// AccessInfo describes the access token of t at now, in the vocabulary of
// RFC 7662 §2.2, overwriting info: inactive when the record is revoked or
// the access token expired; otherwise active with scope, client_id,
// token_type Bearer, exp, iat, sub, iss (the issuer given, if any) and jti
// (the record's ID). The scope slice is shared with t.
func (t *Token) AccessInfo(info *grantry.TokenInfo, issuer string, now time.Time) {
	if !t.Active(now) {
		*info = grantry.TokenInfo{}
		return
	}
	t.describe(info, issuer, t.Scope, grantry.TokenTypeBearer, t.ExpiresAt)
}

// RefreshInfo describes the refresh token of t at now as AccessInfo does
// the access token: inactive when the record has no refresh token, is
// revoked or the refresh token expired; otherwise scope the refresh
// token's (GrantedScope), token_type "refresh_token" (so that no resource
// server mistakes it for an access token) and exp the refresh token's
// expiry, if it has one.
func (t *Token) RefreshInfo(info *grantry.TokenInfo, issuer string, now time.Time) {
	if !t.RefreshActive(now) {
		*info = grantry.TokenInfo{}
		return
	}
	t.describe(info, issuer, t.GrantedScope(), grantry.HintRefreshToken, t.RefreshExpiresAt)
}

func (t *Token) describe(info *grantry.TokenInfo, issuer string, scope grantry.Scope, tokenType string, exp time.Time) {
	*info = grantry.TokenInfo{
		Active:    true,
		Scope:     scope,
		ClientID:  t.ClientID,
		TokenType: tokenType,
		ExpiresAt: exp,
		IssuedAt:  t.IssuedAt,
		Subject:   t.Subject,
		Issuer:    issuer,
		JTI:       t.ID,
	}
}
