package memstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/storage"
)

// pendingLogout is a queued logout and the end of its claim.
type pendingLogout struct {
	rec          *storage.PendingLogout
	claimedUntil time.Time
}

// queueLogouts queues a logout for each ended session that signed in to a
// client. s.mu must be held.
func (s *Store) queueLogouts(ended []*storage.Session) {
	now := time.Now()
	for _, sess := range ended {
		if len(sess.Clients) == 0 {
			continue
		}
		if s.logouts == nil {
			s.logouts = make(map[string]*pendingLogout)
		}
		if _, ok := s.logouts[sess.ID]; ok {
			continue
		}
		s.logouts[sess.ID] = &pendingLogout{rec: &storage.PendingLogout{
			SessionID: sess.ID, Subject: sess.Subject, Clients: slices.Clone(sess.Clients), CreatedAt: now,
		}}
	}
}

// ClaimLogouts returns copies of up to limit pending logouts not claimed
// at now, oldest first, and claims them until now+lease.
func (s *Store) ClaimLogouts(_ context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.PendingLogout, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var free []*pendingLogout
	for _, p := range s.logouts {
		if !p.claimedUntil.After(now) {
			free = append(free, p)
		}
	}
	slices.SortFunc(free, func(a, b *pendingLogout) int {
		return cmp.Or(a.rec.CreatedAt.Compare(b.rec.CreatedAt), strings.Compare(a.rec.SessionID, b.rec.SessionID))
	})
	var list []*storage.PendingLogout
	for _, p := range free[:min(max(limit, 0), len(free))] {
		p.claimedUntil = now.Add(lease)
		list = append(list, p.rec.Clone())
	}
	return list, nil
}

// CompleteLogout removes the pending logout of session sid, if any.
func (s *Store) CompleteLogout(_ context.Context, sid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.logouts, sid)
	return nil
}
