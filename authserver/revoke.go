package authserver

import (
	"context"
	"errors"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// FindToken finds the stored record of a token presented to the revocation
// or introspection endpoint, and tells whether the token is the record's
// refresh token. The hint (grantry.HintAccessToken or
// grantry.HintRefreshToken) only decides which kind is looked up first;
// when that fails the other is tried, as RFC 7009 §2.1 and RFC 7662 §2.1
// require, and any other hint is ignored. An unknown token returns
// storage.ErrNotFound. Whether the record is active, and whose it is, is
// the caller's to check.
func (s *Server) FindToken(ctx context.Context, token, hint string) (tok *storage.Token, refresh bool, err error) {
	hash := secret.Digest(token)
	refreshFirst := hint == grantry.HintRefreshToken
	for i := range 2 {
		isRefresh := refreshFirst == (i == 0)
		if isRefresh {
			tok, err = s.cfg.Tokens.TokenByRefresh(ctx, hash)
		} else {
			tok, err = s.cfg.Tokens.TokenByAccess(ctx, hash)
		}
		if err == nil {
			return tok, isRefresh, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, false, err
		}
	}
	return nil, false, storage.ErrNotFound
}

// RevokeToken revokes a stored token and then calls Events.TokenRevoked.
// With family, every token of tok.FamilyID is revoked: RFC 7009 §2.1 asks
// that revoking a refresh token revoke the access tokens issued with it,
// and in the family are both the refresh token's own record and every
// token issued from the same grant. Without family only tok's record is
// revoked, which holds the access token and the refresh token issued with
// it (RFC 7009 §2.1 allows revoking that refresh token too). A token
// without a family is revoked alone either way. On success tok.Revoked is
// set.
func (s *Server) RevokeToken(ctx context.Context, tok *storage.Token, family bool) error {
	family = family && tok.FamilyID != ""
	var err error
	if family {
		err = s.cfg.Tokens.RevokeFamily(ctx, tok.FamilyID)
	} else {
		err = s.cfg.Tokens.RevokeToken(ctx, tok.ID)
	}
	if err != nil {
		return err
	}
	tok.Revoked = true
	if f := s.cfg.Events.TokenRevoked; f != nil {
		f(ctx, tok, family)
	}
	return nil
}

// RevokeFamily revokes every token of a family, now and later (see
// storage.TokenStore.RevokeFamily), and then calls Events.FamilyRevoked.
// Grants call it when they detect a replayed code or a reused refresh
// token.
func (s *Server) RevokeFamily(ctx context.Context, familyID, clientID string) error {
	if err := s.cfg.Tokens.RevokeFamily(ctx, familyID); err != nil {
		return err
	}
	if f := s.cfg.Events.FamilyRevoked; f != nil && familyID != "" {
		f(ctx, familyID, clientID)
	}
	return nil
}
