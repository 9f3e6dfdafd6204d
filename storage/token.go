package storage

import (
	"context"
	"errors"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
)

// Token is an issued access token, with the refresh token issued beside
// it, if any.
type Token struct {
	// ID identifies the record.
	ID string
	// FamilyID is shared by every token descending from one grant: the
	// authorization code, or the first token of a refresh chain. Revoking
	// a family revokes all of it.
	FamilyID  string
	ClientID  string
	Subject   string
	GrantType grantry.GrantType
	Scope     grantry.Scope
	// AccessHash is the secret.Digest of the access token.
	AccessHash string
	// RefreshHash is the secret.Digest of the refresh token, or "" when
	// none was issued.
	RefreshHash string
	// RefreshScope is the scope of the refresh token when it differs from
	// Scope, as after a refresh that narrowed the access token
	// (RFC 6749 §6); nil means Scope.
	RefreshScope grantry.Scope
	// Resource lists the resources the access token is bound to, its
	// audience (RFC 8707 §2): absolute URIs, nil when the request named
	// none.
	Resource []string
	// RefreshResource lists the resources a refresh of this token may ask
	// for when they differ from Resource, as after a token request that
	// named fewer resources than were granted; nil means Resource.
	RefreshResource []string
	IssuedAt        time.Time
	// ExpiresAt is when the access token expires.
	ExpiresAt time.Time
	// RefreshExpiresAt is when the refresh token expires; zero means never.
	RefreshExpiresAt time.Time
	// Revoked is set when the token is revoked or its refresh token was
	// rotated.
	Revoked bool
	// Extra holds values an extension stored with the token.
	Extra map[string]string
	// JKT is the JWK SHA-256 thumbprint of the DPoP key the tokens are
	// bound to (RFC 9449 §6, cnf.jkt), or "" for bearer tokens. The
	// access token is bound, and so is the refresh token of a public
	// client (§5).
	JKT string
	// Successor, SealedSuccessor and GraceUntil are set on a refresh token
	// rotated with a grace period (GraceRotator): the ID of the token it
	// was rotated to, that token's response as the server sealed it, and
	// the end of the period in which presenting the rotated refresh token
	// again is answered with that response rather than as a reuse.
	Successor       string
	SealedSuccessor string
	GraceUntil      time.Time
}

// Active reports whether the access token may be used at now.
func (t *Token) Active(now time.Time) bool { return !t.Revoked && now.Before(t.ExpiresAt) }

// GrantedScope returns the scope a refresh of this token may ask for:
// RefreshScope, or Scope when that is nil.
func (t *Token) GrantedScope() grantry.Scope {
	if t.RefreshScope != nil {
		return t.RefreshScope
	}
	return t.Scope
}

// GrantedResource returns the resources a refresh of this token may ask
// for: RefreshResource, or Resource when that is nil.
func (t *Token) GrantedResource() []string {
	if t.RefreshResource != nil {
		return t.RefreshResource
	}
	return t.Resource
}

// RefreshActive reports whether the refresh token may be used at now.
func (t *Token) RefreshActive(now time.Time) bool {
	return !t.Revoked && t.RefreshHash != "" && (t.RefreshExpiresAt.IsZero() || now.Before(t.RefreshExpiresAt))
}

// TokenFinder finds tokens by the digests of their credentials.
type TokenFinder interface {
	// TokenByAccess returns the token whose AccessHash is hash, revoked or
	// not, or ErrNotFound.
	TokenByAccess(ctx context.Context, hash string) (*Token, error)
	// TokenByRefresh returns the token whose RefreshHash is hash, revoked
	// or not, or ErrNotFound.
	TokenByRefresh(ctx context.Context, hash string) (*Token, error)
}

