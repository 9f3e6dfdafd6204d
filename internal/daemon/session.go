package daemon

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// session is the state of one browser, kept in an encrypted cookie so that
// any grantry process sharing the key can read it: no server-side session
// table is needed behind a load balancer.
type session struct {
	// ID is random and changes when the user signs in or out; CSRF tokens
	// are bound to it.
	ID string `json:"sid"`
	// UserID is the signed-in user, or "".
	UserID string `json:"uid,omitempty"`
	// AuthTime is when the user signed in, in Unix seconds.
	AuthTime int64 `json:"at,omitempty"`
	// Expires is when the session ends, in Unix seconds.
	Expires int64 `json:"exp"`
	// Stamp binds the session to the user's password hash: a new password
	// ends every session signed in with the old one.
	Stamp string `json:"st,omitempty"`
}

// sessions seals sessions into cookies with AES-256-GCM and derives the
// CSRF tokens bound to them.
type sessions struct {
	aead     cipher.AEAD
	csrfKey  []byte
	stampKey []byte
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

// newSessions derives the cookie and CSRF keys from a 32-byte master key.
func newSessions(master []byte, secure bool, lifetime time.Duration, now func() time.Time) (*sessions, error) {
	encKey, err := hkdf.Key(sha256.New, master, nil, "grantry session cookie v1", 32)
	if err != nil {
		return nil, err
	}
	csrfKey, err := hkdf.Key(sha256.New, master, nil, "grantry csrf v1", 32)
	if err != nil {
		return nil, err
	}
	stampKey, err := hkdf.Key(sha256.New, master, nil, "grantry session stamp v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	name := cookieInsecure
	if secure {
		name = cookieSecure
	}
	return &sessions{aead: aead, csrfKey: csrfKey, stampKey: stampKey, name: name, secure: secure, lifetime: lifetime, now: now}, nil
}

// fresh returns a new session without a user.
func (s *sessions) fresh() *session {
	return &session{ID: secret.Token(), Expires: s.now().Add(s.lifetime).Unix()}
}

// load returns the session of the request, or nil when it has none that is
// intact and unexpired.
func (s *sessions) load(r *http.Request) *session {
	c, err := r.Cookie(s.name)
	if err != nil {
		return nil
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	ns := s.aead.NonceSize()
	if err != nil || len(sealed) < ns {
		return nil
	}
	plain, err := s.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(s.name))
	if err != nil {
		return nil
	}
	var sess session
	if json.Unmarshal(plain, &sess) != nil || sess.ID == "" || s.now().Unix() >= sess.Expires {
		return nil
	}
	return &sess
}

// save sets the cookie holding sess.
func (s *sessions) save(w http.ResponseWriter, sess *session) {
	plain, _ := json.Marshal(sess)
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(s.name))
	s.setCookie(w, base64.RawURLEncoding.EncodeToString(sealed), time.Unix(sess.Expires, 0))
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

// signIn returns a new session for the user: the session ID changes, so
// that a session planted before sign-in is worthless (session fixation).
func (s *sessions) signIn(u *storage.User) *session {
	sess := s.fresh()
	sess.UserID, sess.AuthTime, sess.Stamp = u.ID, s.now().Unix(), s.stamp(u)
	return sess
}

// stamp is a MAC of the user's password hash; it reveals nothing of it.
func (s *sessions) stamp(u *storage.User) string {
	m := hmac.New(sha256.New, s.stampKey)
	m.Write([]byte(u.ID))
	m.Write([]byte{0})
	m.Write([]byte(u.PasswordHash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// current reports whether sess was signed in with u's present password.
func (s *sessions) current(sess *session, u *storage.User) bool {
	return hmac.Equal([]byte(sess.Stamp), []byte(s.stamp(u)))
}
