// Package refresh is the refresh token grant (RFC 6749 §6).
//
// By default every refresh rotates the refresh token: the old one is
// revoked as the new one is stored, in one step, and presenting a rotated
// refresh token again revokes its whole family (RFC 9700 §4.14.2). A
// server with a refresh grace period (authserver.Config.RefreshGracePeriod)
// answers a rotated refresh token presented again within the period, while
// its successor is unused, with the same new tokens instead. The
// scope of a refresh may only narrow, and never exceeds what the client
// may be granted now. Each refresh token lives the server's
// RefreshLifetime from its issue; with Config.KeepExpiry, from the issue
// of the first token of its grant.
package refresh

import (
	"context"
	"errors"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Config configures the grant. The zero value rotates every refresh token.
type Config struct {
	// AuthMethods are the client authentication methods accepted; nil
	// means client_secret_basic.
	AuthMethods []grantry.AuthMethod
	// KeepRefreshToken lets a confidential client keep using its refresh
	// token: a refresh issues an access token only. Public clients always
	// rotate (RFC 9700 §4.14.2).
	KeepRefreshToken bool
	// KeepExpiry gives a rotated refresh token the expiry of the one it
	// replaces, so that a grant lives the server's RefreshLifetime from
	// its first refresh token however often it is used. By default each
	// refresh token lives RefreshLifetime from its own issue, and a grant
	// in use never ends (RFC 9700 §4.14.2 asks only for expiry after
	// inactivity).
	KeepExpiry bool
}

// Grant is the refresh token grant.
type Grant struct {
	tokens storage.TokenFinder
	cfg    Config
}

// New returns the grant over the store the server issues tokens into.
func New(tokens storage.TokenFinder, cfg Config) *Grant {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic}
	}
	return &Grant{tokens: tokens, cfg: cfg}
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantRefreshToken }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// Token implements authserver.TokenGrant (RFC 6749 §6): it rotates the
// refresh token, or for a confidential client with KeepRefreshToken issues
// an access token only.
func (g *Grant) Token(ctx context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	raw := req.Get("refresh_token")
	if raw == "" {
		return nil, grantry.InvalidRequest("missing refresh_token")
	}
	tok, err := g.lookup(ctx, req, raw)
	if err != nil {
		return nil, err
	}
	grantable := grantableScope(tok, req.Client)
	if len(grantable) == 0 && len(tok.GrantedScope()) > 0 {
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "the client may no longer be granted the scope of this refresh token")
	}
	sc, err := narrowScope(req.Get("scope"), grantable)
	if err != nil {
		return nil, err
	}
	iss := &authserver.Issue{Subject: tok.Subject, Scope: sc, FamilyID: tok.FamilyID, Token: tok}
	if g.cfg.KeepRefreshToken && !req.Client.Public() && !tok.Revoked {
		return iss, nil
	}
	iss.Refresh, iss.RotateFrom, iss.RotateToken, iss.RefreshScope = true, tok.RefreshHash, raw, grantable
	if g.cfg.KeepExpiry {
		iss.RefreshNotAfter = tok.RefreshExpiresAt
	}
	return iss, nil
}

// lookup finds the refresh token of this client. A revoked one is a reuse:
// its family is revoked.
func (g *Grant) lookup(ctx context.Context, req *authserver.TokenRequest, raw string) (*storage.Token, error) {
	tok, err := g.tokens.TokenByRefresh(ctx, secret.Digest(raw))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, invalidToken()
	}
	if err != nil {
		return nil, authserver.AsError(err)
	}
	switch {
	case tok.ClientID != req.Client.ID:
		return nil, invalidToken()
	case tok.Revoked && req.Time.Before(tok.GraceUntil):
		// Rotated within a grace period: the store decides, as it
		// rotates, whether this is a retry or a reuse.
		return tok, nil
	case tok.Revoked:
		return nil, &authserver.Replay{FamilyID: tok.FamilyID, ClientID: tok.ClientID, Err: invalidToken()}
	case !tok.RefreshActive(req.Time):
		return nil, invalidToken()
	}
	return tok, nil
}

// grantableScope is the scope a refresh token still carries: what was
// granted, less what the client may no longer be granted since.
func grantableScope(tok *storage.Token, client *storage.Client) grantry.Scope {
	granted := tok.GrantedScope()
	allowed := client.Scope
	if allowed.Contains(granted) {
		return granted
	}
	return granted.Intersect(allowed)
}

// narrowScope applies the scope parameter: omitted keeps the original
// scope; otherwise it may not exceed it (RFC 6749 §6).
func narrowScope(raw string, original grantry.Scope) (grantry.Scope, error) {
	if raw == "" {
		return original, nil
	}
	sc, err := grantry.ParseScope(raw)
	if err != nil {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope is malformed")
	}
	if !original.Contains(sc) {
		return nil, grantry.NewError(grantry.ErrInvalidScope, "the scope exceeds the one originally granted")
	}
	return sc, nil
}

func invalidToken() *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidGrant, "the refresh token is invalid, expired or revoked")
}
