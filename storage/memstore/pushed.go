package memstore

import (
	"context"
	"maps"
	"time"

	"github.com/grantry/grantry/storage"
)

var _ storage.PushedRequestStore = (*Store)(nil)

// SavePushedRequest stores a copy of req, or returns storage.ErrExists
// when a request with its hash is stored already.
func (s *Store) SavePushedRequest(_ context.Context, req *storage.PushedRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pushed == nil {
		s.pushed = make(map[string]*storage.PushedRequest)
	}
	if _, ok := s.pushed[req.Hash]; ok {
		return storage.ErrExists
	}
	s.pushed[req.Hash] = clonePushed(req)
	return nil
}

// ConsumePushedRequest removes the request and returns it, or returns
// storage.ErrNotFound when it is unknown, used or expired at now.
func (s *Store) ConsumePushedRequest(_ context.Context, hash string, now time.Time) (*storage.PushedRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pushed[hash]
	if !ok {
		return nil, storage.ErrNotFound
	}
	delete(s.pushed, hash)
	if p.Expired(now) {
		return nil, storage.ErrNotFound
	}
	return p, nil
}

// purgePushed removes the pushed requests expired before the given time;
// the caller holds the lock.
func (s *Store) purgePushed(before time.Time) int {
	n := 0
	for hash, p := range s.pushed {
		if p.ExpiresAt.Before(before) {
			delete(s.pushed, hash)
			n++
		}
	}
	return n
}

func clonePushed(p *storage.PushedRequest) *storage.PushedRequest {
	d := *p
	d.Params = maps.Clone(p.Params)
	return &d
}
