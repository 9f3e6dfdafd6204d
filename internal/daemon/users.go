package daemon

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// maxPasswordChecks bounds the argon2id verifications running at once:
// each takes 64 MiB, so a burst of sign-ins must not exhaust memory.
const maxPasswordChecks = 4

// maxPasswordQueue bounds the checks waiting for one of those slots, and
// maxPasswordWait how long one waits: past either, the attempt is
// answered at once as busy, rather than queued behind a flood until its
// client gives up.
const (
	maxPasswordQueue = 16
	maxPasswordWait  = 2 * time.Second
)

// Errors of a password check that cannot be made now. Both are
// *grantry.Error, which the password grant answers as they are.
var errPasswordBusy = &grantry.Error{
	Code: grantry.ErrTemporarilyUnavailable, Status: http.StatusServiceUnavailable,
	Description: "too many sign-ins at once; try again in a moment",
	Header:      http.Header{"Retry-After": {"1"}},
}

// throttledError is the answer to an attempt that must wait: 429 with
// Retry-After (RFC 6585 §4).
func throttledError(wait time.Duration) *grantry.Error {
	secs := int64((wait + time.Second - 1) / time.Second)
	return &grantry.Error{
		Code: grantry.ErrTemporarilyUnavailable, Status: http.StatusTooManyRequests,
		Description: "too many failed sign-ins; try again later",
		Header:      http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}},
	}
}

// userAuth checks user names and passwords against the user store. It is
// the password.Authenticator of the password grant and of the sign-in
// page. Attempts are throttled before any hashing (see throttle).
type userAuth struct {
	users    userFinder
	slots    chan struct{}
	waiting  atomic.Int32
	busy     atomic.Uint64 // checks refused as errPasswordBusy
	throttle *throttle
	maxWait  time.Duration // maxPasswordWait but in tests
}

var _ password.Authenticator = (*userAuth)(nil)

func newUserAuth(users userFinder, now func() time.Time) *userAuth {
	return &userAuth{users: users, slots: make(chan struct{}, maxPasswordChecks), throttle: newThrottle(now), maxWait: maxPasswordWait}
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
	address := remoteOf(ctx)
	if wait := a.throttle.wait(username, address); wait > 0 {
		return nil, throttledError(wait)
	}
	u, err := a.check(ctx, username, pw)
	switch {
	case errors.Is(err, password.ErrInvalidCredentials):
		a.throttle.failed(username, address)
	case err == nil:
		a.throttle.succeeded(username, address)
	}
	return u, err
}

// check returns the user whose name and password these are, or
// password.ErrInvalidCredentials.
func (a *userAuth) check(ctx context.Context, username, pw string) (*storage.User, error) {
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

// verify checks a password once a verification slot is free, waiting
// in a bounded queue for a bounded time.
func (a *userAuth) verify(ctx context.Context, hash, pw string) (bool, error) {
	select {
	case a.slots <- struct{}{}:
	default:
		if a.waiting.Add(1) > maxPasswordQueue {
			a.waiting.Add(-1)
			a.busy.Add(1)
			return false, errPasswordBusy
		}
		timer := time.NewTimer(a.maxWait)
		defer timer.Stop()
		select {
		case a.slots <- struct{}{}:
			a.waiting.Add(-1)
		case <-timer.C:
			a.waiting.Add(-1)
			a.busy.Add(1)
			return false, errPasswordBusy
		case <-ctx.Done():
			a.waiting.Add(-1)
			return false, ctx.Err()
		}
	}
	defer func() { <-a.slots }()
	return secret.Verify(hash, pw), nil
}

// refused returns the checks refused so far: throttled and busy.
func (a *userAuth) refused() (throttled, busy uint64) {
	return a.throttle.refused(), a.busy.Load()
}
