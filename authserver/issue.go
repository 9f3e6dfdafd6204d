package authserver

import (
	"context"
	"errors"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// AccessTokenGenerator makes access tokens. The default makes opaque
// tokens of 256 random bits; a JWT generator (RFC 9068) may be plugged in.
// Whatever the format, only the token's digest is stored.
type AccessTokenGenerator interface {
	// NewAccessToken returns an access token for t, whose fields are all
	// set but AccessHash and RefreshHash. t.ID is unique and suits a jti.
	NewAccessToken(ctx context.Context, t *storage.Token) (string, error)
}

type opaqueTokens struct{}

func (opaqueTokens) NewAccessToken(context.Context, *storage.Token) (string, error) {
	return secret.Token(), nil
}

// Issue says which tokens to issue.
type Issue struct {
	// Refresh issues a refresh token beside the access token.
	Refresh bool
	// RotateFrom is the digest of the refresh token the new tokens
	// replace. The old token is revoked and the new one stored in one step
	// (storage.TokenStore.RotateRefreshToken).
	RotateFrom string
	// ExpiresIn overrides the access token lifetime of the grant type.
	ExpiresIn time.Duration
	// RefreshScope is the scope of the refresh token, when it differs from
	// the access token's: a refresh that narrows the access token keeps the
	// refresh token's scope (RFC 6749 §6).
	RefreshScope grantry.Scope
	// RefreshNotAfter, when set, caps the new refresh token's expiry,
	// which is otherwise the server's RefreshLifetime from now.
	RefreshNotAfter time.Time
}

// IssueToken issues tokens for the request's client, subject, scope and
// family. The extensions' TokenResponder hooks run before anything is
// stored, so a failing hook leaves no token behind and spends no refresh
// token.
func (r *TokenRequest) IssueToken(ctx context.Context, opt Issue) (*grantry.TokenResponse, error) {
	tok := r.server.newToken(r.Client.ClientID(), r.GrantType, r.Subject, r.Scope, r.FamilyID, opt)
	resp, err := r.server.mint(ctx, tok, opt)
	if err != nil {
		return nil, err
	}
	for _, e := range r.exts {
		if h, ok := e.(TokenResponder); ok {
			if err := h.ProcessTokenResponse(ctx, r, tok, resp); err != nil {
				return nil, err
			}
		}
	}
	if err := r.server.storeToken(ctx, tok, opt.RotateFrom); err != nil {
		return nil, err
	}
	return resp, nil
}

func (s *Server) newToken(clientID string, gt grantry.GrantType, subject string, sc grantry.Scope, family string, opt Issue) *storage.Token {
	now := s.now()
	lifetime := opt.ExpiresIn
	if lifetime <= 0 {
		lifetime = s.ExpiresIn(gt)
	}
	t := &storage.Token{
		ID:        secret.ID(),
		FamilyID:  family,
		ClientID:  clientID,
		Subject:   subject,
		GrantType: gt,
		Scope:     sc,
		IssuedAt:  now,
		ExpiresAt: now.Add(lifetime),
	}
	if t.FamilyID == "" {
		t.FamilyID = t.ID
	}
	if opt.Refresh {
		t.RefreshExpiresAt = now.Add(s.refreshLifetime())
		if !opt.RefreshNotAfter.IsZero() && opt.RefreshNotAfter.Before(t.RefreshExpiresAt) {
			t.RefreshExpiresAt = opt.RefreshNotAfter
		}
		if opt.RefreshScope != nil && !opt.RefreshScope.Equal(sc) {
			t.RefreshScope = opt.RefreshScope
		}
	}
	return t
}

// mint makes the credentials of t and the response; nothing is stored.
func (s *Server) mint(ctx context.Context, t *storage.Token, opt Issue) (*grantry.TokenResponse, error) {
	access, err := s.cfg.AccessTokens.NewAccessToken(ctx, t)
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	t.AccessHash = secret.Digest(access)
	resp := &grantry.TokenResponse{
		AccessToken: access,
		TokenType:   grantry.TokenTypeBearer,
		ExpiresIn:   int64(t.ExpiresAt.Sub(t.IssuedAt) / time.Second),
		Scope:       t.Scope,
	}
	if opt.Refresh {
		resp.RefreshToken = secret.Token()
		t.RefreshHash = secret.Digest(resp.RefreshToken)
	}
	return resp, nil
}

// storeToken stores t, rotating the refresh token it replaces, and fires
// the TokenIssued event.
func (s *Server) storeToken(ctx context.Context, t *storage.Token, rotateFrom string) error {
	var err error
	if rotateFrom != "" {
		err = s.cfg.Tokens.RotateRefreshToken(ctx, rotateFrom, t)
	} else {
		err = s.cfg.Tokens.CreateToken(ctx, t)
	}
	switch {
	case err == nil:
		if f := s.cfg.Events.TokenIssued; f != nil {
			f(ctx, t)
		}
		return nil
	case errors.Is(err, storage.ErrRefreshReused):
		// The store revoked the family as it refused the rotation.
		if f := s.cfg.Events.FamilyRevoked; f != nil {
			f(ctx, t.FamilyID, t.ClientID)
		}
		return grantry.NewError(grantry.ErrInvalidGrant, "the refresh token is invalid")
	case errors.Is(err, storage.ErrNotFound):
		return grantry.NewError(grantry.ErrInvalidGrant, "the refresh token is invalid")
	}
	return AsError(err)
}
