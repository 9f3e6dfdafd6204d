package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

const tokenColumns = `id, family_id, client_id, subject, grant_type, scope, refresh_scope, access_hash,
	refresh_hash, issued_at, expires_at, refresh_expires_at, revoked, extra, resource, refresh_resource,
	successor_id, successor_sealed, grace_until, jkt`

// A token's access and refresh hashes are found in one of two ways (see
// migration 0019). A hash of the form its own ID, a dot and a digest, as
// secret.Digest makes of a token from secret.TokenWithID (how the server
// issues them), is found by the primary key: its first 22 characters are
// the token's ID. Any other hash is in the partial unique index on its
// column, whose predicate (ownHash) the queries repeat so that the
// database uses it. The common token thus adds no entry to the hash
// indexes.
//
// A hash is unique within its kind by the primary key and by that index.
// Across kinds, a token whose hash has the ID form with another token's ID
// in front is stored only when no token with that ID has the same hash
// (see insertGuarded). The reverse order, a token stored with the ID and
// hash of such a token stored before it, is not checked: it takes two
// tokens with one secret, one of which begins with an ID drawn after the
// other was stored.
const (
	// byRefresh selects the ID of the token whose refresh hash is $1.
	byRefresh = `SELECT id FROM tokens WHERE id = substr($1, 1, 22) AND refresh_hash = $1
		UNION ALL SELECT id FROM tokens WHERE refresh_hash = $1 AND substr(refresh_hash, 1, 23) <> id || '.'`
	tokenValues = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12`
	// insertToken stores a token revoked when its family is: a revoked
	// family stays revoked.
	insertToken = `INSERT INTO tokens (` + tokenColumns + `)
	VALUES (` + tokenValues + `, ` + revokedInFamily + `, $14, $15, $16, $17, $18, $19, $20)`
	revokedInFamily = `$13 OR EXISTS (SELECT 1 FROM revoked_families WHERE family_id = $2)`
	// insertFamilyHead stores a token that begins its own family (its
	// FamilyID is its ID), which no one can have revoked before the token
	// was made: the family is not looked up.
	insertFamilyHead = `INSERT INTO tokens (` + tokenColumns + `)
	VALUES (` + tokenValues + `, $13, $14, $15, $16, $17, $18, $19, $20)`
	// insertPlainHead is insertFamilyHead for a token with none of the
	// fields most tokens lack (see plainTokenArgs): the columns it leaves
	// out take their defaults.
	insertPlainHead = `INSERT INTO tokens (id, family_id, client_id, subject, grant_type, scope, access_hash,
	refresh_hash, issued_at, expires_at, refresh_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	// insertGuarded is insertToken for a token with a hash of the ID form
	// but another ID in front (see guarded): it stores no row when the
	// token with that ID has the same hash.
	insertGuarded = `INSERT INTO tokens (` + tokenColumns + `)
	SELECT ` + tokenValues + `, ` + revokedInFamily + `, $14, $15, $16, $17, $18, $19, $20
	WHERE NOT EXISTS (SELECT 1 FROM tokens WHERE id = substr($8, 1, 22) AND access_hash = $8)
	AND NOT EXISTS (SELECT 1 FROM tokens WHERE id = substr($9, 1, 22) AND refresh_hash = $9)`
	selectTokenByAccess = `SELECT ` + tokenColumns + ` FROM tokens WHERE id = substr($1, 1, 22) AND access_hash = $1
	UNION ALL SELECT ` + tokenColumns + ` FROM tokens WHERE access_hash = $1 AND substr(access_hash, 1, 23) <> id || '.'
	LIMIT 1`
	selectTokenByRefresh = `SELECT ` + tokenColumns + ` FROM tokens WHERE id = substr($1, 1, 22) AND refresh_hash = $1
	UNION ALL SELECT ` + tokenColumns + ` FROM tokens WHERE refresh_hash = $1 AND substr(refresh_hash, 1, 23) <> id || '.'
	LIMIT 1`
	// revokeUnrevoked is the compare-and-swap of a rotation: of
	// concurrent rotations of one refresh token, exactly one changes the
	// row. It keeps on the rotated token its successor ($2) and grace
	// period ($3, $4), NULL for a rotation without one.
	revokeUnrevoked = `UPDATE tokens SET revoked = TRUE, successor_id = $2, successor_sealed = $3, grace_until = $4
	WHERE id IN (` + byRefresh + `) AND revoked = FALSE`
	// selectInGrace finds the sealed successor of a rotated token within
	// its grace period at $2, whose successor is not revoked.
	selectInGrace = `SELECT t.successor_sealed FROM tokens t WHERE t.id IN (` + byRefresh + `) AND t.grace_until > $2
	AND EXISTS (SELECT 1 FROM tokens n WHERE n.id = t.successor_id AND n.revoked = FALSE)`
	selectFamily = `SELECT family_id FROM tokens WHERE id IN (` + byRefresh + `)`
	markFamily   = `INSERT INTO revoked_families (family_id, revoked_at) VALUES ($1, $2)
	ON CONFLICT (family_id) DO NOTHING`
	// revokeFamily finds the tokens of a family by the primary key (the
	// token that begins it) and by the index of the tokens that join a
	// family (family_id <> id, repeated so that the index serves it).
	revokeFamily = `UPDATE tokens SET revoked = TRUE WHERE revoked = FALSE AND id IN (
		SELECT id FROM tokens WHERE id = $1 AND family_id = $1
		UNION ALL SELECT id FROM tokens WHERE family_id = $1 AND family_id <> id)`
	revokeToken = `UPDATE tokens SET revoked = TRUE WHERE id = $1 AND revoked = FALSE`
)

// On PostgreSQL, a transaction that stores a token of a family holds the
// family's advisory lock shared, and RevokeFamily holds it exclusively
// while it marks the family and revokes its tokens. Under READ COMMITTED
// each statement reads what was committed when it began, so the lock is
// taken by a statement before the one that relies on it: the insert then
// sees the mark of every revocation that went before it, and the
// revocation sees every token committed before it. Taking the lock before
// any row lock keeps a rotation and a revocation from waiting on each
// other. SQLite runs one writer at a time and needs none of this.
const (
	lockFamilyShared = `SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`
	// revokeUnrevokedLocked is revokeUnrevoked taking, first, the lock of
	// the family of the next token, $5.
	revokeUnrevokedLocked = `WITH family AS (SELECT pg_advisory_xact_lock_shared(hashtextextended($5, 0)))
	UPDATE tokens SET revoked = TRUE, successor_id = $2, successor_sealed = $3, grace_until = $4
	FROM family WHERE tokens.id IN (` + byRefresh + `) AND revoked = FALSE`
	// markFamilyLocked is markFamily taking, first, the lock of the family
	// exclusively.
	markFamilyLocked = `WITH family AS (SELECT pg_advisory_xact_lock(hashtextextended($1, 0)))
	INSERT INTO revoked_families (family_id, revoked_at) SELECT $1, $2::BIGINT FROM family
	ON CONFLICT (family_id) DO NOTHING`
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
	resource, err := encodeList(t.Resource)
	if err != nil {
		return nil, err
	}
	var refreshResource sql.NullString
	if t.RefreshResource != nil {
		if refreshResource.String, err = encodeList(t.RefreshResource); err != nil {
			return nil, err
		}
		refreshResource.Valid = true
	}
	return []any{t.ID, t.FamilyID, t.ClientID, t.Subject, string(t.GrantType), scope, refreshScope,
		t.AccessHash, nullString(t.RefreshHash), micros(t.IssuedAt), micros(t.ExpiresAt),
		nullMicros(t.RefreshExpiresAt), t.Revoked, extra, resource, refreshResource,
		nullString(t.Successor), nullString(t.SealedSuccessor), nullMicros(t.GraceUntil), nullString(t.JKT)}, nil
}

// isPlain reports whether every column that insertPlainHead leaves out
// would hold its default for t, as it does for most tokens (those of the
// client credentials grant, and of a code without resources or DPoP):
// fewer arguments to bind and convert at every insert.
func isPlain(t *storage.Token) bool {
	return !t.Revoked && t.RefreshScope == nil && len(t.Extra) == 0 && len(t.Resource) == 0 &&
		t.RefreshResource == nil && t.Successor == "" && t.SealedSuccessor == "" &&
		t.GraceUntil.IsZero() && t.JKT == ""
}

// plainTokenArgs returns the arguments of insertPlainHead for t, which
// isPlain.
func plainTokenArgs(t *storage.Token) ([]any, error) {
	scope, err := encodeScope(t.Scope)
	if err != nil {
		return nil, err
	}
	return []any{t.ID, t.FamilyID, t.ClientID, t.Subject, string(t.GrantType), scope, t.AccessHash,
		nullString(t.RefreshHash), micros(t.IssuedAt), micros(t.ExpiresAt), nullMicros(t.RefreshExpiresAt)}, nil
}

// CreateToken stores t, or returns storage.ErrExists when a stored token
// has the same ID, access hash or (non-empty) refresh hash. A token of a
// revoked family is stored revoked. On PostgreSQL the insert of a token
// that joins a family begun before it, as the tokens of a code do, is a
// transaction that holds the family's lock. A token that begins its own
// family (FamilyID is its ID) needs none, nor a look at the revoked
// families: no one can revoke a family whose only token is not stored
// yet. On SQLite the insert joins the group commit of the store (see
// write).
func (s *Store) CreateToken(ctx context.Context, t *storage.Token) error {
	head, guard := t.FamilyID == t.ID, guarded(t)
	if s.d == SQLite && head && !guard && isPlain(t) {
		args, err := plainTokenArgs(t)
		if err != nil {
			return err
		}
		return wrap("create token", s.write(ctx, func(ctx context.Context, b *batchTx) error {
			return inserted(b.exec(ctx, insertPlainHead, args...))
		}))
	}
	args, err := tokenArgs(t)
	if err != nil {
		return err
	}
	if s.usesBatch() {
		return s.pgCreateToken(ctx, t, args)
	}
	query := insertQuery(head, guard)
	if s.d == Postgres && t.FamilyID != "" && !head {
		err = s.inTx(ctx, func(q querier) (error, error) {
			if _, err := q.ExecContext(ctx, lockFamilyShared, t.FamilyID); err != nil {
				return nil, err
			}
			return nil, inserted(q.ExecContext(ctx, query, args...))
		})
	} else if s.d == SQLite {
		err = s.write(ctx, func(ctx context.Context, b *batchTx) error {
			return inserted(b.exec(ctx, query, args...))
		})
	} else {
		err = retry(ctx, func() error { return inserted(s.db.ExecContext(ctx, query, args...)) })
	}
	return wrap("create token", err)
}

// insertQuery returns the insert of a token: of one that begins its own
// family (head) or not, and whose hashes call for insertGuarded or not.
func insertQuery(head, guard bool) string {
	switch {
	case guard:
		return insertGuarded
	case head:
		return insertFamilyHead
	}
	return insertToken
}

// errTaken is the error of an insert that stored no row: a key is taken.
var errTaken = errors.New("sqlstore: token keys taken")

// inserted returns the error of an insert, or errTaken when it stored no
// row, as insertGuarded does when it finds a hash taken.
func inserted(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, errTaken)
	}
	return nil
}

