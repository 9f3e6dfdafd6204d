package storage

import (
	"context"
	"slices"
	"time"
)

// Session is a browser's sign-in at the authorization server. The browser
// holds a random token in a cookie; the store keeps only its digest, so a
// copy of the store signs no one in, and deleting the record ends the
// session wherever the cookie was copied to.
type Session struct {
	// ID is a random public identifier of the session, the OpenID Connect
	// sid claim. It is not the cookie's token and signs no one in.
	ID string
	// Hash is the digest of the cookie's token, made by secret.Digest.
	Hash string
	// Subject is the ID of the user signed in.
	Subject string
	// AuthTime is when the user authenticated (OpenID Connect auth_time).
	AuthTime time.Time
	// ACR and AMR say how the user authenticated (OpenID Connect acr and
	// amr); empty when not known.
	ACR string
	AMR []string
	// CreatedAt is when the record was stored; ExpiresAt is when the
	// session ends however it is used.
	CreatedAt time.Time
	ExpiresAt time.Time
	// Clients are the IDs of the clients the session signed in to, in the
	// order of their first sign-in, without duplicates: those to notify
	// when the session ends (OpenID Connect Back-Channel Logout).
	Clients []string
}

// Clone returns a deep copy of s.
func (s *Session) Clone() *Session {
	d := *s
	d.AMR = slices.Clone(s.AMR)
	d.Clients = slices.Clone(s.Clients)
	return &d
}

// SessionStore keeps the sign-in sessions of browsers. Every process of a
// server sharing one store sees the same sessions. Records passed in and
// returned are copies: changing one changes nothing stored.
//
// A store does not decide expiry when it returns a session: the caller
// compares ExpiresAt with its own clock. Expired sessions are deleted by
// the store's Purger, with the codes and tokens.
type SessionStore interface {
	// CreateSession stores a new session, or returns ErrExists when a
	// session with the same ID or Hash is stored already, and changes
	// nothing.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session whose Hash is hash, expired or
	// not, or ErrNotFound.
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	// AddSessionClient appends clientID to the Clients of the session
	// unless it is there already, or returns ErrNotFound when there is no
	// session id. Concurrent calls each add their client.
	AddSessionClient(ctx context.Context, id, clientID string) error
	// ListSessions returns the sessions of subject, or of every user when
	// subject is "", newest CreatedAt first and, for equal times, by ID
	// byte by byte. Expired sessions not yet purged are listed too.
	ListSessions(ctx context.Context, subject string) ([]*Session, error)
	// DeleteSession removes the session and returns it as it was, with
	// its Clients, or returns ErrNotFound.
	DeleteSession(ctx context.Context, id string) (*Session, error)
	// DeleteUserSessions removes every session of subject and returns
	// them as ListSessions orders them; none is not an error.
	DeleteUserSessions(ctx context.Context, subject string) ([]*Session, error)
}
