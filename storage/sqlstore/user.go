package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/storage"
)

const userColumns = `id, username, password_hash, created_at, claims`

const (
	insertUser     = `INSERT INTO users (` + userColumns + `) VALUES ($1, $2, $3, $4, $5)`
	selectUserByID = `SELECT ` + userColumns + ` FROM users WHERE id = $1`
	selectUserName = `SELECT ` + userColumns + ` FROM users WHERE username = $1`
	selectUsers    = `SELECT ` + userColumns + ` FROM users`
	updatePassword = `UPDATE users SET password_hash = $2 WHERE id = $1`
	updateClaims   = `UPDATE users SET claims = $2 WHERE id = $1`
)

// CreateUser stores u, or returns storage.ErrExists when a user with its
// ID or Username is stored already. A PasswordHash that is not a hash made
// by secret.HashPassword or secret.HashSecret is refused with
// ErrPlainSecret. The Claims are stored as their JSON encoding, which
// keeps UpdatedAt to the second.
func (s *Store) CreateUser(ctx context.Context, u *storage.User) error {
	if !hashed(u.PasswordHash) {
		return ErrPlainSecret
	}
	claims, err := json.Marshal(u.Claims)
	if err != nil {
		return fmt.Errorf("sqlstore: encode claims: %w", err)
	}
	return retry(ctx, func() error {
		_, err := s.db.ExecContext(ctx, insertUser, u.ID, u.Username, u.PasswordHash, micros(u.CreatedAt), string(claims))
		return wrap("create user", err)
	})
}

// UserByName returns the user with the given Username, compared exactly,
// or storage.ErrNotFound.
func (s *Store) UserByName(ctx context.Context, username string) (*storage.User, error) {
	u, err := scanUser(s.queryRow(ctx, selectUserName, username))
	if err != nil {
		return nil, wrap("read user", err)
	}
	return u, nil
}

// GetUser returns the user, or storage.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*storage.User, error) {
	u, err := scanUser(s.queryRow(ctx, selectUserByID, id))
	if err != nil {
		return nil, wrap("read user", err)
	}
	return u, nil
}

// ListUsers returns every user, ordered by Username byte by byte, whatever
// the database's collation.
func (s *Store) ListUsers(ctx context.Context) ([]*storage.User, error) {
	list, err := queryAll(ctx, s, "list users", selectUsers, scanUser)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *storage.User) int { return strings.Compare(a.Username, b.Username) })
	return list, nil
}

// DeleteUser removes the user, or returns storage.ErrNotFound. In the
// same transaction it revokes the user's tokens and their families, and
// deletes the user's codes, revoking their families, consents and
// sessions.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.deleteOwner(ctx, userCascade, id)
}

// SetPasswordHash replaces the user's PasswordHash, or returns
// storage.ErrNotFound. A value that is not a hash is refused with
// ErrPlainSecret.
func (s *Store) SetPasswordHash(ctx context.Context, id, hash string) error {
	if !hashed(hash) {
		return ErrPlainSecret
	}
	return s.execOne(ctx, "set password", updatePassword, id, hash)
}

// UpdateUserClaims replaces the user's Claims with c, their UpdatedAt set
// to now, to the second; or returns storage.ErrNotFound.
func (s *Store) UpdateUserClaims(ctx context.Context, id string, c storage.Claims) error {
	c.UpdatedAt = time.Now().UTC().Truncate(time.Second)
	claims, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("sqlstore: encode claims: %w", err)
	}
	return s.execOne(ctx, "update claims", updateClaims, id, string(claims))
}

func scanUser(row scanner) (*storage.User, error) {
	var u storage.User
	var createdAt int64
	var claims string
	if err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &createdAt, &claims); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMicros(createdAt)
	if err := json.Unmarshal([]byte(claims), &u.Claims); err != nil {
		return nil, fmt.Errorf("malformed claims of user %q: %w", u.ID, err)
	}
	return &u, nil
}
