package bearer_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// TestIntrospectorWithIntrospectionEndpoint runs the remote validator
// against Grantry's own introspection endpoint.
func TestIntrospectorWithIntrospectionEndpoint(t *testing.T) {
	store := newStore(t)
	if err := store.CreateClient(context.Background(), &storage.Client{ID: "rs:1", SecretHash: secret.HashSecret("rs secret&=")}); err != nil {
		t.Fatal(err)
	}
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.test", Clients: store, Tokens: store, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	in := introspection.New(store, introspection.Config{Issuer: srv.Issuer(), CheckPermission: introspection.Callers("rs:1")})
	as := httptest.NewServer(srv.Mount(in))
	defer as.Close()
	v, err := bearer.NewIntrospector(bearer.IntrospectionConfig{
		Endpoint: as.URL, Client: as.Client(), ClientID: "rs:1", ClientSecret: "rs secret&=",
	})
	if err != nil {
		t.Fatal(err)
	}
	p := bearer.New(v, bearer.Config{Realm: "api", Now: func() time.Time { return now }})
	tests := []struct {
		token string
		want  answer
	}{
		{bothToken, answer{200, "", "", "bob profile email"}},
		{profileToken, answer{403, insufficient("profile email"), "insufficient_scope", ""}},
		{revokedToken, answer{401, invalidToken, "invalid_token", ""}},
		{expiredToken, answer{401, invalidToken, "invalid_token", ""}},
		{"nope", answer{401, invalidToken, "invalid_token", ""}},
		// The endpoint describes refresh tokens with token_type
		// refresh_token, which the introspector refuses.
		{refreshToken, answer{401, invalidToken, "invalid_token", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tt.token)
			checkAnswer(t, serve(p.Require("profile", "email")(whoami), r), tt.want)
		})
	}
}

// fakeAS is an introspection endpoint that answers with a fixed response
// and records the requests it gets.
type fakeAS struct {
	mu       sync.Mutex
	status   int
	ctype    string
	body     string
	hits     atomic.Int32
	lastForm url.Values
	lastAuth string
	method   string
}

