package memstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/grantry/grantry/storage"
)

// CreateAuthorizationCode stores a copy of code, or returns
// storage.ErrExists when a code with its hash is stored already.
func (s *Store) CreateAuthorizationCode(_ context.Context, code *storage.AuthorizationCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.codes[code.Hash]; ok {
		return storage.ErrExists
	}
	s.codes[code.Hash] = cloneCode(code)
	return nil
}

// ConsumeAuthorizationCode marks the code used at now and returns a copy of
// it. The record is kept, so that a second call returns it with
// storage.ErrCodeUsed and the caller can revoke what the code issued. An
// unknown hash, or the code of another client than clientID, returns
// storage.ErrNotFound. Expiry is not checked.
func (s *Store) ConsumeAuthorizationCode(_ context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[hash]
	if !ok || c.ClientID != clientID {
		return nil, storage.ErrNotFound
	}
	if !c.UsedAt.IsZero() {
		return cloneCode(c), storage.ErrCodeUsed
	}
	c.UsedAt = now
	return cloneCode(c), nil
}

// cloneCode returns a deep copy of c.
func cloneCode(c *storage.AuthorizationCode) *storage.AuthorizationCode {
	d := *c
	d.Scope = slices.Clone(c.Scope)
	d.Resource = slices.Clone(c.Resource)
	d.Extra = maps.Clone(c.Extra)
	return &d
}
