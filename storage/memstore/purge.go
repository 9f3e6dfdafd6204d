package memstore

import (
	"context"
	"time"

	"github.com/grantry/grantry/storage"
)

// Purge removes the codes that expired before the given time, and the
// tokens whose access token expired before it and whose refresh token is
// absent or expired before it too (a zero RefreshExpiresAt never expires).
// Used codes and revoked tokens that have not expired are kept, as they
// are what replay and reuse are detected by. Sessions, pushed requests and
// device authorizations that expired before the given time are removed
// too, and so are the JWT IDs of the replay cache that expired before it
// and the sealed successor of a rotated refresh token whose grace period
// ended before it. It returns how many records were removed.
func (s *Store) Purge(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for hash, c := range s.codes {
		if c.ExpiresAt.Before(before) {
			delete(s.codes, hash)
			n++
		}
	}
	n += s.tokens.purge(before)
	n += s.purgeSessions(before)
	n += s.purgePushed(before)
	n += s.replays.purge(before)
	n += s.purgeDevices(before)
	s.dropRevokedFamilies()
	return n, nil
}

// dropRevokedFamilies forgets the revocation of families that no code or
// token belongs to any more: nothing can be stored in them again.
func (s *Store) dropRevokedFamilies() {
	live := make(map[string]bool, len(s.codes))
	for _, c := range s.codes {
		live[c.FamilyID] = true
	}
	for f := range s.tokens.revoked {
		if !live[f] && !s.tokens.hasFamily(f) {
			delete(s.tokens.revoked, f)
		}
	}
}

// purge removes the tokens that expired before the given time, forgets
// the sealed successors whose grace period ended before it, and returns
// how many tokens it removed.
func (x *tokenIndex) purge(before time.Time) int {
	n := 0
	b, packed := packTime(before)
	x.recs.all(func(i uint32, r *tokenRec) {
		full := x.full[i]
		var expired bool
		switch {
		case full != nil:
			expired = tokenExpired(full, before)
		case packed:
			expired = r.expired(b)
		default:
			expired = tokenExpired(x.token(i), before)
		}
		switch {
		case expired:
			x.remove(i)
			n++
		case full != nil && !full.GraceUntil.IsZero() && full.GraceUntil.Before(before):
			full.SealedSuccessor = "" // its grace period is over
		}
	})
	return n
}

// tokenExpired reports whether neither the access token nor the refresh
// token of t can be used at or after before.
func tokenExpired(t *storage.Token, before time.Time) bool {
	if !t.ExpiresAt.Before(before) {
		return false
	}
	if t.RefreshHash == "" {
		return true
	}
	return !t.RefreshExpiresAt.IsZero() && t.RefreshExpiresAt.Before(before)
}
