package memstore

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/grantry/grantry/storage"
)

// tokenIndex holds the stored tokens (see tokenindex.go) under every key
// they are found by. All maps hold slots of recs.
type tokenIndex struct {
	recs      slab
	strs      interner
	byID      map[idKey]uint32
	byAccess  map[digestKey]uint32
	byRefresh map[digestKey]uint32
	// byFamily holds the first token of each family; the others are
	// linked from it.
	byFamily map[idKey]uint32
	// full holds the copies of the tokens that their records cannot hold
	// whole, by slot.
	full map[uint32]*storage.Token
	// revoked holds the families revoked so far: a token stored in one of
	// them later is stored revoked.
	revoked map[string]struct{}
}

func newTokenIndex() tokenIndex {
	return tokenIndex{
		strs:      newInterner(),
		byID:      make(map[idKey]uint32),
		byAccess:  make(map[digestKey]uint32),
		byRefresh: make(map[digestKey]uint32),
		byFamily:  make(map[idKey]uint32),
		full:      make(map[uint32]*storage.Token),
		revoked:   make(map[string]struct{}),
	}
}

// conflicts reports whether a token of keys k shares its ID, access hash
// or refresh hash with a stored token.
func (x *tokenIndex) conflicts(k *tokenKeys) bool {
	if _, ok := x.byID[k.id]; ok {
		return true
	}
	if _, ok := x.byAccess[k.access.digest]; ok {
		return true
	}
	if !k.hasRefresh {
		return false
	}
	_, ok := x.byRefresh[k.refresh.digest]
	return ok
}

// add stores t, of keys k, under all its keys and returns its slot.
func (x *tokenIndex) add(t *storage.Token, k *tokenKeys) uint32 {
	i := x.recs.alloc()
	r := x.recs.at(i)
	if !x.record(r, t, k) {
		r.flags |= recFull
		x.full[i] = cloneToken(t)
	}
	if _, dead := x.revoked[t.FamilyID]; dead && t.FamilyID != "" {
		r.flags |= recRevoked
	}
	if r.has(recFamily) {
		x.link(i, r) // before byID holds r: its family may be its own ID
	}
	x.byID[r.id] = i
	x.byAccess[r.access] = i
	if r.has(recRefresh) {
		x.byRefresh[r.refresh] = i
	}
	return i
}

// remove deletes the token of slot i from every index.
func (x *tokenIndex) remove(i uint32) {
	r := x.recs.at(i)
	delete(x.byID, r.id)
	delete(x.byAccess, r.access)
	if r.has(recRefresh) {
		delete(x.byRefresh, r.refresh)
	}
	if r.has(recListed) {
		x.unlink(r)
	}
	x.strs.release(r.client)
	x.strs.release(r.subject)
	x.strs.release(r.grantType)
	x.strs.release(r.scope)
	delete(x.full, i)
	x.recs.release(i)
}

// revokeFamily revokes every token of the family, now and later. The empty
// family ID names no family.
func (x *tokenIndex) revokeFamily(familyID string) {
	if familyID == "" {
		return
	}
	x.revoked[familyID] = struct{}{}
	k, _ := idKeyOf(familyID)
	for i := x.familyHead(k); i != 0; {
		r := x.recs.at(i)
		r.flags |= recRevoked
		i = r.famNext
	}
}

// hasFamily reports whether a stored token belongs to the family.
func (x *tokenIndex) hasFamily(familyID string) bool {
	k, _ := idKeyOf(familyID)
	return x.familyHead(k) != 0
}

// A family is listed in byFamily from its first token on, but for a
// family whose first token has the family's ID as its own, as every token
// a grant issues without a code or an earlier token does: that token is
// found by byID, and the family listed only when a second token joins it.
// Most tokens are thus in two maps, not three.

// familyHead returns the slot of the first token of family k, 0 for none.
func (x *tokenIndex) familyHead(k idKey) uint32 {
	if i, ok := x.byFamily[k]; ok {
		return i
	}
	if i, ok := x.byID[k]; ok {
		if r := x.recs.at(i); r.has(recFamily) && !r.has(recListed) && r.family == k {
			return i
		}
	}
	return 0
}

// link adds the record r of slot i to its family.
func (x *tokenIndex) link(i uint32, r *tokenRec) {
	head := x.familyHead(r.family)
	if head == 0 && r.family == r.id {
		return // the first token of its own family
	}
	if head != 0 {
		h := x.recs.at(head)
		h.flags |= recListed
		h.famPrev = i
		r.famNext = head
	}
	r.flags |= recListed
	x.byFamily[r.family] = i
}

