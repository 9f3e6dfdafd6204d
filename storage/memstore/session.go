package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/storage"
)

// sessionIndex holds the sign-in sessions by ID and by Hash; both maps
// point at the same private records. Its maps are made on first write.
type sessionIndex struct {
	byID   map[string]*storage.Session
	byHash map[string]*storage.Session
}

func (x *sessionIndex) init() {
	if x.byID == nil {
		x.byID = make(map[string]*storage.Session)
		x.byHash = make(map[string]*storage.Session)
	}
}

func (x *sessionIndex) remove(s *storage.Session) {
	delete(x.byID, s.ID)
	delete(x.byHash, s.Hash)
}

// CreateSession stores a copy of sess, or returns storage.ErrExists when a
// session with its ID or Hash is stored already.
func (s *Store) CreateSession(_ context.Context, sess *storage.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions.init()
	_, id := s.sessions.byID[sess.ID]
	_, hash := s.sessions.byHash[sess.Hash]
	if id || hash {
		return storage.ErrExists
	}
	c := sess.Clone()
	s.sessions.byID[c.ID] = c
	s.sessions.byHash[c.Hash] = c
	return nil
}

// SessionByHash returns a copy of the session whose Hash is hash, expired
// or not, or storage.ErrNotFound.
func (s *Store) SessionByHash(_ context.Context, hash string) (*storage.Session, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess, ok := s.sessions.byHash[hash]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return sess.Clone(), nil
}

// AddSessionClient appends clientID to the session's Clients unless it is
// there already, or returns storage.ErrNotFound.
func (s *Store) AddSessionClient(_ context.Context, id, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions.byID[id]
	if !ok {
		return storage.ErrNotFound
	}
	if !slices.Contains(sess.Clients, clientID) {
		sess.Clients = append(sess.Clients, clientID)
	}
	return nil
}

// ListSessions returns copies of the sessions of subject, or of all when
// subject is "", newest first.
func (s *Store) ListSessions(_ context.Context, subject string) ([]*storage.Session, error) {
	s.mu.RLock()
	var list []*storage.Session
	for _, sess := range s.sessions.byID {
		if subject == "" || sess.Subject == subject {
			list = append(list, sess.Clone())
		}
	}
	s.mu.RUnlock()
	sortSessions(list)
	return list, nil
}

// sortSessions orders sessions newest first, then by ID.
func sortSessions(list []*storage.Session) {
	slices.SortFunc(list, func(a, b *storage.Session) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
}

// DeleteSession removes the session and returns it, queueing its
// logout when it signed in to a client, or returns storage.ErrNotFound.
func (s *Store) DeleteSession(_ context.Context, id string) (*storage.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions.byID[id]
	if !ok {
		return nil, storage.ErrNotFound
	}
	s.sessions.remove(sess)
	s.queueLogouts([]*storage.Session{sess})
	return sess, nil
}

// DeleteUserSessions removes the sessions of subject, queueing the logouts
// of those that signed in to a client, and returns them, newest first.
func (s *Store) DeleteUserSessions(_ context.Context, subject string) ([]*storage.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.dropSessions(func(sess *storage.Session) bool { return sess.Subject == subject })
	sortSessions(list)
	s.queueLogouts(list)
	return list, nil
}

// dropSessions removes the sessions for which drop reports true and
// returns them. s.mu must be held.
func (s *Store) dropSessions(drop func(*storage.Session) bool) []*storage.Session {
	var list []*storage.Session
	for _, sess := range s.sessions.byID {
		if drop(sess) {
			s.sessions.remove(sess)
			list = append(list, sess)
		}
	}
	return list
}

// purgeSessions removes the sessions expired before the given time and
// returns how many. s.mu must be held.
func (s *Store) purgeSessions(before time.Time) int {
	return len(s.dropSessions(func(sess *storage.Session) bool { return sess.ExpiresAt.Before(before) }))
}

// forgetSessionClient removes clientID from the Clients of every session.
// s.mu must be held.
func (s *Store) forgetSessionClient(clientID string) {
	for _, sess := range s.sessions.byID {
		sess.Clients = slices.DeleteFunc(sess.Clients, func(c string) bool { return c == clientID })
	}
}
