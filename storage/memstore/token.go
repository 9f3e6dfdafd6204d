package memstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/grantry/grantry/storage"
)

// tokenIndex holds the stored tokens under every key they are found by.
// All maps point at the same private records.
type tokenIndex struct {
	byID      map[string]*storage.Token
	byAccess  map[string]*storage.Token
	byRefresh map[string]*storage.Token
	// byFamily maps a non-empty FamilyID to its tokens, by ID.
	byFamily map[string]map[string]*storage.Token
	// revoked holds the families revoked so far: a token stored in one of
	// them later is stored revoked.
	revoked map[string]struct{}
}

func newTokenIndex() tokenIndex {
	return tokenIndex{
		byID:      make(map[string]*storage.Token),
		byAccess:  make(map[string]*storage.Token),
		byRefresh: make(map[string]*storage.Token),
		byFamily:  make(map[string]map[string]*storage.Token),
		revoked:   make(map[string]struct{}),
	}
}

// conflicts reports whether t shares its ID, access hash or refresh hash
// with a stored token.
func (x *tokenIndex) conflicts(t *storage.Token) bool {
	_, id := x.byID[t.ID]
	_, access := x.byAccess[t.AccessHash]
	_, refresh := x.byRefresh[t.RefreshHash]
	return id || access || (t.RefreshHash != "" && refresh)
}

// add stores a copy of t under all its keys.
func (x *tokenIndex) add(t *storage.Token) {
	t = cloneToken(t)
	if _, dead := x.revoked[t.FamilyID]; dead {
		t.Revoked = true
	}
	x.byID[t.ID] = t
	x.byAccess[t.AccessHash] = t
	if t.RefreshHash != "" {
		x.byRefresh[t.RefreshHash] = t
	}
	if t.FamilyID != "" {
		fam := x.byFamily[t.FamilyID]
		if fam == nil {
			fam = make(map[string]*storage.Token)
			x.byFamily[t.FamilyID] = fam
		}
		fam[t.ID] = t
	}
}

// remove deletes t from every index.
func (x *tokenIndex) remove(t *storage.Token) {
	delete(x.byID, t.ID)
	delete(x.byAccess, t.AccessHash)
	if t.RefreshHash != "" {
		delete(x.byRefresh, t.RefreshHash)
	}
	if fam := x.byFamily[t.FamilyID]; fam != nil {
		delete(fam, t.ID)
		if len(fam) == 0 {
			delete(x.byFamily, t.FamilyID)
		}
	}
}

// revokeFamily revokes every token of the family, now and later. The empty
// family ID names no family.
func (x *tokenIndex) revokeFamily(familyID string) {
	if familyID == "" {
		return
	}
	x.revoked[familyID] = struct{}{}
	for _, t := range x.byFamily[familyID] {
		t.Revoked = true
	}
}

// CreateToken stores a copy of t, or returns storage.ErrExists when a
// stored token has the same ID, access hash or (non-empty) refresh hash.
func (s *Store) CreateToken(_ context.Context, t *storage.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens.conflicts(t) {
		return storage.ErrExists
	}
	s.tokens.add(t)
	return nil
}

// TokenByAccess returns a copy of the token whose AccessHash is hash,
// revoked or not, or storage.ErrNotFound.
func (s *Store) TokenByAccess(_ context.Context, hash string) (*storage.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens.byAccess[hash]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return cloneToken(t), nil
}

// TokenByRefresh returns a copy of the token whose RefreshHash is hash,
// revoked or not, or storage.ErrNotFound. The empty hash is never found.
func (s *Store) TokenByRefresh(_ context.Context, hash string) (*storage.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tokens.byRefresh[hash]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return cloneToken(t), nil
}

// RotateRefreshToken revokes the token whose RefreshHash is oldHash and
// stores a copy of next, under one lock. An unknown oldHash returns
// storage.ErrNotFound. When the old token was revoked already, its family
// is revoked and storage.ErrRefreshReused returned (RFC 9700 §4.14.2).
// When next conflicts with a stored token, storage.ErrExists is returned
// and nothing changes. In every failure next is not stored.
func (s *Store) RotateRefreshToken(_ context.Context, oldHash string, next *storage.Token) error {
	return s.rotate(oldHash, next, nil)
}

// RotateRefreshTokenGrace is RotateRefreshToken keeping g and the ID of
// next on the old token. A refresh token rotated already, within the
// grace period of that rotation, and whose successor is not revoked, is
// refused with a *storage.InGraceError and nothing changes.
func (s *Store) RotateRefreshTokenGrace(_ context.Context, oldHash string, next *storage.Token, g storage.Grace) error {
	return s.rotate(oldHash, next, &g)
}

func (s *Store) rotate(oldHash string, next *storage.Token, g *storage.Grace) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.tokens.byRefresh[oldHash]
	switch {
	case !ok:
		return storage.ErrNotFound
	case old.Revoked && g != nil && s.tokens.inGrace(old, next.IssuedAt):
		return &storage.InGraceError{Sealed: old.SealedSuccessor}
	case old.Revoked:
		s.tokens.revokeFamily(old.FamilyID)
		return storage.ErrRefreshReused
	case s.tokens.conflicts(next):
		return storage.ErrExists
	}
	old.Revoked = true
	if g != nil {
		old.Successor, old.SealedSuccessor, old.GraceUntil = next.ID, g.Sealed, g.Until
	}
	s.tokens.add(next)
	return nil
}

// inGrace reports whether the rotated token old is within the grace
// period of its rotation at now, with its successor not revoked.
func (x *tokenIndex) inGrace(old *storage.Token, now time.Time) bool {
	if old.Successor == "" || !now.Before(old.GraceUntil) {
		return false
	}
	succ, ok := x.byID[old.Successor]
	return ok && !succ.Revoked
}

// RevokeToken revokes the token with the given ID. An unknown ID is not an
// error.
func (s *Store) RevokeToken(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tokens.byID[id]; ok {
		t.Revoked = true
	}
	return nil
}

// RevokeFamily revokes every token whose FamilyID is familyID. An unknown
// family is not an error, and the empty family ID names no family: tokens
// stored without a FamilyID are revoked one by one with RevokeToken.
func (s *Store) RevokeFamily(_ context.Context, familyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.revokeFamily(familyID)
	return nil
}

// cloneToken returns a deep copy of t.
func cloneToken(t *storage.Token) *storage.Token {
	d := *t
	d.Scope = slices.Clone(t.Scope)
	d.RefreshScope = slices.Clone(t.RefreshScope)
	d.Resource = slices.Clone(t.Resource)
	d.RefreshResource = slices.Clone(t.RefreshResource)
	d.Extra = maps.Clone(t.Extra)
	return &d
}
