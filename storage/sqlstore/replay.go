package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// recordJTI inserts a JWT ID, or takes over the row of one that expired
// before $3, in one statement: of concurrent callers exactly one changes
// a row. A row left unchanged is a live ID seen before.
const recordJTI = `INSERT INTO jti_replays (digest, expires_at) VALUES ($1, $2)
	ON CONFLICT (digest) DO UPDATE SET expires_at = excluded.expires_at
	WHERE jti_replays.expires_at < $3`

// SeenJTI implements storage.ReplayCache with one atomic insert-or-
// conflict. The ID is kept as its SHA-256 digest until exp, by Store.Now,
// and deleted by Purge after that.
func (s *Store) SeenJTI(ctx context.Context, jti string, exp time.Time) (seen bool, err error) {
	now := s.clock()
	err = retry(ctx, func() error {
		res, err := s.db.ExecContext(ctx, recordJTI, jtiDigest(jti), micros(exp), micros(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		seen = n == 0
		return err
	})
	if err != nil {
		return false, wrap("record jti", err)
	}
	return seen, nil
}

func (s *Store) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// jtiDigest is the key of a JWT ID: its SHA-256 digest, base64url-encoded.
func jtiDigest(jti string) string {
	sum := sha256.Sum256([]byte(jti))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
