package daemon

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

func newTestSessions(t *testing.T, store storage.SessionStore, key byte, secure bool, now func() time.Time) *sessions {
	t.Helper()
	s, err := newSessions(store, bytes.Repeat([]byte{key}, 32), secure, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signInCookie signs a user in with s and returns the cookie set.
func signInCookie(t *testing.T, s *sessions, userID string) (*http.Cookie, *session) {
	t.Helper()
	w := httptest.NewRecorder()
	sess, err := s.signIn(t.Context(), w, &storage.User{ID: userID})
	if err != nil {
		t.Fatalf("signIn: %v", err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("signIn set %d cookies, want 1", len(cookies))
	}
	return cookies[0], sess
}

// visit loads and looks up the session of a request carrying c.
func visit(t *testing.T, s *sessions, c *http.Cookie) *session {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	sess := s.load(req)
	if sess == nil {
		return nil
	}
	if err := s.lookup(t.Context(), sess); err != nil {
		t.Fatalf("lookup: %v", err)
	}
	return sess
}

func TestSessionCookie(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	store := memstore.New()
	s := newTestSessions(t, store, 1, true, func() time.Time { return now })
	c, sess := signInCookie(t, s, "user-1")
	if c.Name != "__Host-grantry" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie %+v: want __Host-grantry, HttpOnly, Secure, SameSite=Lax, Path=/, no Domain", c)
	}
	if !c.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("cookie expires %v, want %v", c.Expires, now.Add(time.Hour))
	}
	got := visit(t, s, c)
	if got == nil || got.rec == nil || got.rec.ID != sess.rec.ID || got.rec.Subject != "user-1" || !got.rec.AuthTime.Equal(now) {
		t.Fatalf("session of the cookie: got %+v, want the signed-in session of user-1 at %v", got, now)
	}
	list, _ := store.ListSessions(t.Context(), "user-1")
	if len(list) != 1 || list[0].Hash != secret.Digest(c.Value) || list[0].ID == c.Value || strings.Contains(list[0].Hash, c.Value) {
		t.Errorf("stored sessions %+v: want one, under the digest of the cookie, with an ID that is not the cookie", list)
	}
	insecure := newTestSessions(t, store, 1, false, time.Now)
	c, _ = signInCookie(t, insecure, "user-1")
	if c.Name != "grantry" || c.Secure || !c.HttpOnly {
		t.Errorf("insecure-dev cookie %+v: want grantry, not Secure, HttpOnly", c)
	}
}

func TestSessionSignedOut(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	store := memstore.New()
	s := newTestSessions(t, store, 1, true, func() time.Time { return now })
	c, sess := signInCookie(t, s, "user-1")
	tests := []struct {
		name    string
		prepare func(t *testing.T) (*sessions, *http.Cookie)
		// noSession is set when the cookie is not taken at all.
		noSession bool
	}{
		{"unknown token", func(*testing.T) (*sessions, *http.Cookie) {
			return s, &http.Cookie{Name: c.Name, Value: secret.Token()}
		}, false},
		{"expired", func(*testing.T) (*sessions, *http.Cookie) {
			return newTestSessions(t, store, 1, true, func() time.Time { return now.Add(time.Hour) }), c
		}, false},
		{"flipped character", func(*testing.T) (*sessions, *http.Cookie) {
			v := []byte(c.Value)
			v[10] ^= 1
			return s, &http.Cookie{Name: c.Name, Value: string(v)}
		}, false},
		{"truncated", func(*testing.T) (*sessions, *http.Cookie) { return s, &http.Cookie{Name: c.Name, Value: c.Value[:40]} }, true},
		{"not base64", func(*testing.T) (*sessions, *http.Cookie) { return s, &http.Cookie{Name: c.Name, Value: "!!!"} }, true},
		{"empty", func(*testing.T) (*sessions, *http.Cookie) { return s, &http.Cookie{Name: c.Name, Value: ""} }, true},
		{"the session ID", func(*testing.T) (*sessions, *http.Cookie) { return s, &http.Cookie{Name: c.Name, Value: sess.rec.ID} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, cookie := tt.prepare(t)
			got := visit(t, s, cookie)
			if tt.noSession && got != nil {
				t.Errorf("load: got %+v, want nil", got)
			}
			if got != nil && got.rec != nil {
				t.Errorf("lookup: got signed-in session %+v, want signed out", got.rec)
			}
		})
	}
	if _, err := s.signOut(t.Context(), sess); err != nil {
		t.Fatalf("signOut: %v", err)
	}
	if got := visit(t, s, c); got == nil || got.rec != nil {
		t.Errorf("after signOut: got %+v, want a signed-out session", got)
	}
}

func TestCSRFBoundToSession(t *testing.T) {
	s := newTestSessions(t, memstore.New(), 1, true, time.Now)
	a, b := s.fresh(), s.fresh()
	tokA := s.csrfToken(a)
	tests := []struct {
		name  string
		sess  *session
		token string
		want  bool
	}{
		{"own token", a, tokA, true},
		{"token of another session", b, tokA, false},
		{"empty token", a, "", false},
		{"no session", nil, tokA, false},
		{"truncated", a, tokA[:len(tokA)-1], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.checkCSRF(tt.sess, tt.token); got != tt.want {
				t.Errorf("checkCSRF = %v, want %v", got, tt.want)
			}
		})
	}
	if other := newTestSessions(t, memstore.New(), 2, true, time.Now); other.csrfToken(a) == tokA {
		t.Error("another key made the same CSRF token")
	}
	if strings.Contains(tokA, a.token) {
		t.Errorf("CSRF token %q shows the cookie's token", tokA)
	}
	if signedIn, err := s.signIn(t.Context(), httptest.NewRecorder(), &storage.User{ID: "u"}); err != nil || signedIn.token == a.token {
		t.Errorf("signIn: got (%+v, %v), want a new token", signedIn, err)
	}
}
