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

// testBrowser is the BrowserCookie value of the user agent of the tests.
var testBrowser = base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))

// asBrowser adds to r the BrowserCookie of the tests' user agent, under
// both its names, and returns r.
func asBrowser(r *http.Request, value string) *http.Request {
	r.AddCookie(&http.Cookie{Name: "__Host-grantry_browser", Value: value})
	r.AddCookie(&http.Cookie{Name: "grantry_browser", Value: value})
	return r
}

// saved returns the Set-Cookie that Save writes for st, in the tests'
// user agent.
func saved(t *testing.T, s *CookieStore, st *State) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := s.Save(w, asBrowser(httptest.NewRequest("GET", "/login", nil), testBrowser), st); err != nil {
		t.Fatalf("Save: %v", err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("Save set %d cookies, want 1", len(cs))
	}
	return cs[0]
}

// take runs Take on a callback request of the tests' user agent carrying
// ck and returns the state, the cookie Take set and the error.
func take(t *testing.T, s *CookieStore, target, app string, ck *http.Cookie) (*State, *http.Cookie, error) {
	t.Helper()
	r := asBrowser(httptest.NewRequest("GET", target, nil), testBrowser)
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
// OAuth 2.0 state or OAuth 1.0 temporary credentials identifier is key,
// and whose redirect URI is https.
func nameFor(app, key string) string { return "__Host-" + plainNameFor(app, key) }

// scopedNameFor is that name in a store scoped to the redirect URI's
// path, and plainNameFor the name for a redirect URI on http loopback.
func scopedNameFor(app, key string) string { return "__Secure-" + plainNameFor(app, key) }

func plainNameFor(app, key string) string {
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
	scoped, err := NewCookieStore(testKey, ScopeToRedirectPath())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		store       *CookieStore
		redirectURI string
		cookie      string
		path        string
		secure      bool
	}{
		{"https", testStore(t), "https://app.example/auth/github/callback", nameFor("github", "s"), "/", true},
		{"https, no path", testStore(t), "https://app.example", nameFor("github", "s"), "/", true},
		{"IPv4 loopback", testStore(t), "http://127.0.0.1:8080/cb", plainNameFor("github", "s"), "/", false},
		{"IPv6 loopback", testStore(t), "http://[::1]:8080/cb", plainNameFor("github", "s"), "/", false},
		{"localhost", testStore(t), "http://localhost/cb", plainNameFor("github", "s"), "/", false},
		{"LOCALHOST", testStore(t), "http://LOCALHOST/cb", plainNameFor("github", "s"), "/", false},
		// allowed only with InsecureAllowHTTP; still Secure
		{"http elsewhere", testStore(t), "http://app.example/cb", nameFor("github", "s"), "/", true},
		{"scoped, https", scoped, "https://app.example/auth/github/callback", scopedNameFor("github", "s"), "/auth/github/callback", true},
		{"scoped, https, no path", scoped, "https://app.example", scopedNameFor("github", "s"), "/", true},
		{"scoped, loopback", scoped, "http://127.0.0.1:8080/cb", plainNameFor("github", "s"), "/cb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := sampleState()
			st.RedirectURI = tt.redirectURI
			ck := saved(t, tt.store, st)
			got := []any{ck.Name, ck.Path, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Expires.Equal(st.Expiry), ck.Domain}
			want := []any{tt.cookie, tt.path, tt.secure, true, http.SameSiteLaxMode, true, ""}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("name, path, Secure, HttpOnly, SameSite, Expires=expiry, Domain: got %v, want %v", got, want)
			}
		})
	}
}

func TestBrowserCookie(t *testing.T) {
	tests := []struct {
		name        string
		redirectURI string
		carried     string // the BrowserCookie value the request carries
		wantName    string // the BrowserCookie set, or "" for none
		wantSecure  bool
	}{
		{"https, first login", "https://app.example/cb", "", "__Host-grantry_browser", true},
		{"loopback, first login", "http://127.0.0.1/cb", "", "grantry_browser", false},
		{"https, kept", "https://app.example/cb", testBrowser, "", false},
		{"https, malformed value replaced", "https://app.example/cb", "short", "__Host-grantry_browser", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := sampleState()
			st.RedirectURI = tt.redirectURI
			r := httptest.NewRequest("GET", "/login", nil)
			if tt.carried != "" {
				asBrowser(r, tt.carried)
			}
			w := httptest.NewRecorder()
			if err := testStore(t).Save(w, r, st); err != nil {
				t.Fatal(err)
			}
			var got *http.Cookie
			for _, ck := range w.Result().Cookies() {
				if strings.HasSuffix(ck.Name, BrowserCookie) {
					got = ck
				}
			}
			switch {
			case tt.wantName == "" && got != nil:
				t.Errorf("Save set %+v, want the carried BrowserCookie kept", got)
			case tt.wantName == "":
			case got == nil:
				t.Errorf("Save set no BrowserCookie, want %s", tt.wantName)
			case got.Name != tt.wantName || got.Path != "/" || got.Domain != "" || !got.HttpOnly || got.Secure != tt.wantSecure ||
				got.SameSite != http.SameSiteLaxMode || !validBrowser(got.Value) || got.Value == tt.carried:
				t.Errorf("BrowserCookie %+v, want %s on /, no Domain, HttpOnly, Secure=%v, SameSite=Lax, 32 fresh random bytes", got, tt.wantName, tt.wantSecure)
			}
		})
	}
}

