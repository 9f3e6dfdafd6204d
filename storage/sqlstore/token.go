package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

const tokenColumns = `id, family_id, client_id, subject, grant_type, scope, refresh_scope, access_hash,
	refresh_hash, issued_at, expires_at, refresh_expires_at, revoked, extra`

const (
	// insertToken stores a token revoked when its family is: a revoked
	// family stays revoked.
	insertToken = `INSERT INTO tokens (` + tokenColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
		$13 OR EXISTS (SELECT 1 FROM revoked_families WHERE family_id = $2), $14)`
	selectTokenByAccess  = `SELECT ` + tokenColumns + ` FROM tokens WHERE access_hash = $1`
	selectTokenByRefresh = `SELECT ` + tokenColumns + ` FROM tokens WHERE refresh_hash = $1`
	// revokeUnrevoked is the compare-and-swap of a rotation: of
	// concurrent rotations of one refresh token, exactly one changes the
	// row.
	revokeUnrevoked = `UPDATE tokens SET revoked = TRUE WHERE refresh_hash = $1 AND revoked = FALSE`
	selectFamily    = `SELECT family_id FROM tokens WHERE refresh_hash = $1`
	markFamily      = `INSERT INTO revoked_families (family_id, revoked_at) VALUES ($1, $2)
	ON CONFLICT (family_id) DO NOTHING`
	revokeFamily = `UPDATE tokens SET revoked = TRUE WHERE family_id = $1 AND revoked = FALSE`
	revokeToken  = `UPDATE tokens SET revoked = TRUE WHERE id = $1 AND revoked = FALSE`
	// revokeIfFamilyRevoked revokes a token stored while its family was
	// being revoked; see enforceRevokedFamily.
	revokeIfFamilyRevoked = `UPDATE tokens SET revoked = TRUE WHERE id = $1 AND revoked = FALSE
	AND EXISTS (SELECT 1 FROM revoked_families WHERE family_id = $2)`
)

// tokenArgs returns the arguments of insertToken for t.
func tokenArgs(t *storage.Token) ([]any, error) {
	scope, err := encodeScope(t.Scope)
	if err != nil {
		return nil, err
	}
	var refreshScope sql.NullString
	if t.RefreshScope != nil {
		if refreshScope.String, err = encodeScope(t.RefreshScope); err != nil {
			return nil, err
		}
		refreshScope.Valid = true
	}
	extra, err := encodeExtra(t.Extra)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.FamilyID, t.ClientID, t.Subject, string(t.GrantType), scope, refreshScope,
		t.AccessHash, nullString(t.RefreshHash), micros(t.IssuedAt), micros(t.ExpiresAt),
		nullMicros(t.RefreshExpiresAt), t.Revoked, extra}, nil
}

// CreateToken stores t, or returns storage.ErrExists when a stored token
// has the same ID, access hash or (non-empty) refresh hash. A token of a
// revoked family is stored revoked.
func (s *Store) CreateToken(ctx context.Context, t *storage.Token) error {
	args, err := tokenArgs(t)
	if err != nil {
		return err
	}
	err = retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertToken, args...)
		return err
	})
	if err != nil {
		return wrap("create token", err)
	}
	return s.enforceRevokedFamily(ctx, t)
}

// enforceRevokedFamily closes, on PostgreSQL, the race of a token stored
// while its family is revoked: RevokeFamily commits the family's mark
// before it revokes the family's tokens, so a token whose insert did not
// see the mark either was committed in time to be revoked with the family,
// or sees the mark here, after its own commit. SQLite runs one writer at a
// time, and the insert alone decides.
func (s *Store) enforceRevokedFamily(ctx context.Context, t *storage.Token) error {
	if s.d != Postgres || t.FamilyID == "" || t.Revoked {
		return nil
	}
	_, err := s.db.ExecContext(ctx, revokeIfFamilyRevoked, t.ID, t.FamilyID)
	return wrap("check revoked family", err)
}

// TokenByAccess returns the token whose AccessHash is hash, revoked or
// not, or storage.ErrNotFound.
func (s *Store) TokenByAccess(ctx context.Context, hash string) (*storage.Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, selectTokenByAccess, hash))
	return t, wrap("read token", err)
}

// TokenByRefresh returns the token whose RefreshHash is hash, revoked or
// not, or storage.ErrNotFound. The empty hash is never found.
func (s *Store) TokenByRefresh(ctx context.Context, hash string) (*storage.Token, error) {
	if hash == "" {
		return nil, storage.ErrNotFound
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, selectTokenByRefresh, hash))
	return t, wrap("read token", err)
}

// RotateRefreshToken revokes the token whose RefreshHash is oldHash and
// stores next, in one transaction whose conditional UPDATE decides the one
// winner among concurrent rotations. When the old token was revoked
// already, its family is revoked and storage.ErrRefreshReused returned
// (RFC 9700 §4.14.2). An unknown oldHash returns storage.ErrNotFound; a
// next whose keys are taken returns storage.ErrExists, and the old token
// stays as it was. next is stored revoked when its family is revoked.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	if oldHash == "" {
		return storage.ErrNotFound
	}
	args, err := tokenArgs(next)
	if err != nil {
		return err
	}
	var (
		family string
		reused bool
	)
	err = s.inTx(ctx, func(q querier) (error, error) {
		res, err := q.ExecContext(ctx, revokeUnrevoked, oldHash)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			if err == nil {
				_, err = q.ExecContext(ctx, insertToken, args...)
			}
			return nil, err
		}
		// Revoked before, or unknown (sql.ErrNoRows).
		reused = true
		return nil, q.QueryRowContext(ctx, selectFamily, oldHash).Scan(&family)
	})
	switch {
	case err != nil:
		return wrap("rotate refresh token", err)
	case reused:
		if err := s.RevokeFamily(ctx, family); err != nil {
			return err
		}
		return storage.ErrRefreshReused
	}
	return s.enforceRevokedFamily(ctx, next)
}

// RevokeToken revokes the token with the given ID. An unknown ID is not an
// error.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	err := retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, revokeToken, id)
		return err
	})
	return wrap("revoke token", err)
}

// RevokeFamily revokes every token whose FamilyID is familyID, now and
// later: it records the family as revoked, then revokes its tokens, so
// that a token stored meanwhile is caught by one or the other. An unknown
// family is not an error, and the empty family ID names no family. After a
// failure the family may be marked and its tokens not yet revoked: calling
// again completes it.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	if familyID == "" {
		return nil
	}
	for _, stmt := range []struct {
		op, query string
		args      []any
	}{
		{"mark revoked family", markFamily, []any{familyID, micros(time.Now())}},
		{"revoke family", revokeFamily, []any{familyID}},
	} {
		err := retry(ctx, func() error {
			_, err := s.db.ExecContext(ctx, stmt.query, stmt.args...)
			return err
		})
		if err != nil {
			return wrap(stmt.op, err)
		}
	}
	return nil
}

func scanToken(row *sql.Row) (*storage.Token, error) {
	var (
		t                         storage.Token
		grantType, scope          string
		refreshScope, refreshHash sql.NullString
		extra                     sql.NullString
		issuedAt, expiresAt       int64
		refreshExpiresAt          sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.Subject, &grantType, &scope, &refreshScope,
		&t.AccessHash, &refreshHash, &issuedAt, &expiresAt, &refreshExpiresAt, &t.Revoked, &extra)
	if err != nil {
		return nil, err
	}
	if t.Extra, err = decodeExtra(extra); err != nil {
		return nil, err
	}
	t.GrantType = grantry.GrantType(grantType)
	t.Scope = decodeScope(scope)
	if refreshScope.Valid {
		t.RefreshScope = decodeScope(refreshScope.String)
		if t.RefreshScope == nil {
			t.RefreshScope = grantry.Scope{} // present but empty, unlike nil
		}
	}
	t.RefreshHash = refreshHash.String
	t.IssuedAt = fromMicros(issuedAt)
	t.ExpiresAt = fromMicros(expiresAt)
	t.RefreshExpiresAt = fromNullMicros(refreshExpiresAt)
	return &t, nil
}
