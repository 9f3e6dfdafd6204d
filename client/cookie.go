package client

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// CookiePrefix starts the name of the cookie that holds an app's login
// state in a CookieStore; the app's name follows.
const CookiePrefix = "grantry_login_"

// maxCookieValue bounds the sealed state read from a cookie.
const maxCookieValue = 4096

// CookieStore is the default [StateStore]: it keeps the login state of
// each app in a cookie of its own, sealed with AES-256-GCM so that the
// user agent can neither read nor change it. The cookie is HttpOnly,
// SameSite=Lax (the callback is a top-level navigation from the
// provider), limited to the path of the redirect URI, Secure unless the
// redirect URI is plain http on a loopback host, and cleared when taken.
// The state's expiry is sealed with it.
type CookieStore struct {
	aead cipher.AEAD
}

// NewCookieStore returns a store that seals with key, which must be 32
// random bytes kept secret. Every process that handles callbacks must use
// the same key.
func NewCookieStore(key []byte) (*CookieStore, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("client: cookie store key has %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &CookieStore{aead: aead}, nil
}

// newRandomCookieStore returns a store with a fresh random key.
func newRandomCookieStore() *CookieStore {
	key := make([]byte, 32)
	rand.Read(key)
	s, err := NewCookieStore(key)
	if err != nil {
		panic(err) // unreachable: the key has 32 bytes
	}
	return s
}

// Save seals s into the app's cookie. The cookie name is the associated
// data of the seal, so a state cannot be moved from one app to another.
func (c *CookieStore) Save(w http.ResponseWriter, _ *http.Request, s *State) error {
	plain, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	name := CookiePrefix + s.App
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	rand.Read(nonce)
	sealed := c.aead.Seal(nonce, nonce, plain, []byte(name))
	ck := stateCookie(name, s.RedirectURI)
	ck.Value = base64.RawURLEncoding.EncodeToString(sealed)
	ck.Expires = s.Expiry
	http.SetCookie(w, ck)
	return nil
}

// Take opens the app's cookie and clears it.
func (c *CookieStore) Take(w http.ResponseWriter, r *http.Request, app string) (*State, error) {
	name := CookiePrefix + app
	ck, err := r.Cookie(name)
	if err != nil {
		return nil, ErrStateMissing
	}
	s, err := c.open(name, ck.Value)
	redirectURI := requestURL(r)
	if err == nil {
		redirectURI = s.RedirectURI
	}
	gone := stateCookie(name, redirectURI)
	gone.MaxAge = -1
	http.SetCookie(w, gone)
	return s, err
}

func (c *CookieStore) open(name, value string) (*State, error) {
	if len(value) > maxCookieValue {
		return nil, fmt.Errorf("%w: cookie too large", ErrStateInvalid)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(sealed) < c.aead.NonceSize()+c.aead.Overhead() {
		return nil, fmt.Errorf("%w: malformed cookie", ErrStateInvalid)
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil {
		return nil, fmt.Errorf("%w: cookie does not open", ErrStateInvalid)
	}
	var s State
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStateInvalid, err)
	}
	return &s, nil
}

// stateCookie returns the attributes of a state cookie for redirectURI,
// which may also be a bare path.
func stateCookie(name, redirectURI string) *http.Cookie {
	ck := &http.Cookie{Name: name, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
	u, err := url.Parse(redirectURI)
	if err != nil {
		return ck
	}
	if u.Path != "" {
		ck.Path = u.Path
	}
	if u.Scheme == "http" && isLoopback(u.Hostname()) {
		ck.Secure = false
	}
	return ck
}

// requestURL is the URL of r as the user agent sees it, as far as the
// server can tell.
func requestURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path}).String()
}

// expired reports whether s has expired at now.
func (s *State) expired(now time.Time) bool {
	return !now.Before(s.Expiry)
}