// TestCookieStoreRefusesPlantedLogin plays login CSRF: an attacker starts
// a login in a browser of his own and plants its cookie, under any name,
// in the victim's, then sends the victim to the callback with his code.
func TestCookieStoreRefusesPlantedLogin(t *testing.T) {
	s := testStore(t)
	attacker := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	const cb = "https://app.example/auth/github/callback?code=attackers&state=s"
	w := httptest.NewRecorder()
	if err := s.Save(w, asBrowser(httptest.NewRequest("GET", "/login", nil), attacker), sampleState()); err != nil {
		t.Fatal(err)
	}
	planted := w.Result().Cookies()[0]
	tests := []struct {
		name    string
		victim  string // the victim's BrowserCookie, or "" for none
		cookies []*http.Cookie
		wantErr error
	}{
		{"victim with a browser cookie", testBrowser, []*http.Cookie{planted}, ErrStateMismatch},
		{"victim with none yet", "", []*http.Cookie{planted}, ErrStateMismatch},
		{"renamed without a prefix, with a planted browser cookie", "", []*http.Cookie{
			{Name: plainNameFor("github", "s"), Value: planted.Value}, {Name: "grantry_browser", Value: attacker}}, ErrStateInvalid},
		{"renamed to __Secure-", testBrowser, []*http.Cookie{{Name: scopedNameFor("github", "s"), Value: planted.Value}}, ErrStateInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", cb, nil)
			if tt.victim != "" {
				r.AddCookie(&http.Cookie{Name: "__Host-grantry_browser", Value: tt.victim})
			}
			for _, ck := range tt.cookies {
				r.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
			}
			st, err := s.Take(httptest.NewRecorder(), r, "github")
			if st != nil || !errors.Is(err, tt.wantErr) {
				t.Errorf("Take: got %+v, %v; want error %v", st, err, tt.wantErr)
			}
		})
	}
	t.Run("the attacker's own browser", func(t *testing.T) {
		r := httptest.NewRequest("GET", cb, nil)
		r.AddCookie(&http.Cookie{Name: "__Host-grantry_browser", Value: attacker})
		r.AddCookie(&http.Cookie{Name: planted.Name, Value: planted.Value})
		if st, err := s.Take(httptest.NewRecorder(), r, "github"); err != nil || st.State != "s" {
			t.Errorf("Take: got %+v, %v; want the login", st, err)
		}
	})
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
			if tt.wantErr == ErrStateInvalid && (cleared == nil || cleared.MaxAge != -1 || cleared.Path != "/" || !cleared.Secure) {
				t.Errorf("Take set cookie %+v, want the unreadable one cleared on /, Secure as its prefix demands", cleared)
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

// names returns the names of the login cookies, sorted.
func (ua userAgent) names() []string {
	var names []string
	for name := range ua {
		if !strings.HasSuffix(name, BrowserCookie) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

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
			if want := []string{nameFor("github", tt.wantKey)}; !slices.Equal(cleared, want) || len(ua.names()) != len(before)-1 {
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
	if len(ua.names()) != MaxPendingLogins {
		t.Errorf("got %d pending logins, want MaxPendingLogins = %d", len(ua.names()), MaxPendingLogins)
	}
}

func TestCookieStoreTrim(t *testing.T) {
	s, err := NewCookieStore(testKey, ScopeToRedirectPath())
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
	at := func(key string, minutes int, redirectURI string) *State {
		st := login(key, false, base.Add(time.Duration(minutes)*time.Minute))
		if redirectURI != "" {
			st.RedirectURI = redirectURI
		}
		return st
	}
	garbage := &http.Cookie{Name: scopedNameFor("github", "forged"), Value: "AAAA"}
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
			map[string]string{scopedNameFor("github", "s1"): "/auth/github/callback"}},
		{"unreadable ones first", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, "")}, []*http.Cookie{garbage}, at("s4", 4, ""),
			map[string]string{garbage.Name: "/auth/github/callback"}},
		{"cleared on the path it was set for", []*State{at("s1", 1, "https://app.example/auth"), at("s2", 2, ""), at("s3", 3, ""), at("s4", 4, "")}, nil, at("s5", 5, ""),
			map[string]string{scopedNameFor("github", "s1"): "/auth"}},
		{"the new login's own cookie carried", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, ""), at("s4", 4, "")}, nil, at("s4", 4, ""),
			map[string]string{}},
		{"the new login's own cookie carried, above the bound", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, ""), at("s4", 4, ""), at("s5", 5, "")}, nil, at("s1", 9, ""),
			map[string]string{scopedNameFor("github", "s2"): "/auth/github/callback"}},
		{"other apps' logins left alone", []*State{at("s1", 1, ""), at("s2", 2, ""), at("s3", 3, "")},
			[]*http.Cookie{saved(t, s, &State{App: "gitlab", State: "g1", Expiry: base}), saved(t, s, &State{App: "github_x", State: "g2", Expiry: base})},
			at("s4", 4, ""), map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ua := userAgent{}
			for _, st := range tt.pending {
				ua[scopedNameFor("github", st.State)] = saved(t, s, st)
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
				} else if ck.Name == scopedNameFor("github", tt.fresh.State) {
					set++
				}
			}
			if !maps.Equal(got, tt.wantCleared) || set != 1 {
				t.Errorf("Save cleared %v and set the new login %d times, want %v cleared and it set once", got, set, tt.wantCleared)
			}
		})
	}
}
