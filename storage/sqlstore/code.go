package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/grantry/grantry/storage"
)

const codeColumns = `hash, family_id, client_id, redirect_uri, scope, subject, auth_time, nonce,
	code_challenge, code_challenge_method, extra, created_at, expires_at, used_at, resource`

const (
	insertCode = `INSERT INTO authorization_codes (` + codeColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	// consumeCode marks an unused code used and returns it, in one
	// statement: of concurrent consumers exactly one updates the row.
	consumeCode = `UPDATE authorization_codes SET used_at = $1
	WHERE hash = $2 AND client_id = $3 AND used_at IS NULL RETURNING ` + codeColumns
	selectCode = `SELECT ` + codeColumns + ` FROM authorization_codes WHERE hash = $1 AND client_id = $2`
)

// CreateAuthorizationCode stores code, or returns storage.ErrExists when a
// code with its hash is stored already.
func (s *Store) CreateAuthorizationCode(ctx context.Context, code *storage.AuthorizationCode) error {
	scope, err := encodeScope(code.Scope)
	if err != nil {
		return err
	}
	extra, err := encodeExtra(code.Extra)
	if err != nil {
		return err
	}
	resource, err := encodeList(code.Resource)
	if err != nil {
		return err
	}
	args := []any{code.Hash, code.FamilyID, code.ClientID, code.RedirectURI, scope, code.Subject,
		nullMicros(code.AuthTime), code.Nonce, code.CodeChallenge, code.CodeChallengeMethod,
		extra, micros(code.CreatedAt), micros(code.ExpiresAt), nullMicros(code.UsedAt), resource}
	if s.usesBatch() {
		return s.pgCreateCode(ctx, args)
	}
	if s.d == SQLite {
		err = s.write(ctx, func(ctx context.Context, b *batchTx) error {
			_, err := b.exec(ctx, insertCode, args...)
			return err
		})
	} else {
		err = retry(ctx, func() error {
			_, err := s.db.ExecContext(ctx, insertCode, args...)
			return err
		})
	}
	return wrap("create authorization code", err)
}

// ConsumeAuthorizationCode marks the code used at now and returns it, with
// one conditional UPDATE, so that of many concurrent calls exactly one
// succeeds. A code used before is returned with storage.ErrCodeUsed, still
// marked with the time of its first use; an unknown hash returns
// storage.ErrNotFound. Expiry is the caller's to check.
func (s *Store) ConsumeAuthorizationCode(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	if hash == "" {
		return nil, storage.ErrNotFound
	}
	if now.IsZero() {
		return nil, errors.New("sqlstore: ConsumeAuthorizationCode: zero time")
	}
	if s.d == SQLite {
		return s.consumeBatched(ctx, hash, clientID, now)
	}
	if s.usesBatch() {
		return s.pgConsumeCode(ctx, hash, clientID, now)
	}
	var code *storage.AuthorizationCode
	err := retry(ctx, func() error {
		var err error
		code, err = scanCode(s.queryRow(ctx, consumeCode, micros(now), hash, clientID))
		return err
	})
	if !errors.Is(err, sql.ErrNoRows) {
		return code, wrap("consume authorization code", err)
	}
	// No unused code: tell a used one from an unknown one.
	code, err = scanCode(s.queryRow(ctx, selectCode, hash, clientID))
	if err != nil {
		return nil, wrap("read authorization code", err)
	}
	return code, storage.ErrCodeUsed
}

// consumeBatched is ConsumeAuthorizationCode on SQLite, in the group
// commit of the store: the conditional UPDATE and, when it changes no row,
// the read that tells a used code from an unknown one.
func (s *Store) consumeBatched(ctx context.Context, hash, clientID string, now time.Time) (*storage.AuthorizationCode, error) {
	var (
		code *storage.AuthorizationCode
		used bool
	)
	err := s.write(ctx, func(ctx context.Context, b *batchTx) error {
		code, used = nil, false
		var err error
		code, err = scanCode(b.queryRow(ctx, consumeCode, micros(now), hash, clientID))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		code, err = scanCode(b.queryRow(ctx, selectCode, hash, clientID))
		used = err == nil
		return err
	})
	return consumed(code, used, err)
}

// consumed returns what ConsumeAuthorizationCode answers after a batched
// consumption: the code, used before or not, or the error of the batch.
// No code without an error is an unknown one.
func consumed(code *storage.AuthorizationCode, used bool, err error) (*storage.AuthorizationCode, error) {
	switch {
	case err != nil:
		return nil, wrap("consume authorization code", err)
	case used:
		return code, storage.ErrCodeUsed
	case code == nil:
		return nil, storage.ErrNotFound
	}
	return code, nil
}

func scanCode(row scanner) (*storage.AuthorizationCode, error) {
	var (
		c                    storage.AuthorizationCode
		scope                string
		authTime, usedAt     sql.NullInt64
		extra                sql.NullString
		createdAt, expiresAt int64
		resource             string
	)
	err := row.Scan(&c.Hash, &c.FamilyID, &c.ClientID, &c.RedirectURI, &scope, &c.Subject,
		&authTime, &c.Nonce, &c.CodeChallenge, &c.CodeChallengeMethod, &extra,
		&createdAt, &expiresAt, &usedAt, &resource)
	if err != nil {
		return nil, err
	}
	if c.Extra, err = decodeExtra(extra); err != nil {
		return nil, err
	}
	if c.Resource, err = decodeList[string](resource); err != nil {
		return nil, err
	}
	c.Scope = decodeScope(scope)
	c.AuthTime = fromNullMicros(authTime)
	c.CreatedAt = fromMicros(createdAt)
	c.ExpiresAt = fromMicros(expiresAt)
	c.UsedAt = fromNullMicros(usedAt)
	return &c, nil
}
