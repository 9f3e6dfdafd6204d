package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/grantry/grantry/storage"
)

const signingKeyColumns = `id, algorithm, private_key, created_at, activate_at, retired_at, expires_at`

const (
	insertSigningKey = `INSERT INTO signing_keys (` + signingKeyColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`
	updateSigningKey = `UPDATE signing_keys SET algorithm = $2, private_key = $3, created_at = $4,
	activate_at = $5, retired_at = $6, expires_at = $7 WHERE id = $1`
	selectSigningKeys = `SELECT ` + signingKeyColumns + ` FROM signing_keys`
	deleteSigningKey  = `DELETE FROM signing_keys WHERE id = $1`
)

func signingKeyArgs(k *storage.SigningKey) []any {
	ciphertext := k.Ciphertext
	if ciphertext == nil {
		ciphertext = []byte{} // NOT NULL: an empty key is stored as such
	}
	return []any{k.ID, k.Algorithm, ciphertext, micros(k.CreatedAt), micros(k.ActivateAt),
		nullMicros(k.RetiredAt), nullMicros(k.ExpiresAt)}
}

// CreateSigningKey stores k, or returns storage.ErrExists when a key with
// its ID is stored already.
func (s *Store) CreateSigningKey(ctx context.Context, k *storage.SigningKey) error {
	err := retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertSigningKey, signingKeyArgs(k)...)
		return err
	})
	return wrap("create signing key", err)
}

// UpdateSigningKey replaces the key with ID k.ID by k, or returns
// storage.ErrNotFound.
func (s *Store) UpdateSigningKey(ctx context.Context, k *storage.SigningKey) error {
	return s.execOne(ctx, "update signing key", updateSigningKey, signingKeyArgs(k)...)
}

// DeleteSigningKey removes the key with the given ID, or returns
// storage.ErrNotFound.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete signing key", deleteSigningKey, id)
}

// ListSigningKeys returns every key, ordered by CreatedAt and then by ID
// byte by byte, whatever the database's collation.
func (s *Store) ListSigningKeys(ctx context.Context) ([]*storage.SigningKey, error) {
	list, err := queryAll(ctx, s, "list signing keys", selectSigningKeys, scanSigningKey)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *storage.SigningKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

func scanSigningKey(row scanner) (*storage.SigningKey, error) {
	var (
		k                 storage.SigningKey
		created, activate int64
		retired, expires  sql.NullInt64
	)
	err := row.Scan(&k.ID, &k.Algorithm, &k.Ciphertext, &created, &activate, &retired, &expires)
	if err != nil {
		return nil, err
	}
	k.CreatedAt = fromMicros(created)
	k.ActivateAt = fromMicros(activate)
	k.RetiredAt = fromNullMicros(retired)
	k.ExpiresAt = fromNullMicros(expires)
	return &k, nil
}
