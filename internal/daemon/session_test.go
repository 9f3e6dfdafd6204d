package daemon

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

func newTestSessions(t *testing.T, key byte, secure bool, now func() time.Time) *sessions {
	t.Helper()
	s, err := newSessions(bytes.Repeat([]byte{key}, 32), secure, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// roundTrip saves sess with s and returns the cookie and what load reads
// back with r.
func roundTrip(t *testing.T, s, r *sessions, sess *session) (*http.Cookie, *session) {
	t.Helper()
	w := httptest.NewRecorder()
	s.save(w, sess)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("save set %d cookies, want 1", len(cookies))
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookies[0])
	return cookies[0], r.load(req)
}

func TestSessionCookie(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	clock := func() time.Time { return now }
	s := newTestSessions(t, 1, true, clock)
	sess := s.signIn(&storage.User{ID: "user-1", PasswordHash: "h1"})
	c, got := roundTrip(t, s, s, sess)
	if got == nil || *got != *sess {
		t.Fatalf("load = %+v, want %+v", got, sess)
	}
	if c.Name != "__Host-grantry" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie %+v: want __Host-grantry, HttpOnly, Secure, SameSite=Lax, Path=/, no Domain", c)
	}
	if strings.Contains(c.Value, "user-1") {
		t.Errorf("cookie value %q shows the user ID, want it encrypted", c.Value)
	}
	insecure := newTestSessions(t, 1, false, clock)
	c, _ = roundTrip(t, insecure, insecure, sess)
	if c.Name != "grantry" || c.Secure || !c.HttpOnly {
		t.Errorf("insecure-dev cookie %+v: want grantry, not Secure, HttpOnly", c)
	}
}

func TestSessionRejected(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	clock := func() time.Time { return now }
	s := newTestSessions(t, 1, true, clock)
	sess := s.signIn(&storage.User{ID: "user-1", PasswordHash: "h1"})

	if _, got := roundTrip(t, s, newTestSessions(t, 2, true, clock), sess); got != nil {
		t.Errorf("a cookie sealed with another key loaded as %+v, want nil", got)
	}
	later := newTestSessions(t, 1, true, func() time.Time { return now.Add(time.Hour) })
	if _, got := roundTrip(t, s, later, sess); got != nil {
		t.Errorf("an expired session loaded as %+v, want nil", got)
	}
	w := httptest.NewRecorder()
	s.save(w, sess)
	c := w.Result().Cookies()[0]
	for name, value := range map[string]string{
		"flipped byte": c.Value[:30] + string(c.Value[30]^1) + c.Value[31:],
		"truncated":    c.Value[:len(c.Value)-4],
		"not base64":   "!!!",
		"empty":        "",
		"too short":    "AAAA",
	} {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.AddCookie(&http.Cookie{Name: c.Name, Value: value})
			if got := s.load(req); got != nil {
				t.Errorf("load = %+v, want nil", got)
			}
		})
	}
}

func TestCSRFBoundToSession(t *testing.T) {
	s := newTestSessions(t, 1, true, time.Now)
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
	if other := newTestSessions(t, 2, true, time.Now); other.csrfToken(a) == tokA {
		t.Error("another key made the same CSRF token")
	}
	if s.signIn(&storage.User{ID: "u"}).ID == a.ID {
		t.Error("sign-in kept the session ID, want a new one")
	}
}

func TestSessionStamp(t *testing.T) {
	clock := func() time.Time { return time.Unix(1_900_000_000, 0) }
	s := newTestSessions(t, 1, true, clock)
	u := &storage.User{ID: "user-1", PasswordHash: "hash-1"}
	sess := s.signIn(u)
	tests := []struct {
		name string
		user *storage.User
		want bool
	}{
		{"same password", &storage.User{ID: "user-1", PasswordHash: "hash-1"}, true},
		{"new password", &storage.User{ID: "user-1", PasswordHash: "hash-2"}, false},
		{"another user, same hash", &storage.User{ID: "user-2", PasswordHash: "hash-1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.current(sess, tt.user); got != tt.want {
				t.Errorf("current: got %v, want %v", got, tt.want)
			}
		})
	}
	if strings.Contains(sess.Stamp, "hash-1") {
		t.Errorf("stamp %q shows the password hash", sess.Stamp)
	}
	other := newTestSessions(t, 2, true, clock)
	if other.stamp(u) == sess.Stamp {
		t.Error("stamps under two keys are equal, want them keyed")
	}
}
