package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/grantry/grantry/storage"
)

// CreateSigningKey stores a copy of k, or returns storage.ErrExists when a
// key with its ID is stored already.
func (s *Store) CreateSigningKey(_ context.Context, k *storage.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return storage.ErrExists
	}
	s.keys[k.ID] = k.Clone()
	return nil
}

// ListSigningKeys returns copies of every key, ordered by CreatedAt and ID.
func (s *Store) ListSigningKeys(_ context.Context) ([]*storage.SigningKey, error) {
	s.mu.RLock()
	list := make([]*storage.SigningKey, 0, len(s.keys))
	for _, k := range s.keys {
		list = append(list, k.Clone())
	}
	s.mu.RUnlock()
	slices.SortFunc(list, func(a, b *storage.SigningKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// UpdateSigningKey replaces the key with ID k.ID by a copy of k, or
// returns storage.ErrNotFound.
func (s *Store) UpdateSigningKey(_ context.Context, k *storage.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; !ok {
		return storage.ErrNotFound
	}
	s.keys[k.ID] = k.Clone()
	return nil
}

// DeleteSigningKey removes the key with the given ID, or returns
// storage.ErrNotFound.
func (s *Store) DeleteSigningKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return storage.ErrNotFound
	}
	delete(s.keys, id)
	return nil
}
