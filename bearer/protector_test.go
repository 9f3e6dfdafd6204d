package bearer_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var now = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// Tokens in the test store, by the value a client presents.
const (
	profileToken = "profile-token"
	bothToken    = "both-token"
	adminToken   = "admin-token"
	noScopeToken = "noscope-token"
	expiredToken = "expired-token"
	revokedToken = "revoked-token"
	refreshToken = "refresh-token" // the refresh token of profileToken's record
)

func newStore(t testing.TB) *memstore.Store {
	t.Helper()
	s := memstore.New()
	later := now.Add(time.Hour)
	for _, tok := range []*storage.Token{
		{ID: "p", ClientID: "c1", Subject: "alice", Scope: grantry.Scope{"profile"}, AccessHash: secret.Digest(profileToken),
			RefreshHash: secret.Digest(refreshToken), IssuedAt: now, ExpiresAt: later},
		{ID: "b", ClientID: "c1", Subject: "bob", Scope: grantry.Scope{"profile", "email"}, AccessHash: secret.Digest(bothToken), IssuedAt: now, ExpiresAt: later},
		{ID: "a", ClientID: "c2", Subject: "root", Scope: grantry.Scope{"admin"}, AccessHash: secret.Digest(adminToken), IssuedAt: now, ExpiresAt: later},
		{ID: "n", ClientID: "c3", AccessHash: secret.Digest(noScopeToken), IssuedAt: now, ExpiresAt: later},
		{ID: "e", ClientID: "c1", Scope: grantry.Scope{"profile"}, AccessHash: secret.Digest(expiredToken), IssuedAt: now.Add(-time.Hour), ExpiresAt: now},
		{ID: "r", ClientID: "c1", Scope: grantry.Scope{"profile"}, AccessHash: secret.Digest(revokedToken), IssuedAt: now, ExpiresAt: later, Revoked: true},
	} {
		if err := s.CreateToken(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func newValidator(s accesstoken.Store) *accesstoken.StoreValidator {
	return accesstoken.NewStoreValidator(s, accesstoken.StoreValidatorConfig{Issuer: "https://as.test", Now: func() time.Time { return now }})
}

func newProtector(t testing.TB, cfg bearer.Config) *bearer.Protector {
	t.Helper()
	cfg.Now = func() time.Time { return now }
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return bearer.New(newValidator(newStore(t)), cfg)
}

// whoami answers with the subject and scope of the token in the context.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	info, ok := bearer.FromContext(r.Context())
	if !ok {
		http.Error(w, "no token in context", http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "%s %s", info.Subject, info.Scope)
})

func withBearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func withHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Add(name, value) }
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

const (
	noCredentials = `Bearer realm="api"`
	invalidToken  = `Bearer realm="api", error="invalid_token", error_description="the access token is invalid, expired or revoked"`
)

func insufficient(scope string) string {
	return `Bearer realm="api", error="insufficient_scope", error_description="the access token does not grant the required scope", scope="` + scope + `"`
}

func invalidRequest(description string) string {
	return `Bearer realm="api", error="invalid_request", error_description="` + description + `"`
}

type answer struct {
	status    int
	challenge string // the exact WWW-Authenticate, "" for none
	code      string // the error of the JSON body, "" for no body
	body      string // the exact body of a 200
}

func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, want answer) {
	t.Helper()
	if rec.Code != want.status {
		t.Fatalf("status: got %d (%s), want %d", rec.Code, rec.Body, want.status)
	}
	if got := rec.Header().Get("WWW-Authenticate"); got != want.challenge {
		t.Errorf("WWW-Authenticate: got  %s\nwant %s", got, want.challenge)
	}
	if got := len(rec.Header().Values("WWW-Authenticate")); want.challenge != "" && got != 1 {
		t.Errorf("got %d WWW-Authenticate headers, want 1", got)
	}
	if got := rec.Header().Get("Retry-After"); (want.status == http.StatusServiceUnavailable) != (got == "5") {
		t.Errorf("Retry-After: got %q with status %d, want 5 with a 503 and none otherwise", got, rec.Code)
	}
	if want.status == http.StatusOK {
		if rec.Body.String() != want.body {
			t.Errorf("body: got %q, want %q", rec.Body, want.body)
		}
		return
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	if want.code == "" {
		if rec.Body.Len() != 0 {
			t.Errorf("body: got %q, want none (no error code, RFC 6750 §3.1)", rec.Body)
		}
		return
	}
	var e map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error"] != want.code {
		t.Errorf("body: got %s, want error %s", rec.Body, want.code)
	}
	if got := rec.Header().Get("Content-Type"); got != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type: got %q, want application/json;charset=UTF-8", got)
	}
}

