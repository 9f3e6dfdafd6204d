package storage

import (
	"context"
	"time"
)

// PushedRequest is an authorization request a client pushed to the
// server (RFC 9126 §2), kept until its request_uri is used once at the
// authorization endpoint or expires (RFC 9126 §4).
type PushedRequest struct {
	// Hash is the secret.Digest of the request_uri; the URI itself is
	// never stored.
	Hash string
	// ClientID is the client that pushed the request: only it may use
	// the request_uri.
	ClientID string
	// Params are the parameters of the authorization request.
	Params map[string]string
	// Signed tells that Params came from a request object whose
	// signature was verified with the client's keys (RFC 9101).
	Signed    bool
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Expired reports whether the request has expired at now.
func (p *PushedRequest) Expired(now time.Time) bool { return !now.Before(p.ExpiresAt) }

// PushedRequestStore keeps pushed authorization requests.
type PushedRequestStore interface {
	// SavePushedRequest stores a new request, or returns ErrExists when
	// one with its Hash is stored already.
	SavePushedRequest(ctx context.Context, req *PushedRequest) error
	// ConsumePushedRequest removes the request and returns it. Of many
	// concurrent calls for one hash, exactly one succeeds; the others,
	// and every later call, get ErrNotFound, as does a request expired
	// at now (which is removed too). now must not be zero.
	ConsumePushedRequest(ctx context.Context, hash string, now time.Time) (*PushedRequest, error)
}