// hashIDChars is the length of the ID in front of a hash of the ID form
// (see secret.TokenWithID).
const hashIDChars = 22

// ownHash reports whether h is of the ID form with id in front: it is then
// found by the primary key, and is in no hash index.
func ownHash(id, h string) bool {
	return len(id) == hashIDChars && len(h) > hashIDChars && h[hashIDChars] == '.' && h[:hashIDChars] == id
}

// guarded reports whether a hash of t could be of the ID form with another
// token's ID in front: t is then stored by insertGuarded. A hash without
// a dot never is.
func guarded(t *storage.Token) bool {
	other := func(h string) bool { return strings.IndexByte(h, '.') >= 0 && !ownHash(t.ID, h) }
	return other(t.AccessHash) || other(t.RefreshHash)
}

// TokenByAccess returns the token whose AccessHash is hash, revoked or
// not, or storage.ErrNotFound.
func (s *Store) TokenByAccess(ctx context.Context, hash string) (*storage.Token, error) {
	t, err := scanToken(s.queryRow(ctx, selectTokenByAccess, hash))
	return t, wrap("read token", err)
}

// TokenByRefresh returns the token whose RefreshHash is hash, revoked or
// not, or storage.ErrNotFound. The empty hash is never found.
func (s *Store) TokenByRefresh(ctx context.Context, hash string) (*storage.Token, error) {
	if hash == "" {
		return nil, storage.ErrNotFound
	}
	t, err := scanToken(s.queryRow(ctx, selectTokenByRefresh, hash))
	return t, wrap("read token", err)
}