// TestProtector covers the answers of RFC 6750 §3 through the middleware,
// exactly: status, challenge and error code.
func TestProtector(t *testing.T) {
	p := newProtector(t, bearer.Config{Realm: "api"})
	all := p.Require("profile", "email")
	tests := []struct {
		name    string
		handler func(http.Handler) http.Handler
		req     []func(*http.Request)
		want    answer
	}{
		// ACCEPTANCE 26: no credentials → 401, Bearer realm, no error code.
		{"ACCEPTANCE 26: no Authorization header", all, nil, answer{401, noCredentials, "", ""}},
		{"ACCEPTANCE 26: another scheme is no bearer credential", all, []func(*http.Request){withHeader("Authorization", "Basic YTpi")}, answer{401, noCredentials, "", ""}},
		{"ACCEPTANCE 26: a scheme that only starts like Bearer", all, []func(*http.Request){withHeader("Authorization", "Bearerx abc")}, answer{401, noCredentials, "", ""}},
		{"query token ignored unless enabled", all, []func(*http.Request){func(r *http.Request) { r.URL.RawQuery = "access_token=" + bothToken }}, answer{401, noCredentials, "", ""}},
		// ACCEPTANCE 27: unknown, expired or revoked → 401 invalid_token.
		{"ACCEPTANCE 27: unknown token", all, []func(*http.Request){withBearer("nope")}, answer{401, invalidToken, "invalid_token", ""}},
		{"ACCEPTANCE 27: expired token", all, []func(*http.Request){withBearer(expiredToken)}, answer{401, invalidToken, "invalid_token", ""}},
		{"ACCEPTANCE 27: revoked token", all, []func(*http.Request){withBearer(revokedToken)}, answer{401, invalidToken, "invalid_token", ""}},
		{"ACCEPTANCE 27: a refresh token is no access token", all, []func(*http.Request){withBearer(refreshToken)}, answer{401, invalidToken, "invalid_token", ""}},
		// ACCEPTANCE 28: scope profile on an all-of "profile email" resource → 403.
		{"ACCEPTANCE 28: missing one scope of all-of", all, []func(*http.Request){withBearer(profileToken)}, answer{403, insufficient("profile email"), "insufficient_scope", ""}},
		{"ACCEPTANCE 28: no scope at all", all, []func(*http.Request){withBearer(noScopeToken)}, answer{403, insufficient("profile email"), "insufficient_scope", ""}},
		{"all-of met", all, []func(*http.Request){withBearer(bothToken)}, answer{200, "", "", "bob profile email"}},
		{"no scope required", p.Require(), []func(*http.Request){withBearer(noScopeToken)}, answer{200, "", "", " "}},
		{"any-of: first alternative", p.RequireAny("profile email", "admin"), []func(*http.Request){withBearer(bothToken)}, answer{200, "", "", "bob profile email"}},
		{"any-of: second alternative", p.RequireAny("profile email", "admin"), []func(*http.Request){withBearer(adminToken)}, answer{200, "", "", "root admin"}},
		{"any-of: none met names the first", p.RequireAny("profile email", "admin"), []func(*http.Request){withBearer(profileToken)}, answer{403, insufficient("profile email"), "insufficient_scope", ""}},
		{"Protect with AllOf", p.Protect(bearer.AllOf("profile")), []func(*http.Request){withBearer(profileToken)}, answer{200, "", "", "alice profile"}},
		{"scheme is case-insensitive", all, []func(*http.Request){withHeader("Authorization", "bEARER "+bothToken)}, answer{200, "", "", "bob profile email"}},
		{"several spaces after the scheme", all, []func(*http.Request){withHeader("Authorization", "Bearer   "+bothToken)}, answer{200, "", "", "bob profile email"}},
		// RFC 6750 §3.1 invalid_request.
		{"Bearer without a token", all, []func(*http.Request){withHeader("Authorization", "Bearer")}, answer{400, invalidRequest("the Authorization header holds no access token"), "invalid_request", ""}},
		{"Bearer and spaces", all, []func(*http.Request){withHeader("Authorization", "Bearer    ")}, answer{400, invalidRequest("the Authorization header holds no access token"), "invalid_request", ""}},
		{"token outside the b64token syntax", all, []func(*http.Request){withBearer("a,b")}, answer{400, invalidRequest("the access token is malformed"), "invalid_request", ""}},
		{"token with an inner space", all, []func(*http.Request){withBearer("abc def")}, answer{400, invalidRequest("the access token is malformed"), "invalid_request", ""}},
		{"padding in the middle", all, []func(*http.Request){withBearer("ab=c")}, answer{400, invalidRequest("the access token is malformed"), "invalid_request", ""}},
		{"two Authorization headers", all, []func(*http.Request){withBearer(bothToken), withHeader("Authorization", "Bearer "+bothToken)},
			answer{400, invalidRequest("more than one Authorization header"), "invalid_request", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/resource", nil)
			for _, f := range tt.req {
				f(r)
			}
			checkAnswer(t, serve(tt.handler(whoami), r), tt.want)
		})
	}
}

