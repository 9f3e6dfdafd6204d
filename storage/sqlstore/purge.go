package sqlstore

import (
	"context"
	"time"
)

const (
	purgeCodes    = `DELETE FROM authorization_codes WHERE expires_at < $1`
	purgeSessions = `DELETE FROM sessions WHERE expires_at < $1`
	purgeJTIs     = `DELETE FROM jti_replays WHERE expires_at < $1`
	// purgeTokens removes the tokens whose access token expired and whose
	// refresh token is absent or expired too; a NULL refresh expiry never
	// expires.
	purgeTokens = `DELETE FROM tokens WHERE expires_at < $1
	AND (refresh_hash IS NULL OR refresh_expires_at < $1)`
	// dropSealed forgets the sealed successors of rotated refresh tokens
	// whose grace period is over: they may no longer be sent again.
	dropSealed = `UPDATE tokens SET successor_sealed = NULL WHERE grace_until < $1 AND successor_sealed IS NOT NULL`
	// purgeFamilies forgets the revocation of families that nothing
	// belongs to any more: nothing can be stored in them again. The
	// predicates of the partial family indexes are repeated so that
	// SQLite uses them (a family ID is never empty).
	purgeFamilies = `DELETE FROM revoked_families
	WHERE NOT EXISTS (SELECT 1 FROM tokens t WHERE t.id = revoked_families.family_id AND t.family_id = t.id)
	AND NOT EXISTS (SELECT 1 FROM tokens t WHERE t.family_id = revoked_families.family_id AND t.family_id <> t.id)
	AND NOT EXISTS (SELECT 1 FROM authorization_codes c WHERE c.family_id = revoked_families.family_id
		AND c.family_id <> '')`
)

// Purge removes, in one transaction, the codes that expired before the
// given time and the tokens whose access token expired before it and whose
// refresh token is absent or expired before it too. Used codes and revoked
// tokens that have not expired are kept: they are what replay and reuse
// are detected by. The marks of revoked families that no code or token
// belongs to any more are dropped too, and so are the sessions, the
// pushed authorization requests, the device authorizations and the JWT
// IDs of the replay cache that expired before the given time, and the
// sealed successors of rotated refresh tokens whose grace period ended
// before it. It returns how many records were removed.
func (s *Store) Purge(ctx context.Context, before time.Time) (int, error) {
	var removed int64
	err := s.inTx(ctx, func(q querier) (error, error) {
		removed = 0
		for _, stmt := range []string{purgeCodes, purgeTokens, purgeSessions, purgePushed, purgeJTIs, purgeDevices} {
			res, err := q.ExecContext(ctx, stmt, micros(before))
			if err != nil {
				return nil, err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return nil, err
			}
			removed += n
		}
		if _, err := q.ExecContext(ctx, dropSealed, micros(before)); err != nil {
			return nil, err
		}
		_, err := q.ExecContext(ctx, purgeFamilies)
		return nil, err
	})
	if err != nil {
		return 0, wrap("purge", err)
	}
	return int(removed), nil
}
