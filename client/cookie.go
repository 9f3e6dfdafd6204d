package client

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/internal/origin"
)

// CookiePrefix starts the names of the cookies that hold an app's
// pending logins in a CookieStore: each is named CookiePrefix, the app's
// name, "_" and the login's tag, 16 characters of base64url that digest
// its OAuth 2.0 state or, for OAuth 1.0, its temporary credentials
// identifier (the first 12 bytes of their SHA-256). A cookie marked
// Secure carries, before that, the prefix "__Host-", or "__Secure-" for a
// store made with [ScopeToRedirectPath] (RFC 6265bis §4.1.3).
const CookiePrefix = "grantry_login_"

// BrowserCookie names the cookie that binds a CookieStore's logins to the
// user agent that started them: 256 random bits, set by the first login,
// on the path "/", HttpOnly, and, when Secure, named with the prefix
// "__Host-", which a neighbouring host or a plain http page cannot set.
const BrowserCookie = "grantry_browser"

// Cookie name prefixes of RFC 6265bis §4.1.3: a user agent accepts a
// cookie so named only from a secure origin, with the Secure attribute,
// and for hostPrefix only with the path "/" and no Domain attribute, so
// that no other host of the site can plant or replace it.
const (
	hostPrefix   = "__Host-"
	securePrefix = "__Secure-"
)

// browserBytes is the size of the random value of the BrowserCookie.
const browserBytes = 32

// MaxPendingLogins bounds the logins of one app that a CookieStore keeps
// pending for a user agent. When the request that starts a login carries
// the cookies of others, Save clears the surplus so that, with the new
// one, at most MaxPendingLogins remain: unreadable ones first, then those
// that expire first. Abandoned logins then do not swell the Cookie header
// of the callback. The cookies are sent only to the redirect URI's path
// and below it, so the bound applies when the login starts there, as when
// one handler at the redirect URI both starts logins and completes them.
const MaxPendingLogins = 4

// maxCookieValue bounds the sealed state read from a cookie.
const maxCookieValue = 4096

// tagBytes is how many bytes of the SHA-256 of a login's key its cookie
// name carries; tagLen is their length in base64url.
const (
	tagBytes = 12
	tagLen   = (tagBytes*8 + 5) / 6
)

// CookieStore is the default [StateStore]: it keeps each pending login in
// a cookie of its own, named as [CookiePrefix] says, so that a user who
// starts two logins with one app, in two tabs or with a double click, can
// complete both. The state is sealed with AES-256-GCM, with the cookie
// name as associated data, so that the user agent can neither read nor
// change it, nor move it to another login. The cookie is HttpOnly,
// SameSite=Lax (the callback is a top-level navigation from the
// provider), on the path "/" (or that of the redirect URI, with
// [ScopeToRedirectPath]), Secure unless the redirect URI is plain http on
// a loopback host, and cleared when taken. The state's expiry is sealed
// with it, and is the cookie's. Take opens the cookie of the login that
// the callback names; Save clears the logins that expire first when more
// than [MaxPendingLogins] of an app would be pending.
//
// Each login is bound to the user agent that started it, against login
// CSRF (RFC 6749 §10.12, RFC 9700 §4.7): the sealed state holds the value
// of the user agent's [BrowserCookie], and Take refuses, with
// ErrStateMismatch, a login whose value is not the one the callback's
// user agent carries. A login cookie that an attacker obtained in a
// browser of his own, and planted in the victim's (from a neighbouring
// host, say), therefore does not complete there. The first login of a
// user agent sets its BrowserCookie; two logins started together before
// it is kept, as by a double click on a first visit, keep only the
// binding of the later, and the earlier then fails.
type CookieStore struct {
	aead       cipher.AEAD
	pathScoped bool
}

// A CookieOption changes a CookieStore made by NewCookieStore.
type CookieOption func(*CookieStore)

// ScopeToRedirectPath limits each login's cookie to the path of its
// redirect URI, for an app that shares its host with others. Such a
// cookie cannot carry the prefix "__Host-", which requires the path "/";
// it is named with "__Secure-" instead. The BrowserCookie stays on "/"
// with "__Host-", and keeps the binding.
func ScopeToRedirectPath() CookieOption {
	return func(c *CookieStore) { c.pathScoped = true }
}