// TestTokenPlacement covers where the token may be sent (RFC 6750 §2) and
// that sending it in two places is invalid_request (§3.1).
func TestTokenPlacement(t *testing.T) {
	both := bearer.Config{Realm: "api", AllowForm: true, InsecureAllowQuery: true}
	twice := invalidRequest("the access token was sent in more than one place")
	small := both
	small.MaxFormBytes = int64(len("access_token="+bothToken) + 8*len("&n=1"))
	tests := []struct {
		name   string
		cfg    bearer.Config
		method string
		query  string
		form   string // a form body when not empty
		header string
		want   answer
	}{
		{"query when enabled", both, "GET", "access_token=" + bothToken, "", "", answer{200, "", "", "bob profile email"}},
		{"form when enabled", both, "POST", "", "access_token=" + bothToken + "&x=1", "", answer{200, "", "", "bob profile email"}},
		{"form ignored when disabled", bearer.Config{Realm: "api"}, "POST", "", "access_token=" + bothToken, "", answer{401, noCredentials, "", ""}},
		{"form ignored on GET", both, "GET", "", "access_token=" + bothToken, "", answer{401, noCredentials, "", ""}},
		{"header and query", both, "GET", "access_token=" + bothToken, "", "Bearer " + bothToken, answer{400, twice, "invalid_request", ""}},
		{"header and form", both, "POST", "", "access_token=" + bothToken, "Bearer " + bothToken, answer{400, twice, "invalid_request", ""}},
		{"form and query", both, "POST", "access_token=" + bothToken, "access_token=" + bothToken, "", answer{400, twice, "invalid_request", ""}},
		{"header and a disabled query", bearer.Config{Realm: "api"}, "GET", "access_token=x", "", "Bearer " + bothToken, answer{200, "", "", "bob profile email"}},
		{"query repeated", both, "GET", "access_token=a&access_token=b", "", "", answer{400, invalidRequest("access_token is repeated"), "invalid_request", ""}},
		{"query empty", both, "GET", "access_token=", "", "", answer{400, invalidRequest("access_token is empty"), "invalid_request", ""}},
		{"query malformed", both, "GET", "access_token=%zz", "", "", answer{400, invalidRequest("the query is malformed"), "invalid_request", ""}},
		{"other query parameters", both, "GET", "page=2", "", "Bearer " + bothToken, answer{200, "", "", "bob profile email"}},
		{"form repeated", both, "POST", "", "access_token=a&access_token=b", "", answer{400, invalidRequest("access_token is repeated"), "invalid_request", ""}},
		{"form malformed", both, "POST", "", "access_token=%zz", "", answer{400, invalidRequest("the form body is malformed"), "invalid_request", ""}},
		{"query token invalid", both, "GET", "access_token=nope", "", "", answer{401, invalidToken, "invalid_token", ""}},
		{"form without a token, header with one", both, "POST", "", "note=x", "Bearer " + bothToken, answer{200, "", "", "bob profile email"}},
		{"form with an empty token", both, "POST", "", "access_token=", "", answer{400, invalidRequest("access_token is empty"), "invalid_request", ""}},
		{"form at MaxFormBytes", small, "POST", "", "access_token=" + bothToken + strings.Repeat("&n=1", 8), "", answer{200, "", "", "bob profile email"}},
		{"form beyond MaxFormBytes", small, "POST", "", "access_token=" + bothToken + strings.Repeat("&n=1", 9), "", answer{400, invalidRequest("the form body is too large"), "invalid_request", ""}},
		{"form beyond MaxFormBytes with a header token", small, "POST", "", strings.Repeat("n=1&", 40), "Bearer " + bothToken, answer{400, invalidRequest("the form body is too large"), "invalid_request", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProtector(t, tt.cfg)
			target := "/resource"
			if tt.query != "" {
				target += "?" + tt.query
			}
			var r *http.Request
			if tt.form != "" {
				r = httptest.NewRequest(tt.method, target, strings.NewReader(tt.form))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				r = httptest.NewRequest(tt.method, target, nil)
			}
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			checkAnswer(t, serve(p.Require("profile")(whoami), r), tt.want)
		})
	}
}

