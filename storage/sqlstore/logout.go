package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/storage"
)

const (
	insertLogout = `INSERT INTO pending_logouts (session_id, subject, clients, created_at, claimed_until)
	VALUES ($1, $2, $3, $4, 0) ON CONFLICT (session_id) DO NOTHING`
	// claimLogouts claims the oldest unclaimed logouts. On PostgreSQL
	// FOR UPDATE SKIP LOCKED is inserted (claimLock), so that concurrent
	// claims take different rows without waiting; a row another claim
	// committed meanwhile is checked again, and skipped. SQLite's
	// IMMEDIATE transaction holds the write lock already.
	claimLogouts = `UPDATE pending_logouts SET claimed_until = $1
	WHERE session_id IN (SELECT session_id FROM pending_logouts WHERE claimed_until <= $2
		ORDER BY created_at, session_id LIMIT $3%s)
	RETURNING session_id, subject, clients, created_at`
	claimLock      = ` FOR UPDATE SKIP LOCKED`
	completeLogout = `DELETE FROM pending_logouts WHERE session_id = $1`
)

// queueLogouts queues, inside the transaction of q, the logout of each
// ended session that signed in to a client.
func queueLogouts(ctx context.Context, q querier, ended []*storage.Session) error {
	now := micros(time.Now())
	for _, sess := range ended {
		if len(sess.Clients) == 0 {
			continue
		}
		clients, err := encodeList(sess.Clients)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, insertLogout, sess.ID, sess.Subject, clients, now); err != nil {
			return err
		}
	}
	return nil
}

// ClaimLogouts returns up to limit pending logouts not claimed at now,
// oldest first, and claims them until now+lease, in one transaction.
func (s *Store) ClaimLogouts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*storage.PendingLogout, error) {
	if limit <= 0 {
		return nil, nil
	}
	lock := ""
	if s.d == Postgres {
		lock = claimLock
	}
	query := strings.Replace(claimLogouts, "%s", lock, 1)
	var list []*storage.PendingLogout
	err := s.inTx(ctx, func(q querier) (error, error) {
		list = nil
		rows, err := q.QueryContext(ctx, query, micros(now.Add(lease)), micros(now), limit)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var l storage.PendingLogout
			var clients string
			var created int64
			if err := rows.Scan(&l.SessionID, &l.Subject, &clients, &created); err != nil {
				return nil, err
			}
			l.CreatedAt = fromMicros(created)
			if l.Clients, err = decodeList[string](clients); err != nil {
				return nil, err
			}
			list = append(list, &l)
		}
		return nil, rows.Err()
	})
	if err != nil {
		return nil, wrap("claim logouts", err)
	}
	slices.SortFunc(list, func(a, b *storage.PendingLogout) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.SessionID, b.SessionID))
	})
	return list, nil
}

// CompleteLogout removes the pending logout of session sid, if any.
func (s *Store) CompleteLogout(ctx context.Context, sid string) error {
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, completeLogout, sid)
		return wrap("complete logout", err)
	})
}
