package storage

import (
	"context"
	"time"
)

// User is a resource owner who signs in with a user name and a password.
type User struct {
	// ID is the stable identifier used as the subject of tokens.
	ID string
	// Username is what the user types to sign in; unique in a store.
	Username string
	// PasswordHash is the stored form of the password, made by
	// HashPassword (argon2id).
	PasswordHash string
	CreatedAt    time.Time
}

// Clone returns a copy of u.
func (u *User) Clone() *User {
	d := *u
	return &d
}

// UserStore keeps the users who may sign in.
type UserStore interface {
	// CreateUser stores a new user, or returns ErrExists when a user with
	// the same ID or Username is stored already.
	CreateUser(ctx context.Context, u *User) error
	// UserByName returns the user with the given Username, compared
	// exactly, or ErrNotFound.
	UserByName(ctx context.Context, username string) (*User, error)
	// GetUser returns the user with the given ID, or ErrNotFound.
	GetUser(ctx context.Context, id string) (*User, error)
	// ListUsers returns every user, ordered by Username.
	ListUsers(ctx context.Context) ([]*User, error)
	// DeleteUser removes a user, or returns ErrNotFound and changes
	// nothing. In the same step its consents and authorization codes are
	// deleted, and every token issued to it (Subject == id) is revoked
	// with its family, as by RevokeFamily; the families of the deleted
	// codes are revoked too, so that a code being redeemed meanwhile
	// stores its tokens revoked. A backend does this for the records it
	// keeps: where codes or tokens are kept by another, the application
	// must refuse those of a deleted user.
	DeleteUser(ctx context.Context, id string) error
	// SetPasswordHash replaces a user's PasswordHash, or returns
	// ErrNotFound.
	SetPasswordHash(ctx context.Context, id, hash string) error
}
