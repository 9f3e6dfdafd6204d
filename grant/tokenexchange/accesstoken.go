package tokenexchange

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// TokenFinder finds the server's tokens by the digest of their access
// token; every storage.TokenStore is one.
type TokenFinder interface {
	TokenByAccess(ctx context.Context, hash string) (*storage.Token, error)
}

// AccessTokens validates the server's own access tokens (token type
// TypeAccessToken), opaque or JWT alike, by the digest the server stored:
// only an active one, neither expired nor revoked, is valid. Its Issuer
// is issuer, its Subject the token's, or its client's for a token no user
// is involved in, and its Act and MayAct those kept in the token's Extra
// (storage.ExtraAct, storage.ExtraMayAct).
func AccessTokens(tokens TokenFinder, issuer string) Validator {
	return &accessTokens{tokens: tokens, issuer: issuer}
}

type accessTokens struct {
	tokens TokenFinder
	issuer string
}

func (v *accessTokens) Validate(ctx context.Context, token string, now time.Time) (*Token, error) {
	t, err := v.tokens.TokenByAccess(ctx, secret.Digest(token))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("%w: unknown access token", ErrInvalidToken)
	}
	if err != nil {
		return nil, err
	}
	if !t.Active(now) {
		return nil, fmt.Errorf("%w: the access token is expired or revoked", ErrInvalidToken)
	}
	out := &Token{
		Type: TypeAccessToken, Issuer: v.issuer, Subject: t.Subject, ClientID: t.ClientID,
		Scope: t.Scope, Audience: t.Resource, ExpiresAt: t.ExpiresAt,
		Act: t.Actor(), MayAct: t.ExtraObject(storage.ExtraMayAct),
	}
	if out.Subject == "" {
		out.Subject = t.ClientID
	}
	return out, nil
}
