package client

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testKey = bytes.Repeat([]byte{7}, 32)

func testStore(t *testing.T) *CookieStore {
	t.Helper()
	s, err := NewCookieStore(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sampleState() *State {
	return &State{
		App: "github", RedirectURI: "https://app.example/auth/github/callback",
		Expiry: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), State: "s", Nonce: "n", Verifier: "v",
		AuthAfter: time.Date(2030, 1, 2, 2, 0, 0, 0, time.UTC), TempToken: "ot", TempSecret: "ots",
	}
}

// saved returns the Set-Cookie that Save writes for st.
func saved(t *testing.T, s *CookieStore, st *State) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := s.Save(w, httptest.NewRequest("GET", "/login", nil), st); err != nil {
		t.Fatalf("Save: %v", err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("Save set %d cookies, want 1", len(cs))
	}
	return cs[0]
}

// take runs Take on a callback request carrying ck and returns the state,
// the cookie Take set and the error.
func take(t *testing.T, s *CookieStore, target, app string, ck *http.Cookie) (*State, *http.Cookie, error) {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	if ck != nil {
		r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	w := httptest.NewRecorder()
	st, err := s.Take(w, r, app)
	var cleared *http.Cookie
	if cs := w.Result().Cookies(); len(cs) == 1 {
		cleared = cs[0]
	}
	return st, cleared, err
}

func TestCookieStoreRoundTrip(t *testing.T) {
	s := testStore(t)
	want := sampleState()
	ck := saved(t, s, want)
	if ck.Name != "grantry_login_github" {
		t.Errorf("cookie name %q, want grantry_login_github", ck.Name)
	}
	if strings.Contains(ck.Value, "ots") || strings.Contains(ck.Value, "github") {
		t.Errorf("cookie value %q shows the state", ck.Value)
	}
	got, cleared, err := take(t, s, "https://app.example/auth/github/callback?code=c", "github", ck)
	if err != nil {
		t.Fatalf("Take: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Take: got %+v, want %+v", got, want)
	}
	if cleared == nil || cleared.MaxAge != -1 || cleared.Path != ck.Path || cleared.Name != ck.Name {
		t.Errorf("Take set cookie %+v, want %s cleared on path %s", cleared, ck.Name, ck.Path)
	}
}

func TestCookieAttributes(t *testing.T) {
	tests := []struct {
		redirectURI string
		path        string
		secure      bool
	}{
		{"https://app.example/auth/github/callback", "/auth/github/callback", true},
		{"https://app.example", "/", true},
		{"http://127.0.0.1:8080/cb", "/cb", false},
		{"http://[::1]:8080/cb", "/cb", false},
		{"http://localhost/cb", "/cb", false},
		{"http://app.example/cb", "/cb", true}, // allowed only with InsecureAllowHTTP; still Secure
	}
	for _, tt := range tests {
		t.Run(tt.redirectURI, func(t *testing.T) {
			st := sampleState()
			st.RedirectURI = tt.redirectURI
			ck := saved(t, testStore(t), st)
			got := []any{ck.Path, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Expires.Equal(st.Expiry)}
			want := []any{tt.path, tt.secure, true, http.SameSiteLaxMode, true}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("path, Secure, HttpOnly, SameSite, Expires=expiry: got %v, want %v", got, want)
			}
		})
	}
}

func TestCookieStoreRefuses(t *testing.T) {
	s := testStore(t)
	good := saved(t, s, sampleState())
	other, err := NewCookieStore(bytes.Repeat([]byte{8}, 32))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good.Value)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name    string
		app     string
		cookie  *http.Cookie
		wantErr error
	}{
		{"no cookie", "github", nil, ErrStateMissing},
		{"other app's name", "gitlab", good, ErrStateMissing},
		{"moved to another app", "gitlab", &http.Cookie{Name: "grantry_login_gitlab", Value: good.Value}, ErrStateInvalid},
		{"sealed with another key", "github", saved(t, other, sampleState()), ErrStateInvalid},
		{"one bit flipped", "github", &http.Cookie{Name: good.Name, Value: base64.RawURLEncoding.EncodeToString(flipped)}, ErrStateInvalid},
		{"not base64", "github", &http.Cookie{Name: good.Name, Value: "!!!"}, ErrStateInvalid},
		{"too short", "github", &http.Cookie{Name: good.Name, Value: "AAAA"}, ErrStateInvalid},
		{"too long", "github", &http.Cookie{Name: good.Name, Value: strings.Repeat("A", maxCookieValue+1)}, ErrStateInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, cleared, err := take(t, s, "http://127.0.0.1/auth/github/callback", tt.app, tt.cookie)
			if st != nil || !errors.Is(err, tt.wantErr) {
				t.Errorf("Take: got %+v, %v; want error %v", st, err, tt.wantErr)
			}
			if tt.wantErr == ErrStateInvalid && (cleared == nil || cleared.MaxAge != -1 || cleared.Path != "/auth/github/callback" || cleared.Secure) {
				t.Errorf("Take set cookie %+v, want the unreadable one cleared on the request's path, not Secure on http loopback", cleared)
			}
		})
	}
}

func TestNewCookieStoreKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewCookieStore(make([]byte, n)); err == nil {
			t.Errorf("NewCookieStore with a %d-byte key: got no error, want one", n)
		}
	}
}

func TestRandomCookieStoresDiffer(t *testing.T) {
	a, b := newRandomCookieStore(), newRandomCookieStore()
	ck := saved(t, a, sampleState())
	if _, _, err := take(t, b, "https://app.example/auth/github/callback", "github", ck); !errors.Is(err, ErrStateInvalid) {
		t.Errorf("a cookie of one random store opened in another: got %v, want ErrStateInvalid", err)
	}
}
