package storage

import "time"

// User is a resource owner who signs in with a user name and a password.
// The backends (memstore, sqlstore) keep users; the interfaces to them are
// declared where they are used, and storagetest checks them (Users,
// UserAdmin).
type User struct {
	// ID is the stable identifier used as the subject of tokens.
	ID string
	// Username is what the user types to sign in; unique in a store.
	Username string
	// PasswordHash is the stored form of the password, made by
	// secret.HashPassword (argon2id).
	PasswordHash string
	CreatedAt    time.Time
	// Claims are what OpenID Connect says about the user (Core 1.0
	// §5.1); the zero value says nothing.
	Claims Claims
}

// Clone returns a copy of u, sharing nothing with it.
func (u *User) Clone() *User {
	d := *u
	return &d
}