// unlink removes the listed record r from its family.
func (x *tokenIndex) unlink(r *tokenRec) {
	switch {
	case r.famPrev != 0:
		x.recs.at(r.famPrev).famNext = r.famNext
	case r.famNext != 0:
		x.byFamily[r.family] = r.famNext
	default:
		delete(x.byFamily, r.family)
	}
	if r.famNext != 0 {
		x.recs.at(r.famNext).famPrev = r.famPrev
	}
}

// promote makes the record of slot i keep a full copy of its token, which
// may then be changed in x.full.
func (x *tokenIndex) promote(i uint32) *storage.Token {
	r := x.recs.at(i)
	if !r.has(recFull) {
		x.full[i] = x.token(i)
		r.flags |= recFull
	}
	return x.full[i]
}

// CreateToken stores a copy of t, or returns storage.ErrExists when a
// stored token has the same ID, access hash or (non-empty) refresh hash.
func (s *Store) CreateToken(_ context.Context, t *storage.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keysOf(t)
	if s.tokens.conflicts(&k) {
		return storage.ErrExists
	}
	s.tokens.add(t, &k)
	return nil
}

// TokenByAccess returns a copy of the token whose AccessHash is hash,
// revoked or not, or storage.ErrNotFound.
func (s *Store) TokenByAccess(_ context.Context, hash string) (*storage.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := hashKeyOf(hash)
	i, ok := s.tokens.byAccess[k.digest]
	if !ok || !s.tokens.holdsAccess(i, hash, &k) {
		return nil, storage.ErrNotFound
	}
	return s.tokens.token(i), nil
}

// TokenByRefresh returns a copy of the token whose RefreshHash is hash,
// revoked or not, or storage.ErrNotFound. The empty hash is never found.
func (s *Store) TokenByRefresh(_ context.Context, hash string) (*storage.Token, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if hash == "" {
		return nil, storage.ErrNotFound
	}
	k := hashKeyOf(hash)
	i, ok := s.tokens.byRefresh[k.digest]
	if !ok || !s.tokens.holdsRefresh(i, hash, &k) {
		return nil, storage.ErrNotFound
	}
	return s.tokens.token(i), nil
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
	k := hashKeyOf(oldHash)
	i, ok := s.tokens.byRefresh[k.digest]
	if !ok || oldHash == "" || !s.tokens.holdsRefresh(i, oldHash, &k) {
		return storage.ErrNotFound
	}
	old := s.tokens.recs.at(i)
	revoked := old.has(recRevoked)
	nk := keysOf(next)
	switch {
	case revoked && g != nil && s.tokens.inGrace(i, next.IssuedAt):
		return &storage.InGraceError{Sealed: s.tokens.full[i].SealedSuccessor}
	case revoked:
		s.tokens.revokeFamily(s.tokens.familyID(i))
		return storage.ErrRefreshReused
	case s.tokens.conflicts(&nk):
		return storage.ErrExists
	}
	old.flags |= recRevoked
	if g != nil {
		t := s.tokens.promote(i)
		t.Successor, t.SealedSuccessor, t.GraceUntil = next.ID, g.Sealed, g.Until
	}
	s.tokens.add(next, &nk)
	return nil
}

// inGrace reports whether the rotated token of slot i is within the grace
// period of its rotation at now, with its successor not revoked.
func (x *tokenIndex) inGrace(i uint32, now time.Time) bool {
	old := x.full[i]
	if old == nil || old.Successor == "" || !now.Before(old.GraceUntil) {
		return false
	}
	k, _ := idKeyOf(old.Successor)
	succ, ok := x.byID[k]
	return ok && !x.recs.at(succ).has(recRevoked)
}

// RevokeToken revokes the token with the given ID. An unknown ID is not an
// error.
func (s *Store) RevokeToken(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, _ := idKeyOf(id)
	if i, ok := s.tokens.byID[k]; ok {
		s.tokens.recs.at(i).flags |= recRevoked
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

// revokeWhere revokes the tokens for which f is true, and their families.
func (x *tokenIndex) revokeWhere(f func(tokenView) bool) {
	x.recs.all(func(i uint32, r *tokenRec) {
		if f(x.view(i)) {
			x.revokeFamily(x.familyID(i))
			r.flags |= recRevoked
		}
	})
}
