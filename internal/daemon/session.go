package daemon

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// session is the state of one browser. Its cookie holds a random token;
// the browser is signed in while the store keeps a session under the
// token's digest, so that deleting the record (sign-out, a new password,
// grantry session revoke) ends the session for every copy of the cookie.
type session struct {
	// token is the cookie's value. CSRF tokens are bound to it, signed in
	// or not; it changes when the user signs in or out.
	token string
	// rec is the signed-in session, or nil.
	rec *storage.Session
}

// sessions issues the cookies, finds the sessions they name and derives
// the CSRF tokens bound to them.
type sessions struct {
	store storage.SessionStore
	// csrf holds the CSRF keys: replaced at once when the session key is
	// rotated, the old ones still accepted for their grace period.
	csrf     atomic.Pointer[csrfKeys]
	name     string
	secure   bool
	lifetime time.Duration
	now      func() time.Time
}

// Cookie names. The __Host- prefix makes the browser refuse the cookie
// unless it is Secure, for path / and without a Domain.
const (
	cookieSecure   = "__Host-grantry"
	cookieInsecure = "grantry"
)

// newSessions derives the CSRF key from a 32-byte master key and keeps
// signed-in sessions in store for lifetime.
func newSessions(store storage.SessionStore, master []byte, secure bool, lifetime time.Duration, now func() time.Time) (*sessions, error) {
	name := cookieInsecure
	if secure {
		name = cookieSecure
	}
	s := &sessions{store: store, name: name, secure: secure, lifetime: lifetime, now: now}
	if err := s.setKeys(&keyring{Current: master}); err != nil {
		return nil, err
	}
	return s, nil
}

// csrfKeys are the keys of the CSRF tokens: the current one signs, and
// the retired ones are accepted until their time.
type csrfKeys struct {
	current []byte
	retired []retiredKey
}

// setKeys derives the CSRF keys from the session keys of ring.
func (s *sessions) setKeys(ring *keyring) error {
	k := &csrfKeys{}
	var err error
	if k.current, err = csrfKey(ring.Current); err != nil {
		return err
	}
	for _, r := range ring.Retired {
		ck, err := csrfKey(r.Key)
		if err != nil {
			return err
		}
		k.retired = append(k.retired, retiredKey{Key: ck, Until: r.Until})
	}
	s.csrf.Store(k)
	return nil
}

// csrfKey derives the key of the CSRF tokens from a 32-byte master key.
func csrfKey(master []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, master, nil, "grantry csrf v1", 32)
}

// fresh returns a new session without a user.
func (s *sessions) fresh() *session {
	return &session{token: secret.Token()}
}

// load returns the session the request's cookie names, not yet looked up,
// or nil when it has no well-formed cookie.
func (s *sessions) load(r *http.Request) *session {
	c, err := r.Cookie(s.name)
	if err != nil {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw) != secret.TokenBytes {
		return nil
	}
	return &session{token: c.Value}
}

// lookup finds the signed-in session of sess in the store and sets
// sess.rec, or leaves it nil when the store has none or it expired. A
// store that cannot answer is an error.
func (s *sessions) lookup(ctx context.Context, sess *session) error {
	rec, err := s.store.SessionByHash(ctx, secret.Digest(sess.token))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil
	case err != nil:
		return err
	case !s.now().Before(rec.ExpiresAt):
		return nil
	}
	sess.rec = rec
	return nil
}

// save sets the cookie holding sess's token, expiring with the session or,
// signed out, after a lifetime.
func (s *sessions) save(w http.ResponseWriter, sess *session) {
	expires := s.now().Add(s.lifetime)
	if sess.rec != nil {
		expires = sess.rec.ExpiresAt
	}
	s.setCookie(w, sess.token, expires)
}

// clear removes the cookie.
func (s *sessions) clear(w http.ResponseWriter) {
	s.setCookie(w, "", time.Unix(0, 0))
}

func (s *sessions) setCookie(w http.ResponseWriter, value string, expires time.Time) {
	c := &http.Cookie{
		Name:     s.name,
		Value:    value,
		Path:     "/",
		Expires:  expires,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	}
	if value == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// signIn stores a new session of the user, signed in now with a password,
// and sets its cookie. The token is new, so that a token planted before
// sign-in is worthless (session fixation); only its digest is stored.
func (s *sessions) signIn(ctx context.Context, w http.ResponseWriter, u *storage.User) (*session, error) {
	now := s.now()
	sess := s.fresh()
	sess.rec = &storage.Session{
		ID:        secret.ID(),
		Hash:      secret.Digest(sess.token),
		Subject:   u.ID,
		AuthTime:  now,
		AMR:       []string{"pwd"},
		CreatedAt: now,
		ExpiresAt: now.Add(s.lifetime),
	}
	if err := s.store.CreateSession(ctx, sess.rec); err != nil {
		return nil, err
	}
	s.save(w, sess)
	return sess, nil
}

// signOut deletes the signed-in session of sess, if any, and returns the
// deleted record with the clients it signed in to, or nil.
func (s *sessions) signOut(ctx context.Context, sess *session) (*storage.Session, error) {
	if sess == nil || sess.rec == nil {
		return nil, nil
	}
	rec, err := s.store.DeleteSession(ctx, sess.rec.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return rec, err
}