// RotateRefreshToken revokes the token whose RefreshHash is oldHash and
// stores next, in one transaction whose conditional UPDATE decides the one
// winner among concurrent rotations. When the old token was revoked
// already, the transaction changes nothing; the family is then revoked by
// RevokeFamily and storage.ErrRefreshReused returned (RFC 9700 §4.14.2).
// An unknown oldHash returns storage.ErrNotFound; a next whose keys are
// taken returns storage.ErrExists, and the old token stays as it was. next
// is stored revoked when its family is revoked.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, next *storage.Token) error {
	return s.rotate(ctx, oldHash, next, nil)
}

// RotateRefreshTokenGrace is RotateRefreshToken keeping g and the ID of
// next on the old token. A refresh token rotated already, within the
// grace period of that rotation, and whose successor is not revoked, is
// refused with a *storage.InGraceError and nothing changes.
func (s *Store) RotateRefreshTokenGrace(ctx context.Context, oldHash string, next *storage.Token, g storage.Grace) error {
	return s.rotate(ctx, oldHash, next, &g)
}

// rotation is the outcome of a rotation transaction that changed nothing.
type rotation struct {
	family string // of a reused token
	sealed string // of a token within its grace period
	reused bool
	grace  bool
}

func (s *Store) rotate(ctx context.Context, oldHash string, next *storage.Token, g *storage.Grace) error {
	if oldHash == "" {
		return storage.ErrNotFound
	}
	args, err := tokenArgs(next)
	if err != nil {
		return err
	}
	var out rotation
	err = s.inTx(ctx, func(q querier) (error, error) {
		out = rotation{}
		return nil, s.rotateTx(ctx, q, oldHash, next, g, args, &out)
	})
	switch {
	case err != nil:
		return wrap("rotate refresh token", err)
	case out.grace:
		return &storage.InGraceError{Sealed: out.sealed}
	case out.reused:
		if err := s.RevokeFamily(ctx, out.family); err != nil {
			return err
		}
		return storage.ErrRefreshReused
	}
	return nil
}