// NewCookieStore returns a store that seals with key, which must be 32
// random bytes kept secret. Every process that handles callbacks must use
// the same key.
func NewCookieStore(key []byte, opts ...CookieOption) (*CookieStore, error) {
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
	c := &CookieStore{aead: aead}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// sealedLogin is what a login cookie seals: the state, and the value of
// the BrowserCookie of the user agent that started the login.
type sealedLogin struct {
	State
	Browser string `json:"ua"`
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

// Save seals s into a cookie of its own, named for s.App and the tag of
// s.State or, when that is empty, s.TempToken. The cookie name is the
// associated data of the seal, so a state cannot be moved from one app or
// login to another. Logins of the app that r carries beyond
// MaxPendingLogins, counting s, are cleared.
func (c *CookieStore) Save(w http.ResponseWriter, r *http.Request, s *State) error {
	key := s.key()
	if key == "" {
		return fmt.Errorf("client: login state of %q has neither an OAuth 2.0 state nor temporary credentials", s.App)
	}
	name := c.cookieName(s.App, key, s.RedirectURI)
	browser := c.browser(w, r, browserCookieName(name))
	plain, err := json.Marshal(sealedLogin{State: *s, Browser: browser})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if r != nil {
		c.trim(w, pendingCookies(r, s.App), name, s.RedirectURI)
	}
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	rand.Read(nonce)
	sealed := c.aead.Seal(nonce, nonce, plain, []byte(name))
	ck := c.stateCookie(name, s.RedirectURI)
	ck.Value = base64.RawURLEncoding.EncodeToString(sealed)
	ck.Expires = s.Expiry
	http.SetCookie(w, ck)
	return nil
}

// pendingLogin is a login cookie that Save may clear.
type pendingLogin struct {
	name        string
	redirectURI string    // where the cookie was set
	expiry      time.Time // zero when the cookie does not open
}

// trim clears the cookies of pending, other than the one named fresh,
// beyond the MaxPendingLogins-1 that expire last. Unreadable ones go
// first, cleared on the path of redirectURI, the new login's.
func (c *CookieStore) trim(w http.ResponseWriter, pending []*http.Cookie, fresh, redirectURI string) {
	n := len(pending)
	if slices.ContainsFunc(pending, func(ck *http.Cookie) bool { return ck.Name == fresh }) {
		n--
	}
	surplus := n - (MaxPendingLogins - 1)
	if surplus <= 0 {
		return
	}
	olds := make([]pendingLogin, 0, n)
	for _, ck := range pending {
		if ck.Name == fresh {
			continue
		}
		p := pendingLogin{name: ck.Name, redirectURI: redirectURI}
		if st, _, err := c.open(ck.Name, ck.Value); err == nil {
			p.redirectURI, p.expiry = st.RedirectURI, st.Expiry
		}
		olds = append(olds, p)
	}
	slices.SortStableFunc(olds, func(a, b pendingLogin) int { return a.expiry.Compare(b.expiry) })
	for _, p := range olds[:surplus] {
		gone := c.stateCookie(p.name, p.redirectURI)
		gone.MaxAge = -1
		http.SetCookie(w, gone)
	}
}

// Take opens the cookie of the login that the callback r answers, and
// clears it; the app's other logins stay pending. The callback names its
// login by its state parameter (OAuth 2.0, on success and on error
// alike), else its oauth_token (OAuth 1.0), else its denied parameter
// (an OAuth 1.0 refusal, as Twitter sends it). A callback that names
// none, such as an OAuth 1.0 refusal that carries only an error, answers
// the app's login when it is the only one pending. A login that r's user
// agent did not start, as its BrowserCookie tells, is ErrStateMismatch.
func (c *CookieStore) Take(w http.ResponseWriter, r *http.Request, app string) (*State, error) {
	pending := pendingCookies(r, app)
	if len(pending) == 0 {
		return nil, ErrStateMissing
	}
	ck, err := answered(r, app, pending)
	if err != nil {
		return nil, err
	}
	s, browser, err := c.open(ck.Name, ck.Value)
	redirectURI := requestURL(r)
	if err == nil {
		redirectURI = s.RedirectURI
	}
	gone := c.stateCookie(ck.Name, redirectURI)
	gone.MaxAge = -1
	http.SetCookie(w, gone)
	if err == nil {
		err = checkBinding(r, ck.Name, s, browser)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// checkBinding checks that the login s, read from the cookie name, was
// started by the user agent of r, and that a login over https came in a
// cookie with a prefix, which no other host can plant.
func checkBinding(r *http.Request, name string, s *State, browser string) error {
	if prefixed(name) != secureCookie(s.RedirectURI) {
		return fmt.Errorf("%w: login cookie %s has the prefix of another scheme", ErrStateInvalid, name)
	}
	ck, err := r.Cookie(browserCookieName(name))
	if err != nil || browser == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(browser)) != 1 {
		return fmt.Errorf("%w: the login was started by another user agent", ErrStateMismatch)
	}
	return nil
}

// browser returns the value of the BrowserCookie named name that r
// carries, or sets a fresh one through w.
func (c *CookieStore) browser(w http.ResponseWriter, r *http.Request, name string) string {
	if r != nil {
		if ck, err := r.Cookie(name); err == nil && validBrowser(ck.Value) {
			return ck.Value
		}
	}
	b := make([]byte, browserBytes)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", HttpOnly: true,
		Secure: prefixed(name), SameSite: http.SameSiteLaxMode})
	return v
}

// validBrowser reports whether v is a value the BrowserCookie may have.
func validBrowser(v string) bool {
	b, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil && len(b) == browserBytes
}

// browserCookieName names the BrowserCookie that binds the login held in
// the cookie name: "__Host-" when that is prefixed, since a prefixed
// login cookie is Secure.
func browserCookieName(name string) string {
	if prefixed(name) {
		return hostPrefix + BrowserCookie
	}
	return BrowserCookie
}

// prefixed reports whether a cookie name has a prefix of RFC 6265bis
// §4.1.3.
func prefixed(name string) bool {
	return strings.HasPrefix(name, hostPrefix) || strings.HasPrefix(name, securePrefix)
}

// answered returns the cookie, among the app's pending ones, of the login
// that the callback r names, or the only one when r names none.
// A cookie with a prefix is preferred to one without, which a
// neighbouring host may have planted.
func answered(r *http.Request, app string, pending []*http.Cookie) (*http.Cookie, error) {
	q := r.URL.Query()
	named := false
	for _, param := range []string{"state", "oauth_token", "denied"} {
		key := q.Get(param)
		if key == "" {
			continue
		}
		named = true
		base := CookiePrefix + app + "_" + cookieTag(key)
		for _, name := range []string{hostPrefix + base, securePrefix + base, base} {
			if i := slices.IndexFunc(pending, func(ck *http.Cookie) bool { return ck.Name == name }); i >= 0 {
				return pending[i], nil
			}
		}
	}
	switch {
	case named:
		return nil, fmt.Errorf("%w: the callback answers no login pending here", ErrStateMismatch)
	case len(pending) > 1:
		return nil, fmt.Errorf("%w: the callback names no login, and several are pending", ErrStateMismatch)
	}
	return pending[0], nil
}

// pendingCookies returns the cookies of r that hold logins of app, the
// first of each name, with a prefix of RFC 6265bis §4.1.3 or none. The
// tag's fixed length tells the logins of app "a" from those of app "a_b".
func pendingCookies(r *http.Request, app string) []*http.Cookie {
	prefix := CookiePrefix + app + "_"
	var out []*http.Cookie
	var seen map[string]bool
	for _, ck := range r.Cookies() {
		rest := strings.TrimPrefix(strings.TrimPrefix(ck.Name, hostPrefix), securePrefix)
		tag, ok := strings.CutPrefix(rest, prefix)
		if !ok || len(tag) != tagLen || seen[ck.Name] {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		seen[ck.Name] = true
		out = append(out, ck)
	}
	return out
}

// cookieName names the cookie of the login of app whose key (its OAuth 2.0
// state or OAuth 1.0 temporary credentials identifier) is key, and whose
// redirect URI is redirectURI.
func (c *CookieStore) cookieName(app, key, redirectURI string) string {
	prefix := ""
	switch {
	case !secureCookie(redirectURI):
	case c.pathScoped:
		prefix = securePrefix
	default:
		prefix = hostPrefix
	}
	return prefix + CookiePrefix + app + "_" + cookieTag(key)
}

// cookieTag digests a login's key into a part of a cookie name.
func cookieTag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:tagBytes])
}

