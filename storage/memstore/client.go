package memstore

import (
	"context"
	"slices"
	"strings"

	"github.com/grantry/grantry/storage"
)

// GetClient returns a copy of the client, as a *storage.Client, or
// storage.ErrNotFound.
func (s *Store) GetClient(_ context.Context, id string) (*storage.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.clients[id]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return c.Clone(), nil
}

// CreateClient stores a copy of c, or returns storage.ErrExists when a
// client with its ID is stored already.
func (s *Store) CreateClient(_ context.Context, c *storage.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; ok {
		return storage.ErrExists
	}
	s.clients[c.ID] = c.Clone()
	return nil
}

// UpdateClient replaces the stored client with ID c.ID by a copy of c, or
// returns storage.ErrNotFound.
func (s *Store) UpdateClient(_ context.Context, c *storage.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; !ok {
		return storage.ErrNotFound
	}
	s.clients[c.ID] = c.Clone()
	return nil
}

// DeleteClient removes the client, or returns storage.ErrNotFound. Under
// the same lock it revokes the client's tokens and their families, and
// deletes its codes, revoking their families, and the consents given to
// it, and removes it from the Clients of every session.
func (s *Store) DeleteClient(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[id]; !ok {
		return storage.ErrNotFound
	}
	delete(s.clients, id)
	s.dropOwned(owner{id: id, client: true})
	return nil
}

// ListClients returns copies of every client, ordered by ID.
func (s *Store) ListClients(_ context.Context) ([]*storage.Client, error) {
	s.mu.RLock()
	list := make([]*storage.Client, 0, len(s.clients))
	for _, c := range s.clients {
		list = append(list, c.Clone())
	}
	s.mu.RUnlock()
	slices.SortFunc(list, func(a, b *storage.Client) int { return strings.Compare(a.ID, b.ID) })
	return list, nil
}