// rotateTx is the transaction of a rotation: the compare-and-swap of the
// old token, then either the insert of next or, when the old token was
// revoked before or is unknown (sql.ErrNoRows), the reading of what to
// answer.
func (s *Store) rotateTx(ctx context.Context, q querier, oldHash string, next *storage.Token, g *storage.Grace, args []any, out *rotation) error {
	casArgs := []any{oldHash, sql.NullString{}, sql.NullString{}, sql.NullInt64{}}
	if g != nil {
		casArgs = []any{oldHash, next.ID, g.Sealed, micros(g.Until)}
	}
	casQuery := revokeUnrevoked
	if s.d == Postgres {
		casQuery, casArgs = revokeUnrevokedLocked, append(casArgs, next.FamilyID)
	}
	res, err := q.ExecContext(ctx, casQuery, casArgs...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		if err == nil {
			err = inserted(q.ExecContext(ctx, insertQuery(false, guarded(next)), args...))
		}
		return err
	}
	if g != nil {
		err := q.QueryRowContext(ctx, selectInGrace, oldHash, micros(next.IssuedAt)).Scan(&out.sealed)
		if err == nil {
			out.grace = true
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	out.reused = true
	return q.QueryRowContext(ctx, selectFamily, oldHash).Scan(&out.family)
}

// RevokeToken revokes the token with the given ID. An unknown ID is not an
// error.
func (s *Store) RevokeToken(ctx context.Context, id string) error {
	err := retry(ctx, func() error {
		_, err := s.exec(ctx, revokeToken, id)
		return err
	})
	return wrap("revoke token", err)
}

// RevokeFamily revokes every token whose FamilyID is familyID, now and
// later: in one transaction, it records the family as revoked, so that a
// token stored in it later is stored revoked, and revokes its tokens. On
// PostgreSQL the transaction holds the family's lock exclusively. An
// unknown family is not an error, and the empty family ID names no family.
func (s *Store) RevokeFamily(ctx context.Context, familyID string) error {
	if familyID == "" {
		return nil
	}
	mark := markFamily
	if s.d == Postgres {
		mark = markFamilyLocked
	}
	err := s.inTx(ctx, func(q querier) (error, error) {
		if _, err := q.ExecContext(ctx, mark, familyID, micros(time.Now())); err != nil {
			return nil, err
		}
		_, err := q.ExecContext(ctx, revokeFamily, familyID)
		return nil, err
	})
	return wrap("revoke family", err)
}

func scanToken(row *sql.Row) (*storage.Token, error) {
	var (
		t                         storage.Token
		grantType, scope          string
		refreshScope, refreshHash sql.NullString
		extra, refreshResource    sql.NullString
		resource                  string
		issuedAt, expiresAt       int64
		refreshExpiresAt          sql.NullInt64
		successor, sealed, jkt    sql.NullString
		graceUntil                sql.NullInt64
	)
	err := row.Scan(&t.ID, &t.FamilyID, &t.ClientID, &t.Subject, &grantType, &scope, &refreshScope,
		&t.AccessHash, &refreshHash, &issuedAt, &expiresAt, &refreshExpiresAt, &t.Revoked, &extra,
		&resource, &refreshResource, &successor, &sealed, &graceUntil, &jkt)
	if err != nil {
		return nil, err
	}
	if t.Extra, err = decodeExtra(extra); err != nil {
		return nil, err
	}
	if t.Resource, err = decodeList[string](resource); err != nil {
		return nil, err
	}
	if refreshResource.Valid {
		if t.RefreshResource, err = decodeList[string](refreshResource.String); err != nil {
			return nil, err
		}
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
	t.Successor, t.SealedSuccessor = successor.String, sealed.String
	t.GraceUntil = fromNullMicros(graceUntil)
	t.JKT = jkt.String
	return &t, nil
}
