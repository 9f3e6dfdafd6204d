package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/grantry/grantry/storage"
)

const initialTokenColumns = `id, hash, description, created_at, expires_at`

const (
	insertInitialToken = `INSERT INTO initial_access_tokens (` + initialTokenColumns + `) VALUES ($1, $2, $3, $4, $5)`
	selectInitialToken = `SELECT ` + initialTokenColumns + ` FROM initial_access_tokens WHERE hash = $1`
	listInitialTokens  = `SELECT ` + initialTokenColumns + ` FROM initial_access_tokens`
	deleteInitialToken = `DELETE FROM initial_access_tokens WHERE id = $1`
)

// CreateInitialAccessToken stores t, or returns storage.ErrExists when a
// token with its ID or Hash is stored already.
func (s *Store) CreateInitialAccessToken(ctx context.Context, t *storage.InitialAccessToken) error {
	err := retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertInitialToken, t.ID, t.Hash, t.Description, micros(t.CreatedAt), nullMicros(t.ExpiresAt))
		return err
	})
	return wrap("create initial access token", err)
}

// InitialAccessTokenByHash returns the token whose Hash is hash, or
// storage.ErrNotFound.
func (s *Store) InitialAccessTokenByHash(ctx context.Context, hash string) (*storage.InitialAccessToken, error) {
	var t *storage.InitialAccessToken
	err := retry(ctx, func() error {
		var err error
		t, err = scanInitialToken(s.queryRow(ctx, selectInitialToken, hash))
		return err
	})
	if err != nil {
		return nil, wrap("get initial access token", err)
	}
	return t, nil
}

// ListInitialAccessTokens returns every token, ordered by CreatedAt and
// then by ID byte by byte, whatever the database's collation.
func (s *Store) ListInitialAccessTokens(ctx context.Context) ([]*storage.InitialAccessToken, error) {
	list, err := queryAll(ctx, s, "list initial access tokens", listInitialTokens, scanInitialToken)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *storage.InitialAccessToken) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// DeleteInitialAccessToken removes the token with the given ID, or
// returns storage.ErrNotFound.
func (s *Store) DeleteInitialAccessToken(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete initial access token", deleteInitialToken, id)
}

func scanInitialToken(row scanner) (*storage.InitialAccessToken, error) {
	var t storage.InitialAccessToken
	var created int64
	var expires sql.NullInt64
	if err := row.Scan(&t.ID, &t.Hash, &t.Description, &created, &expires); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMicros(created), fromNullMicros(expires)
	return &t, nil
}