// TestFormStaysReadable: after the middleware read the token from the
// body, the handler still finds the other form fields.
func TestFormStaysReadable(t *testing.T) {
	p := newProtector(t, bearer.Config{AllowForm: true})
	h := p.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.PostFormValue("note"))
	}))
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("note=hello&access_token="+bothToken))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := serve(h, r)
	if rec.Code != 200 || rec.Body.String() != "hello" {
		t.Errorf("got %d %q, want 200 hello", rec.Code, rec.Body)
	}
}

// TestContext checks what the next handler sees: the token info, the
// values and cancellation of the original context.
func TestContext(t *testing.T) {
	p := newProtector(t, bearer.Config{})
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "outer"))
	var got *grantry.TokenInfo
	var outer any
	var done <-chan struct{}
	h := p.Require("profile")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = bearer.FromContext(r.Context())
		outer = r.Context().Value(key{})
		done = r.Context().Done()
	}))
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+profileToken)
	serve(h, r)
	want := &grantry.TokenInfo{Active: true, Scope: grantry.Scope{"profile"}, ClientID: "c1", TokenType: "Bearer",
		ExpiresAt: now.Add(time.Hour), IssuedAt: now, Subject: "alice", Issuer: "https://as.test", JTI: "p"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromContext: got %+v, want %+v", got, want)
	}
	if outer != "outer" {
		t.Errorf("value of the original context: got %v, want outer", outer)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Error("cancelling the original context did not reach the handler's")
	}
	if _, ok := bearer.FromContext(context.Background()); ok {
		t.Error("FromContext on a bare context: got ok, want none")
	}
	info := &grantry.TokenInfo{Active: true, Subject: "x"}
	if got, ok := bearer.FromContext(bearer.NewContext(context.Background(), info)); !ok || got != info {
		t.Errorf("FromContext(NewContext(info)): got (%v, %v), want (info, true)", got, ok)
	}
	if _, ok := bearer.FromContext(bearer.NewContext(context.Background(), nil)); ok {
		t.Error("FromContext(NewContext(nil)): got ok, want none")
	}
}

func TestAcquire(t *testing.T) {
	p := newProtector(t, bearer.Config{Realm: "api"})
	req := func(token string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return r
	}
	t.Run("success", func(t *testing.T) {
		info, err := p.Acquire(req(adminToken), bearer.AnyOf("profile", "admin"))
		if err != nil || info.Subject != "root" || !info.Scope.Has("admin") {
			t.Errorf("got (%+v, %v), want root's token", info, err)
		}
	})
	tests := []struct {
		name    string
		token   string
		q       bearer.Requirement
		want    answer
		noToken bool
	}{
		{"ACCEPTANCE 26: anonymous", "", bearer.Requirement{}, answer{401, noCredentials, "", ""}, true},
		{"ACCEPTANCE 27: invalid", "nope", bearer.Requirement{}, answer{401, invalidToken, "invalid_token", ""}, false},
		{"ACCEPTANCE 28: insufficient", profileToken, bearer.AllOf("profile email"), answer{403, insufficient("profile email"), "insufficient_scope", ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req(tt.token)
			info, err := p.Acquire(r, tt.q)
			if err == nil || info != nil {
				t.Fatalf("got (%v, %v), want an error", info, err)
			}
			if got := errors.Is(err, bearer.ErrNoToken); got != tt.noToken {
				t.Errorf("errors.Is(err, ErrNoToken): got %v, want %v", got, tt.noToken)
			}
			rec := httptest.NewRecorder()
			p.WriteError(rec, r, err)
			checkAnswer(t, rec, tt.want)
		})
	}
}

