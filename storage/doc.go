// Package storage is the persistence contract of the authorization server:
// small interfaces, one per aggregate, whose operations are atomic domain
// steps (ConsumeAuthorizationCode, RotateRefreshToken, RevokeFamily), and the
// records they hold.
//
// Tokens and codes are never stored in the clear: records carry the SHA-256
// digest of each credential (see [secret.Digest]), so a copy of the store yields no
// usable credential. Client secrets are stored as hashes too.
//
// Backends live in sub-packages (memstore, sqlstore, redisstore) and all
// pass the conformance suite of package storagetest. An application with
// its own database implements the same interfaces over its own tables.
package storage

import (
	"errors"
)

// Errors returned by every backend. Backends wrap other failures so that
// errors.Is(err, ErrUnavailable) holds when the store cannot be reached.
var (
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("storage: not found")
	// ErrExists: a record with the same key exists already.
	ErrExists = errors.New("storage: already exists")
	// ErrCodeUsed: the authorization code was consumed before. The code
	// record is returned with it, so that the caller can revoke what it
	// issued (RFC 6749 §4.1.2).
	ErrCodeUsed = errors.New("storage: authorization code already used")
	// ErrRefreshReused: the refresh token was rotated or revoked before;
	// its whole family has been revoked (RFC 9700 §4.14.2).
	ErrRefreshReused = errors.New("storage: refresh token reused")
	// ErrUnavailable: the store cannot be reached now.
	ErrUnavailable = errors.New("storage: unavailable")
)