// FindToken finds the record of a token presented to the revocation or
// introspection endpoint, and tells whether the token is the record's
// refresh token. The hint (grantry.HintAccessToken or
// grantry.HintRefreshToken) only decides which kind is looked up first;
// when that fails the other is tried, as RFC 7009 §2.1 and RFC 7662 §2.1
// require, and any other hint is ignored. An unknown token returns
// ErrNotFound. Whether the record is active, and whose it is, is the
// caller's to check.
func FindToken(ctx context.Context, f TokenFinder, token, hint string) (tok *Token, refresh bool, err error) {
	hash := secret.Digest(token)
	refreshFirst := hint == grantry.HintRefreshToken
	for i := range 2 {
		isRefresh := refreshFirst == (i == 0)
		if isRefresh {
			tok, err = f.TokenByRefresh(ctx, hash)
		} else {
			tok, err = f.TokenByAccess(ctx, hash)
		}
		if err == nil {
			return tok, isRefresh, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, false, err
		}
	}
	return nil, false, ErrNotFound
}

// TokenStore keeps tokens.
type TokenStore interface {
	TokenFinder
	TokenWriter
	TokenRevoker
}

// TokenWriter stores issued tokens.
type TokenWriter interface {
	// CreateToken stores a new token, or returns ErrExists.
	CreateToken(ctx context.Context, t *Token) error
	// RotateRefreshToken revokes the token whose RefreshHash is oldHash and
	// stores next, in one step; next carries the old token's FamilyID. Of
	// many concurrent calls for one oldHash, exactly one succeeds. When the
	// old token was revoked already, the whole family is revoked and
	// ErrRefreshReused returned; an unknown hash returns ErrNotFound; a
	// next whose keys collide with a stored token returns ErrExists. On any
	// error nothing else changes.
	RotateRefreshToken(ctx context.Context, oldHash string, next *Token) error
}

// Grace is what a rotation with a grace period keeps on the rotated token:
// the successor's response, sealed by the server, and when the period
// ends.
type Grace struct {
	Sealed string
	Until  time.Time
}

// ErrInGrace is matched by the *InGraceError of a rotation refused
// within the grace period of an earlier one.
var ErrInGrace = errors.New("storage: refresh token rotated within its grace period")

// InGraceError is returned by RotateRefreshTokenGrace for a refresh token
// rotated already, within the grace period of that rotation: Sealed is
// the successor's response the first rotation kept.
type InGraceError struct {
	Sealed string
}

func (e *InGraceError) Error() string { return ErrInGrace.Error() }

// Is reports whether target is ErrInGrace.
func (e *InGraceError) Is(target error) bool { return target == ErrInGrace }

// GraceRotator is a TokenWriter whose rotations may keep a grace period,
// so that a client that lost the answer to a refresh, or refreshed twice
// at once, can present its old refresh token again and get the same new
// tokens (RFC 9700 §4.14.2 leaves the detection of reuse to the server).
type GraceRotator interface {
	// RotateRefreshTokenGrace is RotateRefreshToken, and also keeps on
	// the old token the ID of next and g (Successor, SealedSuccessor,
	// GraceUntil). When the old token was rotated already, its grace
	// period ends after next.IssuedAt (the time of the request) and its
	// successor is not revoked, nothing changes and an *InGraceError with
	// the kept SealedSuccessor is returned. Any other revoked old token is
	// a reuse, as for RotateRefreshToken: its family is revoked and
	// ErrRefreshReused returned.
	RotateRefreshTokenGrace(ctx context.Context, oldHash string, next *Token, g Grace) error
}

// TokenRevoker revokes tokens.
type TokenRevoker interface {
	// RevokeToken revokes one token record. An unknown id is not an error.
	RevokeToken(ctx context.Context, id string) error
	// RevokeFamily revokes every token of a family, and stays in force: a
	// token stored in the family later, by CreateToken or
	// RotateRefreshToken, is stored revoked. This closes the race of a code
	// replayed while its first exchange is still storing its tokens
	// (RFC 6749 §4.1.2). The mark may be dropped by Purge once no code or
	// token of the family remains. An empty familyID revokes nothing.
	RevokeFamily(ctx context.Context, familyID string) error
}
