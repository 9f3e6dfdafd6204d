package daemon

import (
	"context"
	"errors"
	"sync"

	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// maxPasswordChecks bounds the argon2id verifications running at once:
// each takes 64 MiB, so a burst of sign-ins must not exhaust memory.
const maxPasswordChecks = 4

// userAuth checks user names and passwords against the user store. It is
// the password.Authenticator of the password grant and of the sign-in
// page.
type userAuth struct {
	users userFinder
	slots chan struct{}
}

var _ password.Authenticator = (*userAuth)(nil)

func newUserAuth(users userFinder) *userAuth {
	return &userAuth{users: users, slots: make(chan struct{}, maxPasswordChecks)}
}

// dummyHash is verified against when the user is unknown, so that an
// unknown name takes as long as a wrong password and names cannot be
// probed by timing.
// It is made without hashing, so that starting the server costs no
// argon2id computation.
var dummyHash = sync.OnceValue(secret.UnmatchablePasswordHash)

// AuthenticateUser returns the ID of the user whose name and password
// these are, or password.ErrInvalidCredentials.
func (a *userAuth) AuthenticateUser(ctx context.Context, username, pw string) (string, error) {
	u, err := a.authenticate(ctx, username, pw)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// authenticate returns the user whose name and password these are, or
// password.ErrInvalidCredentials.
func (a *userAuth) authenticate(ctx context.Context, username, pw string) (*storage.User, error) {
	u, err := a.users.UserByName(ctx, username)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	hash := dummyHash()
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := a.verify(ctx, hash, pw)
	if err != nil {
		return nil, err
	}
	if u == nil || !ok {
		return nil, password.ErrInvalidCredentials
	}
	return u, nil
}

// verify checks a password once a verification slot is free.
func (a *userAuth) verify(ctx context.Context, hash, pw string) (bool, error) {
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-a.slots }()
	return secret.Verify(hash, pw), nil
}