func (f *fakeAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	_ = r.ParseForm()
	f.mu.Lock()
	f.lastForm, f.lastAuth, f.method = r.PostForm, r.Header.Get("Authorization"), r.Method+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("Accept")
	status, ctype, body := f.status, f.ctype, f.body
	f.mu.Unlock()
	if ctype == "" {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	if status == 0 {
		status = 200
	}
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (f *fakeAS) answer(body string) {
	f.mu.Lock()
	f.body = body
	f.mu.Unlock()
}

func newIntrospector(t *testing.T, f *fakeAS, cfg bearer.IntrospectionConfig) (*bearer.Introspector, *authtest.Clock) {
	t.Helper()
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	clock := authtest.NewClock(now)
	cfg.Endpoint, cfg.Client, cfg.Now = ts.URL+"/introspect", ts.Client(), clock.Now
	v, err := bearer.NewIntrospector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v, clock
}

// TestIntrospectorRequest checks the request of RFC 7662 §2.1: POST, form
// body with token and token_type_hint, Basic credentials form-urlencoded
// first (RFC 6749 §2.3.1).
func TestIntrospectorRequest(t *testing.T) {
	f := &fakeAS{body: `{"active":true}`}
	v, _ := newIntrospector(t, f, bearer.IntrospectionConfig{ClientID: "a-b:c", ClientSecret: "s&c:r+t ü"})
	if _, err := v.ValidateToken(context.Background(), "tok+/="); err != nil {
		t.Fatal(err)
	}
	if want := "POST application/x-www-form-urlencoded application/json"; f.method != want {
		t.Errorf("method, content type, accept: got %q, want %q", f.method, want)
	}
	if got := f.lastForm; got.Get("token") != "tok+/=" || got.Get("token_type_hint") != "access_token" || len(got) != 2 {
		t.Errorf("form: got %v, want token and token_type_hint=access_token", got)
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(f.lastAuth, "Basic "))
	id, secret, _ := strings.Cut(string(raw), ":")
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if id != "a-b:c" || secret != "s&c:r+t ü" {
		t.Errorf("Basic credentials: got %q %q (header %q), want the client's, form-urlencoded", id, secret, f.lastAuth)
	}

	f2 := &fakeAS{body: `{"active":true}`}
	v2, _ := newIntrospector(t, f2, bearer.IntrospectionConfig{})
	if _, err := v2.ValidateToken(context.Background(), "x"); err != nil || f2.lastAuth != "" {
		t.Errorf("without ClientID: got Authorization %q (err %v), want none", f2.lastAuth, err)
	}
}

// TestIntrospectorAnswers: what the endpoint says, and when the validator
// cannot decide.
func TestIntrospectorAnswers(t *testing.T) {
	tests := []struct {
		name       string
		f          *fakeAS
		wantActive bool
		wantErr    bool
	}{
		{"active", &fakeAS{body: `{"active":true,"scope":"a","sub":"s"}`}, true, false},
		{"inactive", &fakeAS{body: `{"active":false}`}, false, false},
		{"token_type Bearer", &fakeAS{body: `{"active":true,"token_type":"Bearer"}`}, true, false},
		{"token_type bearer", &fakeAS{body: `{"active":true,"token_type":"bearer"}`}, true, false},
		{"token_type access_token", &fakeAS{body: `{"active":true,"token_type":"access_token"}`}, true, false},
		{"token_type refresh_token", &fakeAS{body: `{"active":true,"token_type":"refresh_token"}`}, false, false},
		{"token_type DPoP", &fakeAS{body: `{"active":true,"token_type":"DPoP"}`}, false, false},
		{"charset parameter", &fakeAS{ctype: "application/json; charset=utf-8", body: `{"active":true}`}, true, false},
		{"server error", &fakeAS{status: 500, body: `{"active":true}`}, false, true},
		{"unauthorized", &fakeAS{status: 401, body: `{"error":"invalid_client"}`}, false, true},
		{"HTML", &fakeAS{ctype: "text/html", body: `{"active":true}`}, false, true},
		{"malformed JSON", &fakeAS{body: `{"active":tru`}, false, true},
		{"missing active", &fakeAS{body: `{"scope":"a"}`}, false, true},
		{"too large", &fakeAS{body: `{"active":true,"x":"` + strings.Repeat("a", 1<<20) + `"}`}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newIntrospector(t, tt.f, bearer.IntrospectionConfig{})
			info, err := v.ValidateToken(context.Background(), "t")
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err == nil && info.Active != tt.wantActive {
				t.Errorf("Active: got %v, want %v", info.Active, tt.wantActive)
			}
			if tt.wantErr {
				p := bearer.New(v, bearer.Config{Logger: slog.New(slog.DiscardHandler)})
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.Header.Set("Authorization", "Bearer t")
				checkAnswer(t, serve(p.Require()(whoami), r), answer{503, "", "temporarily_unavailable", ""})
			}
		})
	}
}

func TestIntrospectorContextCancelled(t *testing.T) {
	v, _ := newIntrospector(t, &fakeAS{body: `{"active":true}`}, bearer.IntrospectionConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := v.ValidateToken(ctx, "t"); err == nil {
		t.Error("got no error with a cancelled context, want one")
	}
}

// TestIntrospectorCache: answers are reused for CacheTTL, never past the
// token's exp; inactive answers only with InactiveCacheTTL, and an answer
// refused for an nbf still to come no longer than until nbf.
func TestIntrospectorCache(t *testing.T) {
	type step struct {
		advance  time.Duration
		token    string
		wantHits int32
	}
	exp := now.Add(30 * time.Second).Unix()
	tests := []struct {
		name  string
		cfg   bearer.IntrospectionConfig
		body  string
		steps []step
	}{
		{"no cache", bearer.IntrospectionConfig{}, `{"active":true}`,
			[]step{{0, "a", 1}, {0, "a", 2}}},
		{"active reused for the TTL", bearer.IntrospectionConfig{CacheTTL: time.Minute}, `{"active":true}`,
			[]step{{0, "a", 1}, {59 * time.Second, "a", 1}, {0, "b", 2}, {time.Second, "a", 3}, {0, "a", 3}}},
		{"never past exp", bearer.IntrospectionConfig{CacheTTL: time.Minute}, `{"active":true,"exp":` + strconv.FormatInt(exp, 10) + `}`,
			[]step{{0, "a", 1}, {29 * time.Second, "a", 1}, {time.Second, "a", 2}}},
		{"inactive not reused by default", bearer.IntrospectionConfig{CacheTTL: time.Minute}, `{"active":false}`,
			[]step{{0, "a", 1}, {0, "a", 2}}},
		{"inactive reused for InactiveCacheTTL", bearer.IntrospectionConfig{CacheTTL: time.Minute, InactiveCacheTTL: 10 * time.Second}, `{"active":false}`,
			[]step{{0, "a", 1}, {9 * time.Second, "a", 1}, {time.Second, "a", 2}}},
		{"InactiveCacheTTL bounded by CacheTTL", bearer.IntrospectionConfig{CacheTTL: 5 * time.Second, InactiveCacheTTL: time.Hour}, `{"active":false}`,
			[]step{{0, "a", 1}, {4 * time.Second, "a", 1}, {time.Second, "a", 2}}},
		{"refused token type is an inactive answer", bearer.IntrospectionConfig{CacheTTL: time.Minute}, `{"active":true,"token_type":"refresh_token"}`,
			[]step{{0, "a", 1}, {0, "a", 2}}},
		{"not yet valid is refused no longer than nbf", bearer.IntrospectionConfig{CacheTTL: time.Minute, InactiveCacheTTL: time.Minute}, `{"active":true,"nbf":` + strconv.FormatInt(now.Add(20*time.Second).Unix(), 10) + `}`,
			[]step{{0, "a", 1}, {19 * time.Second, "a", 1}, {time.Second, "a", 2}, {30 * time.Second, "a", 2}}},
		{"not yet valid, InactiveCacheTTL shorter than nbf", bearer.IntrospectionConfig{CacheTTL: time.Minute, InactiveCacheTTL: 5 * time.Second}, `{"active":true,"nbf":` + strconv.FormatInt(now.Add(20*time.Second).Unix(), 10) + `}`,
			[]step{{0, "a", 1}, {4 * time.Second, "a", 1}, {time.Second, "a", 2}}},
		{"already expired is not kept", bearer.IntrospectionConfig{CacheTTL: time.Minute}, `{"active":true,"exp":` + strconv.FormatInt(now.Unix(), 10) + `}`,
			[]step{{0, "a", 1}, {0, "a", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeAS{body: tt.body}
			v, clock := newIntrospector(t, f, tt.cfg)
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				if _, err := v.ValidateToken(context.Background(), s.token); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if got := f.hits.Load(); got != s.wantHits {
					t.Errorf("step %d (token %s, +%v): got %d requests to the endpoint, want %d", i, s.token, s.advance, got, s.wantHits)
				}
			}
		})
	}
}

// TestIntrospectorCopies: each caller gets its own copy of a cached answer.
func TestIntrospectorCopies(t *testing.T) {
	f := &fakeAS{body: `{"active":true,"scope":"a b","aud":["x","y"],"ext":1}`}
	v, _ := newIntrospector(t, f, bearer.IntrospectionConfig{CacheTTL: time.Minute})
	first, err := v.ValidateToken(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	first.Scope[0], first.Audience[0], first.Extra["ext"] = "changed", "changed", "changed"
	first.Subject = "changed"
	second, err := v.ValidateToken(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	if second.Scope[0] != "a" || second.Audience[0] != "x" || second.Extra["ext"] != 1.0 || second.Subject != "" || f.hits.Load() != 1 {
		t.Errorf("cached answer changed through an earlier result: %+v (%d requests)", second, f.hits.Load())
	}
}

func TestNewIntrospector(t *testing.T) {
	client := &http.Client{Timeout: time.Second}
	tests := []struct {
		endpoint string
		client   *http.Client
		wantErr  bool
	}{
		{"https://as.test/introspect", client, false},
		{"http://127.0.0.1:8080/introspect", client, false},
		{"http://[::1]/introspect", client, false},
		{"http://localhost/introspect", client, false},
		{"https://as.test/introspect", nil, true},
		{"http://as.test/introspect", client, true},
		{"/introspect", client, true},
		{"ftp://as.test/introspect", client, true},
		{"https://as.test/introspect#frag", client, true},
		{"https://as.test/introspect#", client, true},
		{"https://u:p@as.test/introspect", client, true},
		{"http://LOCALHOST/introspect", client, false},
		{"", client, true},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			_, err := bearer.NewIntrospector(bearer.IntrospectionConfig{Endpoint: tt.endpoint, Client: tt.client})
			if (err != nil) != tt.wantErr {
				t.Errorf("got error %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestIntrospectorTimeWindow: RFC 7662 §2.2, active is true only for a
// token that "is within its given time window of validity (e.g., after
// its issuance time and before its expiration time)". An answer saying
// active with an exp already past, or an nbf still to come, describes no
// usable token: the Validator contract has it come back inactive.
func TestIntrospectorTimeWindow(t *testing.T) {
	unix := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name       string
		body       string
		wantActive bool
	}{
		{"exp in the past", `{"active":true,"scope":"profile","exp":` + unix(-time.Minute) + `}`, false},
		{"exp now", `{"active":true,"scope":"profile","exp":` + unix(0) + `}`, false},
		{"nbf in the future", `{"active":true,"scope":"profile","nbf":` + unix(time.Minute) + `}`, false},
		{"exp in the future", `{"active":true,"scope":"profile","exp":` + unix(time.Minute) + `}`, true},
		{"nbf now, exp in the future", `{"active":true,"scope":"profile","nbf":` + unix(0) + `,"exp":` + unix(time.Minute) + `}`, true},
		{"no times", `{"active":true,"scope":"profile"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, _ := newIntrospector(t, &fakeAS{body: tt.body}, bearer.IntrospectionConfig{})
			info, err := v.ValidateToken(context.Background(), "t")
			if err != nil {
				t.Fatalf("ValidateToken: %v", err)
			}
			if got := info.Active; got != tt.wantActive {
				t.Errorf("Active: got %v (%+v), want %v", got, info, tt.wantActive)
			}
		})
	}
}

// redirectingAS answers the introspection endpoint with a redirect to
// /elsewhere, which answers that the token is active with scope admin.
type redirectingAS struct {
	status    int
	elsewhere atomic.Int32 // requests to /elsewhere that carried the token
}

func (a *redirectingAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/elsewhere" {
		http.Redirect(w, r, "/elsewhere", a.status)
		return
	}
	_ = r.ParseForm()
	if r.PostForm.Get("token") != "" {
		a.elsewhere.Add(1)
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"active":true,"scope":"admin"}`)
}

// TestIntrospectorRedirect: the token is a credential that goes to the
// configured introspection endpoint only (RFC 7662 §2.1); an answer from
// any other URL is no introspection response. A redirect is an error, as
// any other non-200 answer is, the token never reaches its target, and
// the caller's client is left as it was.
func TestIntrospectorRedirect(t *testing.T) {
	for _, status := range []int{
		http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect,
	} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			as := &redirectingAS{status: status}
			ts := httptest.NewServer(as)
			defer ts.Close()
			client := ts.Client()
			v, err := bearer.NewIntrospector(bearer.IntrospectionConfig{Endpoint: ts.URL + "/introspect", Client: client})
			if err != nil {
				t.Fatal(err)
			}
			info, err := v.ValidateToken(context.Background(), "t")
			if err == nil {
				t.Errorf("ValidateToken: got (%+v, nil), want an error for a %d answer", info, status)
			}
			if n := as.elsewhere.Load(); n != 0 {
				t.Errorf("the token reached the redirect target %d times, want never", n)
			}
			if client.CheckRedirect != nil {
				t.Error("the configured client's CheckRedirect was set, want it left nil")
			}
			p := bearer.New(v, bearer.Config{Logger: slog.New(slog.DiscardHandler)})
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer t")
			checkAnswer(t, serve(p.Require()(whoami), r), answer{503, "", "temporarily_unavailable", ""})
		})
	}
}

// BenchmarkIntrospectorCacheHit is the validation of a token whose answer
// is in the cache: digest, lookup and copy, no request to the endpoint.
func BenchmarkIntrospectorCacheHit(b *testing.B) {
	f := &fakeAS{body: `{"active":true,"scope":"openid profile api:read","sub":"user","aud":["api"]}`}
	ts := httptest.NewServer(f)
	defer ts.Close()
	v, err := bearer.NewIntrospector(bearer.IntrospectionConfig{
		Endpoint: ts.URL, Client: ts.Client(), CacheTTL: time.Hour, Now: func() time.Time { return now },
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	token := strings.Repeat("t", 43) // the length of a 256-bit base64url token
	if _, err := v.ValidateToken(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if info, err := v.ValidateToken(ctx, token); err != nil || !info.Active {
			b.Fatalf("got (%+v, %v), want an active answer", info, err)
		}
	}
	if n := f.hits.Load(); n != 1 {
		b.Errorf("got %d requests to the endpoint, want 1", n)
	}
}
