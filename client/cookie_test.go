package client

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
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

// nameFor is the documented name of the cookie of a login of app whose
// OAuth 2.0 state or OAuth 1.0 temporary credentials identifier is key.
func nameFor(app, key string) string {
	sum := sha256.Sum256([]byte(key))
	return "grantry_login_" + app + "_" + base64.RawURLEncoding.EncodeToString(sum[:12])
}

func TestCookieStoreRoundTrip(t *testing.T) {
	oauth1 := sampleState()
	oauth1.State, oauth1.Nonce, oauth1.Verifier, oauth1.AuthAfter = "", "", "", time.Time{}
	tests := []struct {
		name     string
		state    *State
		callback string
		wantName string
	}{
		{"OAuth 2.0, named by its state", sampleState(), "https://app.example/auth/github/callback?code=c&state=s", nameFor("github", "s")},
		{"OAuth 1.0, named by its temporary credentials", oauth1, "https://app.example/auth/github/callback?oauth_token=ot&oauth_verifier=v", nameFor("github", "ot")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStore(t)
			ck := saved(t, s, tt.state)
			if ck.Name != tt.wantName {
				t.Errorf("cookie name %q, want %q", ck.Name, tt.wantName)
			}
			if strings.Contains(ck.Value, "ots") || strings.Contains(ck.Value, "github") {
				t.Errorf("cookie value %q shows the state", ck.Value)
			}
			got, cleared, err := take(t, s, tt.callback, "github", ck)
			if err != nil {
				t.Fatalf("Take: %v", err)
			}
			if !reflect.DeepEqual(got, tt.state) {
				t.Errorf("Take: got %+v, want %+v", got, tt.state)
			}
			if cleared == nil || cleared.MaxAge != -1 || cleared.Path != ck.Path || cleared.Name != ck.Name {
				t.Errorf("Take set cookie %+v, want %s cleared on path %s", cleared, ck.Name, ck.Path)
			}
		})
	}
}

func TestCookieStoreSaveWithoutKey(t *testing.T) {
	st := sampleState()
	st.State, st.TempToken = "", ""
	w := httptest.NewRecorder()
	err := testStore(t).Save(w, httptest.NewRequest("GET", "/login", nil), st)
	if err == nil || len(w.Result().Cookies()) != 0 {
		t.Errorf("Save of a state with no OAuth 2.0 state and no temporary credentials: got %v and cookies %v, want an error and none", err, w.Result().Cookies())
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
		{"http://LOCALHOST/cb", "/cb", false},
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
		{"moved to another app", "gitlab", &http.Cookie{Name: nameFor("gitlab", "s"), Value: good.Value}, ErrStateInvalid},
		{"moved to another login", "github", &http.Cookie{Name: nameFor("github", "t"), Value: good.Value}, ErrStateInvalid},
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

// userAgent keeps the cookies a CookieStore sets, by name, as a user agent
// on a single path would.
type userAgent map[string]*http.Cookie

// keep applies the Set-Cookie headers of w, and returns the names it
// cleared.
func (ua userAgent) keep(w *httptest.ResponseRecorder) []string {
	var cleared []string
	for _, ck := range w.Result().Cookies() {
		if ck.MaxAge < 0 {
			cleared = append(cleared, ck.Name)
			delete(ua, ck.Name)
			continue
		}
		ua[ck.Name] = ck
	}
	slices.Sort(cleared)
	return cleared
}

// request returns a request to target carrying the cookies.
func (ua userAgent) request(target string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	for _, name := range slices.Sorted(maps.Keys(ua)) {
		r.AddCookie(&http.Cookie{Name: name, Value: ua[name].Value})
	}
	return r
}

// names returns the names of the cookies, sorted.
func (ua userAgent) names() []string { return slices.Sorted(maps.Keys(ua)) }

// login is a state of the app github named by key: an OAuth 2.0 one, or
// an OAuth 1.0 one when oauth1 is set.
func login(key string, oauth1 bool, expiry time.Time) *State {
	st := &State{App: "github", RedirectURI: "https://app.example/auth/github/callback", Expiry: expiry}
	if oauth1 {
		st.TempToken, st.TempSecret = key, key+"-secret"
	} else {
		st.State, st.Verifier = key, key+"-verifier"
	}
	return st
}

// sortedNames returns the cookie names of the logins of app named by keys,
// sorted.
func sortedNames(app string, keys ...string) []string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = nameFor(app, k)
	}
	slices.Sort(names)
	return names
}

