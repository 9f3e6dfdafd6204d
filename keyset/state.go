package keyset

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grantry/grantry/storage"
)

// KeyState is what a stored signing key is at a given time.
type KeyState string

// The states of a stored key, in the order a key goes through them.
const (
	// StateNext is a key published ahead of its activation.
	StateNext KeyState = "next"
	// StateActive is the key that signs for its algorithm.
	StateActive KeyState = "active"
	// StateRetired is a key that signs no more but stays published until
	// every token it signed has expired.
	StateRetired KeyState = "retired"
	// StateExpired is a key no longer published, which Purge deletes.
	StateExpired KeyState = "expired"
)

// KeyInfo describes a stored signing key without its private key: its
// times are those of storage.SigningKey.
type KeyInfo struct {
	ID         string
	Algorithm  Algorithm
	State      KeyState
	CreatedAt  time.Time
	ActivateAt time.Time
	RetiredAt  time.Time
	ExpiresAt  time.Time
}

// List describes the stored keys at the current time, ordered as the
// store lists them. It changes nothing: a key superseded by a newer key
// of its algorithm is retired, though its retirement is stored only by
// the next Load. It opens every key, so it returns an error wrapping
// ErrSealed when the key-encryption key is not the one they were sealed
// with.
func (m *Manager) List(ctx context.Context) ([]KeyInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, _, err := m.list(ctx)
	if err != nil {
		return nil, err
	}
	now := m.now()
	out := make([]KeyInfo, len(recs))
	for i, r := range recs {
		out[i] = KeyInfo{ID: r.ID, Algorithm: Algorithm(r.Algorithm), State: state(recs, r, now),
			CreatedAt: r.CreatedAt, ActivateAt: r.ActivateAt, RetiredAt: r.RetiredAt, ExpiresAt: r.ExpiresAt}
	}
	return out, nil
}

// state returns the state of r, one of recs, at now.
func state(recs []*storage.SigningKey, r *storage.SigningKey, now time.Time) KeyState {
	switch {
	case !r.ExpiresAt.IsZero() && !now.Before(r.ExpiresAt):
		return StateExpired
	case current(recs, Algorithm(r.Algorithm), now) == r:
		return StateActive
	case r.ActivateAt.After(now) && (r.RetiredAt.IsZero() || r.RetiredAt.After(now)):
		return StateNext
	}
	return StateRetired
}

// Purge deletes the stored keys whose ExpiresAt has passed, which no
// longer verify any token, and returns how many it deleted. A key another
// process deleted first is not counted.
func (m *Manager) Purge(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("keyset: listing signing keys: %w", err)
	}
	now, n := m.now(), 0
	for _, r := range recs {
		if r.ExpiresAt.IsZero() || now.Before(r.ExpiresAt) {
			continue
		}
		err := m.store.DeleteSigningKey(ctx, r.ID)
		switch {
		case err == nil:
			n++
		case !errors.Is(err, storage.ErrNotFound):
			return n, fmt.Errorf("keyset: deleting expired signing key %q: %w", r.ID, err)
		}
	}
	return n, nil
}
