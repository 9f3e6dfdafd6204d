package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/grantry/grantry/storage"
)

// CreateInitialAccessToken implements storage.InitialAccessTokenStore.
func (s *Store) CreateInitialAccessToken(_ context.Context, t *storage.InitialAccessToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.initialTokens {
		if have.ID == t.ID || have.Hash == t.Hash {
			return storage.ErrExists
		}
	}
	if s.initialTokens == nil {
		s.initialTokens = make(map[string]*storage.InitialAccessToken)
	}
	c := *t
	s.initialTokens[t.ID] = &c
	return nil
}

// InitialAccessTokenByHash implements storage.InitialAccessTokenStore.
func (s *Store) InitialAccessTokenByHash(_ context.Context, hash string) (*storage.InitialAccessToken, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.initialTokens {
		if t.Hash == hash {
			c := *t
			return &c, nil
		}
	}
	return nil, storage.ErrNotFound
}

// ListInitialAccessTokens implements storage.InitialAccessTokenStore.
func (s *Store) ListInitialAccessTokens(context.Context) ([]*storage.InitialAccessToken, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := make([]*storage.InitialAccessToken, 0, len(s.initialTokens))
	for _, t := range s.initialTokens {
		c := *t
		list = append(list, &c)
	}
	slices.SortFunc(list, func(a, b *storage.InitialAccessToken) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// DeleteInitialAccessToken implements storage.InitialAccessTokenStore.
func (s *Store) DeleteInitialAccessToken(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.initialTokens[id]; !ok {
		return storage.ErrNotFound
	}
	delete(s.initialTokens, id)
	return nil
}