func TestCookieStoreTakeFindsLogin(t *testing.T) {
	s := testStore(t)
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	const cb = "https://app.example/auth/github/callback"
	tests := []struct {
		name     string
		pending  []*State
		app      string
		callback string
		wantKey  string // the login taken, and its cookie cleared
		wantErr  error
	}{
		{"state names the first of two", []*State{login("s1", false, exp), login("s2", false, exp)}, "github", cb + "?code=c&state=s1", "s1", nil},
		{"state names the second of two", []*State{login("s1", false, exp), login("s2", false, exp)}, "github", cb + "?code=c&state=s2", "s2", nil},
		{"state of an error response", []*State{login("s1", false, exp), login("s2", false, exp)}, "github", cb + "?error=access_denied&state=s2", "s2", nil},
		{"oauth_token names one of two", []*State{login("t1", true, exp), login("t2", true, exp)}, "github", cb + "?oauth_token=t2&oauth_verifier=v", "t2", nil},
		{"denied names one of two", []*State{login("t1", true, exp), login("t2", true, exp)}, "github", cb + "?denied=t1", "t1", nil},
		{"state first, then oauth_token", []*State{login("t1", true, exp)}, "github", cb + "?state=app-own&oauth_token=t1&oauth_verifier=v", "t1", nil},
		{"names nothing, one pending", []*State{login("t1", true, exp)}, "github", cb + "?error=access_denied", "t1", nil},
		{"state of no pending login", []*State{login("s1", false, exp), login("s2", false, exp)}, "github", cb + "?code=c&state=s3", "", ErrStateMismatch},
		{"state of no pending login, one pending", []*State{login("s1", false, exp)}, "github", cb + "?code=c&state=s3", "", ErrStateMismatch},
		{"oauth_token of no pending login", []*State{login("t1", true, exp), login("t2", true, exp)}, "github", cb + "?oauth_token=t3&oauth_verifier=v", "", ErrStateMismatch},
		{"denied of no pending login", []*State{login("t1", true, exp)}, "github", cb + "?denied=t3", "", ErrStateMismatch},
		{"names nothing, two pending", []*State{login("t1", true, exp), login("t2", true, exp)}, "github", cb + "?error=access_denied", "", ErrStateMismatch},
		{"empty state, two pending", []*State{login("s1", false, exp), login("s2", false, exp)}, "github", cb + "?code=c&state=", "", ErrStateMismatch},
		{"names a login, none pending", nil, "github", cb + "?code=c&state=s1", "", ErrStateMissing},
		{"only another app's logins pending", []*State{login("s1", false, exp)}, "gitlab", cb + "?code=c&state=s1", "", ErrStateMissing},
		{"only logins of an app whose name extends it", []*State{{App: "github_x", RedirectURI: cb, Expiry: exp, State: "s1"}}, "github", cb + "?code=c&state=s1", "", ErrStateMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ua := userAgent{}
			for _, st := range tt.pending {
				w := httptest.NewRecorder()
				if err := s.Save(w, ua.request("/login"), st); err != nil {
					t.Fatalf("Save: %v", err)
				}
				ua.keep(w)
			}
			before := ua.names()
			w := httptest.NewRecorder()
			st, err := s.Take(w, ua.request(tt.callback), tt.app)
			cleared := ua.keep(w)
			if tt.wantErr != nil {
				if st != nil || !errors.Is(err, tt.wantErr) || len(cleared) != 0 {
					t.Errorf("Take: got %+v, %v, cleared %v; want error %v and nothing cleared", st, err, cleared, tt.wantErr)
				}
				return
			}
			if err != nil || st == nil || st.key() != tt.wantKey {
				t.Fatalf("Take: got %+v, %v; want the login %s", st, err, tt.wantKey)
			}
			if want := []string{nameFor("github", tt.wantKey)}; !slices.Equal(cleared, want) || len(ua) != len(before)-1 {
				t.Errorf("Take cleared %v of %v, want only %v", cleared, before, want)
			}
		})
	}
}

