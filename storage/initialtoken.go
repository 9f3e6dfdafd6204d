package storage

import (
	"context"
	"time"
)

// InitialAccessToken lets its holder register clients at a protected
// client registration endpoint (RFC 7591 §3). Only its digest is stored.
type InitialAccessToken struct {
	// ID names the token for listing and revoking; it is not a
	// credential.
	ID string
	// Hash is the secret.Digest of the token: the key it is found by.
	Hash string
	// Description says whom the token was given to.
	Description string
	CreatedAt   time.Time
	// ExpiresAt is when the token stops working; zero for never.
	ExpiresAt time.Time
}

// Valid reports whether the token works at now.
func (t *InitialAccessToken) Valid(now time.Time) bool {
	return t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)
}

// InitialAccessTokenStore keeps initial access tokens.
type InitialAccessTokenStore interface {
	// CreateInitialAccessToken stores a new token, or returns ErrExists
	// when a token with its ID or Hash is stored already.
	CreateInitialAccessToken(ctx context.Context, t *InitialAccessToken) error
	// InitialAccessTokenByHash returns the token whose Hash is hash,
	// expired or not, or ErrNotFound.
	InitialAccessTokenByHash(ctx context.Context, hash string) (*InitialAccessToken, error)
	// ListInitialAccessTokens returns every token, ordered by CreatedAt
	// and then by ID.
	ListInitialAccessTokens(ctx context.Context) ([]*InitialAccessToken, error)
	// DeleteInitialAccessToken removes a token, or returns ErrNotFound.
	DeleteInitialAccessToken(ctx context.Context, id string) error
}