// TestOnTokenAuthenticated: called once per accepted request, after every
// check, and never for a refused one.
func TestOnTokenAuthenticated(t *testing.T) {
	var calls []string
	p := newProtector(t, bearer.Config{OnTokenAuthenticated: func(r *http.Request, info *grantry.TokenInfo) {
		calls = append(calls, r.URL.Path+" "+info.JTI)
	}})
	h := p.Require("profile")(whoami)
	for _, tc := range []struct{ path, token string }{
		{"/ok", profileToken}, {"/scope", noScopeToken}, {"/bad", "nope"}, {"/none", ""}, {"/ok2", bothToken},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.token != "" {
			r.Header.Set("Authorization", "Bearer "+tc.token)
		}
		serve(h, r)
	}
	if _, err := p.Acquire(func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/acquire", nil)
		r.Header.Set("Authorization", "Bearer "+adminToken)
		return r
	}(), bearer.Requirement{}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/ok p", "/ok2 b", "/acquire a"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("calls: got %q, want %q", calls, want)
	}
}

// FuzzAuthorizationHeader checks that no Authorization header makes the
// protector panic or answer other than RFC 6750 allows, and that a token
// reaches the validator only when it has the b64token syntax.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, s := range []string{"Bearer abc", "Bearer", "bearer a=", "Basic x", "Bearer a b", "Bearer ===", "Bearer a/+_~.-9==", "Bearer \x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		var seen []string
		v := funcValidator(func(_ context.Context, token string) (grantry.TokenInfo, error) {
			seen = append(seen, token)
			return grantry.TokenInfo{Active: true}, nil
		})
		p := bearer.New(v, bearer.Config{Realm: "r"})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{header}
		rec := serve(p.Require()(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})), r)
		switch rec.Code {
		case 200, 400, 401:
		default:
			t.Fatalf("header %q: got status %d", header, rec.Code)
		}
		for _, tok := range seen {
			if !b64token(tok) {
				t.Errorf("header %q: the validator got %q, outside b64token", header, tok)
			}
		}
		if rec.Code != 200 && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("header %q: status %d without a challenge", header, rec.Code)
		}
	})
}

func b64token(s string) bool {
	t := strings.TrimRight(s, "=")
	if t == "" {
		return false
	}
	for _, c := range t {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/", c) {
			return false
		}
	}
	return true
}

// TestQueryEscapedToken: a query token is percent-decoded before use.
func TestQueryEscapedToken(t *testing.T) {
	p := newProtector(t, bearer.Config{InsecureAllowQuery: true})
	r := httptest.NewRequest(http.MethodGet, "/?access_token="+url.QueryEscape(bothToken), nil)
	if rec := serve(p.Require()(whoami), r); rec.Code != 200 {
		t.Errorf("got %d, want 200", rec.Code)
	}
}

// TestRFC6750Examples reproduces the challenges of RFC 6750 §3 (there
// folded over lines).
func TestRFC6750Examples(t *testing.T) {
	expired := funcValidator(func(context.Context, string) (grantry.TokenInfo, error) {
		return grantry.TokenInfo{}, grantry.NewError(grantry.ErrInvalidToken, "The access token expired")
	})
	p := bearer.New(expired, bearer.Config{Realm: "example"})
	h := p.Require()(whoami)

	rec := serve(h, httptest.NewRequest(http.MethodGet, "/resource", nil))
	if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer realm="example"`; rec.Code != 401 || got != want {
		t.Errorf("no credentials: got %d %s, want 401 %s", rec.Code, got, want)
	}
	r := httptest.NewRequest(http.MethodGet, "/resource", nil)
	r.Header.Set("Authorization", "Bearer mF_9.B5f-4.1JqM")
	rec = serve(h, r)
	want := `Bearer realm="example", error="invalid_token", error_description="The access token expired"`
	if got := rec.Header().Get("WWW-Authenticate"); rec.Code != 401 || got != want {
		t.Errorf("expired token: got %d %s, want 401 %s", rec.Code, got, want)
	}
}

// TestJSONBodyIgnored: a body that is not a form is never read for a token.
func TestJSONBodyIgnored(t *testing.T) {
	p := newProtector(t, bearer.Config{Realm: "api", AllowForm: true})
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"access_token":"`+bothToken+`"}`))
	r.Header.Set("Content-Type", "application/json")
	checkAnswer(t, serve(p.Require()(whoami), r), answer{401, noCredentials, "", ""})
}
