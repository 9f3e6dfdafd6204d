package memstore

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/storage"
)

// accounts holds users and remembered consents. Its maps are made on first
// write, so that New needs no change.
type accounts struct {
	users    map[string]*storage.User // by ID
	byName   map[string]*storage.User // by Username
	consents map[consentKey]*storage.Consent
}

type consentKey struct{ subject, clientID string }

func (a *accounts) init() {
	if a.users == nil {
		a.users = make(map[string]*storage.User)
		a.byName = make(map[string]*storage.User)
		a.consents = make(map[consentKey]*storage.Consent)
	}
}

// CreateUser stores a copy of u, or returns storage.ErrExists when a user
// with its ID or Username is stored already. Claims.UpdatedAt is kept to
// the second.
func (s *Store) CreateUser(_ context.Context, u *storage.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts.init()
	if _, ok := s.accounts.users[u.ID]; ok {
		return storage.ErrExists
	}
	if _, ok := s.accounts.byName[u.Username]; ok {
		return storage.ErrExists
	}
	c := u.Clone()
	c.Claims.UpdatedAt = c.Claims.UpdatedAt.Truncate(time.Second)
	s.accounts.users[c.ID] = c
	s.accounts.byName[c.Username] = c
	return nil
}

// UserByName returns a copy of the user with the given Username, or
// storage.ErrNotFound.
func (s *Store) UserByName(_ context.Context, username string) (*storage.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.accounts.byName[username]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return u.Clone(), nil
}

// GetUser returns a copy of the user, or storage.ErrNotFound.
func (s *Store) GetUser(_ context.Context, id string) (*storage.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.accounts.users[id]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return u.Clone(), nil
}

// ListUsers returns copies of every user, ordered by Username.
func (s *Store) ListUsers(_ context.Context) ([]*storage.User, error) {
	s.mu.RLock()
	list := make([]*storage.User, 0, len(s.accounts.users))
	for _, u := range s.accounts.users {
		list = append(list, u.Clone())
	}
	s.mu.RUnlock()
	slices.SortFunc(list, func(a, b *storage.User) int { return strings.Compare(a.Username, b.Username) })
	return list, nil
}

// DeleteUser removes the user, or returns storage.ErrNotFound. Under the
// same lock it revokes the user's tokens and their families, and deletes
// the user's codes, revoking their families, consents and sessions.
func (s *Store) DeleteUser(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.accounts.users[id]
	if !ok {
		return storage.ErrNotFound
	}
	delete(s.accounts.users, id)
	delete(s.accounts.byName, u.Username)
	s.dropOwned(owner{id: id})
	return nil
}

// owner names the records a deleted user or client leaves behind: those
// whose Subject, or, for a client, whose ClientID, is id.
type owner struct {
	id     string
	client bool
}

func (o owner) owns(subject, clientID string) bool {
	if o.client {
		return clientID == o.id
	}
	return subject == o.id
}

// dropOwned revokes the tokens of o and their families, deletes the codes
// of o, revoking their families so that a code being redeemed stores its
// tokens revoked, and deletes the consents of o. The sessions of a user
// are deleted and their logouts queued; a client is removed from the
// Clients of every session, so that a later client of the same ID is not
// taken for it. s.mu must be held.
func (s *Store) dropOwned(o owner) {
	s.tokens.revokeWhere(func(v tokenView) bool { return o.owns(v.subject, v.clientID) })
	for hash, c := range s.codes {
		if o.owns(c.Subject, c.ClientID) {
			s.tokens.revokeFamily(c.FamilyID)
			delete(s.codes, hash)
		}
	}
	s.dropDevices(func(d *storage.DeviceAuthorization) bool { return o.owns(d.Subject, d.ClientID) })
	for k := range s.accounts.consents {
		if o.owns(k.subject, k.clientID) {
			delete(s.accounts.consents, k)
		}
	}
	if o.client {
		s.forgetSessionClient(o.id)
	} else {
		s.queueLogouts(s.dropSessions(func(sess *storage.Session) bool { return sess.Subject == o.id }))
	}
}

// SetPasswordHash replaces the user's PasswordHash, or returns
// storage.ErrNotFound.
func (s *Store) SetPasswordHash(_ context.Context, id, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.accounts.users[id]
	if !ok {
		return storage.ErrNotFound
	}
	u.PasswordHash = hash
	return nil
}

// UpdateUserClaims replaces the user's Claims with c, their UpdatedAt set
// to now, to the second; or returns storage.ErrNotFound.
func (s *Store) UpdateUserClaims(_ context.Context, id string, c storage.Claims) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.accounts.users[id]
	if !ok {
		return storage.ErrNotFound
	}
	c.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	u.Claims = c
	return nil
}

// RevokeUserGrants revokes every token issued to the user with their
// families, and deletes the user's pending authorization codes, revoking
// their families; the user, their consents and sessions stay. An unknown
// user returns storage.ErrNotFound.
func (s *Store) RevokeUserGrants(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.accounts.users[id]; !ok {
		return storage.ErrNotFound
	}
	s.tokens.revokeWhere(func(v tokenView) bool { return v.subject == id })
	for hash, c := range s.codes {
		if c.Subject == id {
			s.tokens.revokeFamily(c.FamilyID)
			delete(s.codes, hash)
		}
	}
	s.dropDevices(func(d *storage.DeviceAuthorization) bool { return d.Subject == id })
	return nil
}