// open opens the login cookie name, and returns its state and the value
// of the BrowserCookie it was bound to.
func (c *CookieStore) open(name, value string) (*State, string, error) {
	if len(value) > maxCookieValue {
		return nil, "", fmt.Errorf("%w: cookie too large", ErrStateInvalid)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(sealed) < c.aead.NonceSize()+c.aead.Overhead() {
		return nil, "", fmt.Errorf("%w: malformed cookie", ErrStateInvalid)
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil {
		return nil, "", fmt.Errorf("%w: cookie does not open", ErrStateInvalid)
	}
	var s sealedLogin
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrStateInvalid, err)
	}
	return &s.State, s.Browser, nil
}

// stateCookie returns the attributes of the login cookie name for
// redirectURI, which may also be a bare path: Secure when named with a
// prefix or when the redirect URI is not plain http on a loopback host,
// and on the path "/" unless the store is scoped to the redirect URI's
// path and the name allows it.
func (c *CookieStore) stateCookie(name, redirectURI string) *http.Cookie {
	ck := &http.Cookie{Name: name, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
	u, err := url.Parse(redirectURI)
	if err != nil {
		return ck
	}
	if c.pathScoped && u.Path != "" && !strings.HasPrefix(name, hostPrefix) {
		ck.Path = u.Path
	}
	if !prefixed(name) && !secureCookie(redirectURI) {
		ck.Secure = false
	}
	return ck
}

// secureCookie reports whether the cookies of a login whose redirect URI
// is redirectURI are Secure: all but those of plain http on a loopback
// host (RFC 8252 §7.3), which a user agent would not keep otherwise.
func secureCookie(redirectURI string) bool {
	u, err := url.Parse(redirectURI)
	return err != nil || u.Scheme != "http" || !origin.Loopback(u.Hostname())
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