func TestCookieStoreBoundsPendingLogins(t *testing.T) {
	s := testStore(t)
	base := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	// Six logins, each started with all the cookies of the previous ones,
	// expiring in an order other than the one they were started in.
	saves := []struct {
		key       string
		expiresIn time.Duration
		wantKept  []string
	}{
		{"s1", 5 * time.Minute, []string{"s1"}},
		{"s2", 1 * time.Minute, []string{"s1", "s2"}},
		{"s3", 6 * time.Minute, []string{"s1", "s2", "s3"}},
		{"s4", 2 * time.Minute, []string{"s1", "s2", "s3", "s4"}},
		{"s5", 3 * time.Minute, []string{"s1", "s3", "s4", "s5"}},
		{"s6", 4 * time.Minute, []string{"s1", "s3", "s5", "s6"}},
	}
	ua := userAgent{}
	for _, sv := range saves {
		w := httptest.NewRecorder()
		if err := s.Save(w, ua.request("https://app.example/auth/github/callback"), login(sv.key, false, base.Add(sv.expiresIn))); err != nil {
			t.Fatalf("Save %s: %v", sv.key, err)
		}
		ua.keep(w)
		if got, want := ua.names(), sortedNames("github", sv.wantKept...); !slices.Equal(got, want) {
			t.Errorf("after saving %s: got cookies %v, want those of %v", sv.key, got, sv.wantKept)
		}
	}
	if len(ua) != MaxPendingLogins {
		t.Errorf("got %d pending logins, want MaxPendingLogins = %d", len(ua), MaxPendingLogins)
	}
}

func TestCookieStoreTrim(t *testing.T) {
	s := testStore(t)
	base := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	at := func(key string, minutes int, redirectURI string) *State {
		st := login(key, false, base.Add(time.Duration(minutes)*time.Minute))
		if redirectURI != "" {
			st.RedirectURI = redirectURI
		}
		return st
	}
	garbage := &http.Cookie{Name: nameFor("github", "forged"), Value: "AAAA"}
	tests := []struct {
		name        string
		pending     []*State
		extra       []*http.Cookie // carried besides the pending logins
		fresh       *State
		wantCleared map[string]string // name -> path it is cleared on
	}{
		{"below the bound", []*State{at("s1", 1, ""), at("s2", 2, "")}, nil, at("s3", 3, ""), map[string]string{}},
		{"at the bound", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, "")}, nil, at("s4", 4, ""), map[string]string{}},
		{"the new login expires first", []*State{at("s1", 5, ""), at("s2", 6, ""), at("s3", 7, ""), at("s4", 8, "")}, nil, at("s5", 1, ""),
			map[string]string{nameFor("github", "s1"): "/auth/github/callback"}},
		{"unreadable ones first", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, "")}, []*http.Cookie{garbage}, at("s4", 4, ""),
			map[string]string{garbage.Name: "/auth/github/callback"}},
		{"cleared on the path it was set for", []*State{at("s1", 1, "https://app.example/auth"), at("s2", 2, ""), at("s3", 3, ""), at("s4", 4, "")}, nil, at("s5", 5, ""),
			map[string]string{nameFor("github", "s1"): "/auth"}},
		{"the new login's own cookie carried", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, ""), at("s4", 4, "")}, nil, at("s4", 4, ""),
			map[string]string{}},
		{"the new login's own cookie carried, above the bound", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, ""), at("s4", 4, ""), at("s5", 5, "")}, nil, at("s1", 9, ""),
			map[string]string{nameFor("github", "s2"): "/auth/github/callback"}},
		{"other apps' logins left alone", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, "")},
			[]*http.Cookie{saved(t, s, &State{App: "gitlab", State: "g1", Expiry: base}), saved(t, s, &State{App: "github_x", State: "g2", Expiry: base})},
			at("s4", 4, ""), map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ua := userAgent{}
			for _, st := range tt.pending {
				ua[nameFor("github", st.State)] = saved(t, s, st)
			}
			for _, ck := range tt.extra {
				ua[ck.Name] = ck
			}
			w := httptest.NewRecorder()
			if err := s.Save(w, ua.request("https://app.example/auth/github/callback"), tt.fresh); err != nil {
				t.Fatalf("Save: %v", err)
			}
			got := map[string]string{}
			set := 0
			for _, ck := range w.Result().Cookies() {
				if ck.MaxAge < 0 {
					got[ck.Name] = ck.Path
				} else if ck.Name == nameFor("github", tt.fresh.State) {
					set++
				}
			}
			if !maps.Equal(got, tt.wantCleared) || set != 1 {
				t.Errorf("Save cleared %v and set the new login %d times, want %v cleared and it set once", got, set, tt.wantCleared)
			}
		})
	}
}
