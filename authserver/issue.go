package authserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// AccessTokenGenerator makes access tokens. The default makes opaque
// tokens of 256 random bits after the token's ID (secret.TokenWithID); a
// JWT generator (RFC 9068) may be plugged in. Whatever the format, only
// the token's digest (secret.Digest) is stored.
type AccessTokenGenerator interface {
	// NewAccessToken returns an access token for t, whose fields are all
	// set but AccessHash and RefreshHash. t.ID is unique and suits a jti.
	NewAccessToken(ctx context.Context, t *storage.Token) (string, error)
}

type opaqueTokens struct{}

var errNoJWTGenerator = errors.New("authserver: a client's access tokens are JWTs, and Config.JWTAccessTokens is nil")

// generatorFor returns the access token generator of a client's format,
// or the server's default format when the client names none.
func (s *Server) generatorFor(c *storage.Client) (AccessTokenGenerator, error) {
	format := c.AccessTokenFormat
	if format == "" {
		format = s.cfg.AccessTokenFormat
	}
	switch format {
	case "", storage.AccessTokenOpaque:
		return s.cfg.AccessTokens, nil
	case storage.AccessTokenJWT:
		if s.cfg.JWTAccessTokens == nil {
			return nil, errNoJWTGenerator
		}
		return s.cfg.JWTAccessTokens, nil
	}
	return nil, fmt.Errorf("authserver: client %q has an unknown access token format %q", c.ID, format)
}

// NewAccessToken returns a random token that begins with the ID of t (see
// secret.TokenWithID), which orders the stores' index of access digests.
func (opaqueTokens) NewAccessToken(_ context.Context, t *storage.Token) (string, error) {
	return secret.TokenWithID(t.ID), nil
}

// Issue is what a grant asks the server to issue: an access token for
// Subject and Scope, and a refresh token beside it when Refresh is set.
type Issue struct {
	// GrantType is set by the server at the token endpoint; at the
	// authorization endpoint the grant names it (implicit).
	GrantType grantry.GrantType
	// Subject is the resource owner the tokens are for; "" for the client
	// itself.
	Subject string
	// Scope is the scope to grant.
	Scope grantry.Scope
	// FamilyID links the tokens to the grant they descend from; empty
	// starts a new family.
	FamilyID string
	// Refresh issues a refresh token beside the access token.
	Refresh bool
	// RotateFrom is the digest of the refresh token the new tokens
	// replace. The old token is revoked and the new one stored in one step
	// (storage.TokenStore.RotateRefreshToken).
	RotateFrom string
	// RotateToken is the refresh token presented, whose digest is
	// RotateFrom. With Config.RefreshGracePeriod the new response is kept
	// sealed under a key only it yields, so that it can be sent again.
	RotateToken string
	// ExpiresIn overrides the access token lifetime of the grant type.
	ExpiresIn time.Duration
	// NotAfter, when set, caps the access token's expiry, as a token
	// exchanged for another must not outlive it (RFC 8693 §2.1).
	NotAfter time.Time
	// RefreshScope is the scope of the refresh token, when it differs from
	// Scope: a refresh that narrows the access token keeps the refresh
	// token's scope (RFC 6749 §6).
	RefreshScope grantry.Scope
	// RefreshNotAfter, when set, caps the new refresh token's expiry,
	// which is otherwise the server's RefreshLifetime from now.
	RefreshNotAfter time.Time
	// Code is the authorization code the tokens are issued from, and
	// Token the token being refreshed, for the extensions to read.
	Code  *storage.AuthorizationCode
	Token *storage.Token
	// Spent tells that the request spent a one-time credential, such as an
	// authorization code: it cannot succeed if repeated, so an outage
	// while issuing is answered without Retry-After and asks the client
	// to start again.
	Spent bool
	// Extra holds values stored with the token.
	Extra map[string]string
	// Params are further parameters of the token response, such as
	// issued_token_type (RFC 8693 §2.2.1); none replaces a standard one.
	Params map[string]any
	// Resource lists the resources the access token is bound to, its
	// audience (RFC 8707), and RefreshResource those a refresh may ask for
	// when they differ. Left nil by the grant, the server sets them from
	// the request's resource parameters and what the code or token
	// presented was granted.
	Resource        []string
	RefreshResource []string
	// JKT is the thumbprint of the DPoP key the tokens are bound to
	// (RFC 9449 §6), set by the server from the request's proof.
	JKT string
}

// issue makes the tokens iss asks for, lets the extensions add to the
// response, and stores the tokens. The hooks run before anything is
// stored, so a failing hook leaves no token behind and spends no refresh
// token.
func (s *Server) issue(ctx context.Context, req *TokenRequest, iss *Issue) (*grantry.TokenResponse, error) {
	tok := s.newToken(req.Client.ID, iss, req.Time)
	resp, err := s.mint(ctx, req.Client, tok, iss.Refresh)
	if err == nil {
		for k, v := range iss.Params {
			resp.Set(k, v)
		}
		err = s.tokenResponseHooks(ctx, req, tok, resp)
	}
	if err == nil {
		err = s.storeToken(ctx, tok, iss, resp)
	}
	var ig *storage.InGraceError
	if errors.As(err, &ig) {
		return openSuccessor(iss, ig.Sealed)
	}
	if err != nil {
		return nil, spentError(err, iss.Spent)
	}
	return resp, nil
}

func (s *Server) tokenResponseHooks(ctx context.Context, req *TokenRequest, tok *storage.Token, resp *grantry.TokenResponse) error {
	for _, h := range s.exts {
		if h.TokenResponse != nil {
			if err := h.TokenResponse(ctx, req, tok, resp); err != nil {
				return err
			}
		}
	}
	return nil
}

// spentError adapts an outage met once a one-time credential is spent. The
// request cannot succeed if repeated, so the answer is still
// temporarily_unavailable, but without Retry-After (RFC 9110 §10.2.3),
// and it tells the client to start the authorization again.
func spentError(err error, spent bool) error {
	e := AsError(err)
	if !spent || e.Code != grantry.ErrTemporarilyUnavailable {
		return err
	}
	out := *e
	out.Description = "the authorization code can no longer be used; start the authorization again"
	out.Header = e.Header.Clone()
	out.Header.Del("Retry-After")
	return &out
}

// newToken makes the record of the tokens iss asks for, issued at now,
// the time the request was received.
func (s *Server) newToken(clientID string, iss *Issue, now time.Time) *storage.Token {
	lifetime := iss.ExpiresIn
	if lifetime <= 0 {
		lifetime = s.expiresIn(iss.GrantType)
	}
	t := &storage.Token{
		ID:        secret.OrderedID(now),
		FamilyID:  iss.FamilyID,
		ClientID:  clientID,
		Subject:   iss.Subject,
		GrantType: iss.GrantType,
		Scope:     iss.Scope,
		Resource:  iss.Resource,
		IssuedAt:  now,
		ExpiresAt: now.Add(lifetime),
		Extra:     iss.Extra,
		JKT:       iss.JKT,
	}
	if !iss.NotAfter.IsZero() && iss.NotAfter.Before(t.ExpiresAt) {
		t.ExpiresAt = iss.NotAfter
	}
	if t.FamilyID == "" {
		t.FamilyID = t.ID
	}
	if iss.Refresh {
		t.RefreshExpiresAt = now.Add(s.refreshLifetime())
		if !iss.RefreshNotAfter.IsZero() && iss.RefreshNotAfter.Before(t.RefreshExpiresAt) {
			t.RefreshExpiresAt = iss.RefreshNotAfter
		}
		if iss.RefreshScope != nil && !iss.RefreshScope.Equal(iss.Scope) {
			t.RefreshScope = iss.RefreshScope
		}
		if iss.RefreshResource != nil && !slices.Equal(iss.RefreshResource, iss.Resource) {
			t.RefreshResource = iss.RefreshResource
		}
	}
	return t
}

// mint makes the credentials of t, in the access token format of the
// client c, and the response; nothing is stored.
func (s *Server) mint(ctx context.Context, c *storage.Client, t *storage.Token, refresh bool) (*grantry.TokenResponse, error) {
	gen, err := s.generatorFor(c)
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	access, err := gen.NewAccessToken(ctx, t)
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	t.AccessHash = secret.Digest(access)
	tokenType := grantry.TokenTypeBearer
	if t.JKT != "" {
		tokenType = grantry.TokenTypeDPoP // RFC 9449 §5
	}
	resp := &grantry.TokenResponse{
		AccessToken: access,
		TokenType:   tokenType,
		ExpiresIn:   int64(t.ExpiresAt.Sub(t.IssuedAt) / time.Second),
		Scope:       t.Scope,
	}
	if refresh {
		resp.RefreshToken = secret.TokenWithID(t.ID)
		t.RefreshHash = secret.Digest(resp.RefreshToken)
	}
	return resp, nil
}

// storeToken stores t, rotating the refresh token it replaces, and reports
// Events.TokenIssued. A rotation within the grace period of an earlier one
// returns the store's *storage.InGraceError.
func (s *Server) storeToken(ctx context.Context, t *storage.Token, iss *Issue, resp *grantry.TokenResponse) error {
	err := s.writeToken(ctx, t, iss, resp)
	switch {
	case errors.Is(err, storage.ErrInGrace):
		return err
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

// writeToken stores t: a rotation when iss names the refresh token t
// replaces, kept with its grace period when the server allows one.
func (s *Server) writeToken(ctx context.Context, t *storage.Token, iss *Issue, resp *grantry.TokenResponse) error {
	if iss.RotateFrom == "" {
		return s.cfg.Tokens.CreateToken(ctx, t)
	}
	gr, ok := s.cfg.Tokens.(storage.GraceRotator)
	if s.cfg.RefreshGracePeriod <= 0 || !ok || iss.RotateToken == "" {
		return s.cfg.Tokens.RotateRefreshToken(ctx, iss.RotateFrom, t)
	}
	sealed, err := sealSuccessor(iss, resp)
	if err != nil {
		return grantry.ServerError(err)
	}
	g := storage.Grace{Sealed: sealed, Until: t.IssuedAt.Add(s.cfg.RefreshGracePeriod)}
	return gr.RotateRefreshTokenGrace(ctx, iss.RotateFrom, t, g)
}
