package authcode_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const cbURI = "https://client.test/cb"

var t0 = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

type fixture struct {
	store *memstore.Store
	srv   *authserver.Server
	clock *authtest.Clock

	mu      sync.Mutex
	revoked []string // families reported by Events.FamilyRevoked
}

func (f *fixture) familyRevoked(_ context.Context, familyID, clientID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = append(f.revoked, clientID+"/"+familyID)
}

// revokedFamilies returns the families reported revoked so far.
func (f *fixture) revokedFamilies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.revoked)
}

var secrets = map[string]string{"c1": "s1", "c2": "s2", "norefresh": "s3"}

// newFixture is a server with the code grant and PKCE over a memstore
// holding: c1 (the ACCEPTANCE.md client), c2 (two redirect URIs),
// norefresh (no refresh_token grant) and the public loopback app loop1.
func newFixture(t *testing.T, tokens storage.TokenStore, code authcode.Config) *fixture {
	t.Helper()
	store := memstore.New()
	codes := []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken}
	rt := []grantry.ResponseType{grantry.ResponseCode}
	clients := []*storage.Client{
		{ID: "c1", RedirectURIs: []string{cbURI}, GrantTypes: codes, ResponseTypes: rt, Scope: grantry.Scope{"profile", "email"}},
		{ID: "c2", RedirectURIs: []string{"https://two.test/a", "https://two.test/b"}, GrantTypes: codes, ResponseTypes: rt, Scope: grantry.Scope{"profile"}},
		{ID: "norefresh", RedirectURIs: []string{cbURI}, GrantTypes: codes[:1], ResponseTypes: rt, Scope: grantry.Scope{"profile"}},
		{ID: "loop1", AuthMethod: grantry.AuthNone, RedirectURIs: []string{"http://127.0.0.1/cb"}, GrantTypes: codes, ResponseTypes: rt, Scope: grantry.Scope{"profile"}},
	}
	for _, c := range clients {
		if s, ok := secrets[c.ID]; ok {
			c.SecretHash = secret.HashSecret(s)
		}
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	if tokens == nil {
		tokens = store
	}
	f := &fixture{store: store, clock: authtest.NewClock(t0)}
	cfg := authserver.Config{Issuer: "https://as.test", Clients: store, Tokens: tokens, Now: f.clock.Now,
		Events: authserver.Events{FamilyRevoked: f.familyRevoked}}
	srv, err := authserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := authcode.New(store, code)
	srv.RegisterGrant(g)
	srv.RegisterResponseType(g)
	srv.RegisterExtension(pkce.New(pkce.Config{}))
	f.srv = srv
	return f
}

// code runs an approved authorization request and returns the code.
func (f *fixture) code(t *testing.T, q url.Values) string {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "https://as.test/authorize?"+q.Encode(), nil)
	w := httptest.NewRecorder()
	req, err := f.srv.ValidateAuthorizationRequest(r)
	if err != nil {
		t.Fatalf("ValidateAuthorizationRequest: %v", err)
	}
	f.srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	loc, err := url.Parse(w.Result().Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("authorization response: got %d %q, want a code", w.Code, w.Result().Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// exchange sends a token request; secret "" means the "none" method.
func (f *fixture) exchange(t *testing.T, client string, v url.Values) (int, map[string]any) {
	t.Helper()
	w := f.exchangeResponse(client, v)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Errorf("token response %q: %v", w.Body.String(), err) // also called off the test goroutine
	}
	return w.Code, body
}

// exchangeResponse sends a token request and returns the whole response.
func (f *fixture) exchangeResponse(client string, v url.Values) *httptest.ResponseRecorder {
	v.Set("grant_type", "authorization_code")
	secret, confidential := secrets[client]
	if !confidential {
		v.Set("client_id", client)
	}
	r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if confidential {
		r.SetBasicAuth(url.QueryEscape(client), url.QueryEscape(secret))
	}
	w := httptest.NewRecorder()
	f.srv.ServeToken(w, r)
	return w
}

func authzQuery(client, redirect string, extra ...string) url.Values {
	v := url.Values{"response_type": {"code"}, "client_id": {client}, "scope": {"profile"}}
	if redirect != "" {
		v.Set("redirect_uri", redirect)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

const (
	verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// RFC 6749 §4.1.3: the code is bound to its client, its redirect_uri and
// its lifetime.
func TestCodeExchange(t *testing.T) {
	loopback := func(port string) url.Values {
		return authzQuery("loop1", "http://127.0.0.1:"+port+"/cb", "code_challenge", challenge, "code_challenge_method", "S256")
	}
	tests := []struct {
		name     string
		authz    url.Values
		client   string     // who exchanges the code
		token    url.Values // the token request beside grant_type and code
		advance  time.Duration
		lifetime time.Duration // authcode.Config.Lifetime
		status   int
		err      string
	}{
		{name: "redirect_uri given and repeated", authz: authzQuery("c1", cbURI), client: "c1",
			token: url.Values{"redirect_uri": {cbURI}}, status: 200},
		{name: "redirect_uri given, omitted at the token endpoint", authz: authzQuery("c1", cbURI), client: "c1",
			token: url.Values{}, status: 400, err: "invalid_grant"},
		{name: "redirect_uri given, another sent", authz: authzQuery("c1", cbURI), client: "c1",
			token: url.Values{"redirect_uri": {cbURI + "?x=1"}}, status: 400, err: "invalid_grant"},
		{name: "redirect_uri omitted and omitted", authz: authzQuery("c1", ""), client: "c1",
			token: url.Values{}, status: 200},
		{name: "redirect_uri omitted, the registered one sent", authz: authzQuery("c1", ""), client: "c1",
			token: url.Values{"redirect_uri": {cbURI}}, status: 200},
		{name: "redirect_uri omitted, another sent", authz: authzQuery("c1", ""), client: "c1",
			token: url.Values{"redirect_uri": {"https://client.test/other"}}, status: 400, err: "invalid_grant"},
		{name: "one of two redirect URIs", authz: authzQuery("c2", "https://two.test/b"), client: "c2",
			token: url.Values{"redirect_uri": {"https://two.test/b"}}, status: 200},
		{name: "the other of two redirect URIs", authz: authzQuery("c2", "https://two.test/b"), client: "c2",
			token: url.Values{"redirect_uri": {"https://two.test/a"}}, status: 400, err: "invalid_grant"},
		{name: "loopback port repeated", authz: loopback("51004"), client: "loop1",
			token: url.Values{"redirect_uri": {"http://127.0.0.1:51004/cb"}, "code_verifier": {verifier}}, status: 200},
		{name: "loopback port changed", authz: loopback("51004"), client: "loop1",
			token: url.Values{"redirect_uri": {"http://127.0.0.1:51005/cb"}, "code_verifier": {verifier}}, status: 400, err: "invalid_grant"},
		{name: "another client's code", authz: authzQuery("c1", cbURI), client: "c2",
			token: url.Values{"redirect_uri": {cbURI}}, status: 400, err: "invalid_grant"},
		{name: "just before the default lifetime ends", authz: authzQuery("c1", cbURI), client: "c1",
			token: url.Values{"redirect_uri": {cbURI}}, advance: authcode.DefaultLifetime - time.Nanosecond, status: 200},
		{name: "after the default lifetime", authz: authzQuery("c1", cbURI), client: "c1",
			token: url.Values{"redirect_uri": {cbURI}}, advance: authcode.DefaultLifetime, status: 400, err: "invalid_grant"},
		{name: "after a configured lifetime", authz: authzQuery("c1", cbURI), client: "c1", lifetime: time.Minute,
			token: url.Values{"redirect_uri": {cbURI}}, advance: time.Minute + time.Second, status: 400, err: "invalid_grant"},
		{name: "within a configured lifetime", authz: authzQuery("c1", cbURI), client: "c1", lifetime: time.Minute,
			token: url.Values{"redirect_uri": {cbURI}}, advance: 59 * time.Second, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, authcode.Config{Lifetime: tt.lifetime})
			code := f.code(t, tt.authz)
			f.clock.Advance(tt.advance)
			tt.token.Set("code", code)
			status, body := f.exchange(t, tt.client, tt.token)
			if status != tt.status {
				t.Errorf("status: got %d, want %d; body %v", status, tt.status, body)
			}
			if tt.err != "" {
				if body["error"] != tt.err {
					t.Errorf("error: got %v, want %s", body["error"], tt.err)
				}
				return
			}
			if body["access_token"] == nil {
				t.Errorf("access_token: missing from %v", body)
			}
		})
	}
}

// A code sent by another client than the one it was issued to is
// refused without being spent, and a used one is refused without revoking
// what it issued: whoever learns a code cannot burn it for its client, nor
// have its client's tokens revoked (RFC 6749 §4.1.3, RFC 9700 §4.5).
func TestCodeOfAnotherClient(t *testing.T) {
	f := newFixture(t, nil, authcode.Config{})
	code := f.code(t, authzQuery("c1", cbURI))
	params := url.Values{"code": {code}, "redirect_uri": {cbURI}}
	if status, body := f.exchange(t, "c2", params); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("another client: got %d %v, want 400 invalid_grant", status, body)
	}
	status, body := f.exchange(t, "c1", params)
	if status != 200 {
		t.Fatalf("the owner after another client's attempt: got %d %v, want 200", status, body)
	}
	if status, body := f.exchange(t, "c2", params); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("another client with the used code: got %d %v, want 400 invalid_grant", status, body)
	}
	tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(body["access_token"].(string)))
	if err != nil || tok.Revoked {
		t.Errorf("the owner's token after another client sent its used code: got (%+v, %v), want it unrevoked", tok, err)
	}
}

// The stored token carries what the user consented to, and a refresh
// token is issued only to clients that may use the refresh_token grant.
func TestIssuedToken(t *testing.T) {
	tests := []struct {
		client      string
		wantRefresh bool
	}{
		{client: "c1", wantRefresh: true},
		{client: "norefresh", wantRefresh: false},
	}
	for _, tt := range tests {
		t.Run(tt.client, func(t *testing.T) {
			f := newFixture(t, nil, authcode.Config{})
			code := f.code(t, authzQuery(tt.client, cbURI, "scope", "profile"))
			status, body := f.exchange(t, tt.client, url.Values{"code": {code}, "redirect_uri": {cbURI}})
			if status != 200 {
				t.Fatalf("status: got %d, want 200; body %v", status, body)
			}
			if _, got := body["refresh_token"]; got != tt.wantRefresh {
				t.Errorf("refresh_token present: got %v, want %v", got, tt.wantRefresh)
			}
			if body["expires_in"] != float64(864000) || body["scope"] != "profile" || body["token_type"] != "Bearer" {
				t.Errorf("response: got %v, want expires_in 864000, scope profile, token_type Bearer", body)
			}
			tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(body["access_token"].(string)))
			if err != nil {
				t.Fatalf("TokenByAccess: %v", err)
			}
			if tok.Subject != "alice" || tok.ClientID != tt.client || tok.GrantType != grantry.GrantAuthorizationCode || !tok.Scope.Equal(grantry.Scope{"profile"}) {
				t.Errorf("stored token: got %s/%s/%s/%v, want alice/%s/authorization_code/[profile]", tok.Subject, tok.ClientID, tok.GrantType, tok.Scope, tt.client)
			}
			if !tok.IssuedAt.Equal(t0) || !tok.ExpiresAt.Equal(t0.Add(864000*time.Second)) {
				t.Errorf("times: got issued %v expires %v, want %v and 10 days later", tok.IssuedAt, tok.ExpiresAt, t0)
			}
			if tok.AccessHash == body["access_token"] {
				t.Errorf("the store holds the access token in the clear")
			}
			if len(code) != 66 || code[:23] != tok.FamilyID+"." {
				t.Errorf("code: got %q, want 66 characters beginning with the family %q and a dot", code, tok.FamilyID)
			}
		})
	}
}

// Of many concurrent exchanges of one code exactly one succeeds.
func TestConcurrentExchange(t *testing.T) {
	f := newFixture(t, nil, authcode.Config{})
	code := f.code(t, authzQuery("c1", cbURI))
	const n = 16
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := f.exchange(t, "c1", url.Values{"code": {code}, "redirect_uri": {cbURI}})
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		switch s {
		case 200:
			ok++
		case 400:
		default:
			t.Errorf("status: got %d, want 200 or 400", s)
		}
	}
	if ok != 1 {
		t.Errorf("successful exchanges: got %d, want exactly 1", ok)
	}
}

// gatedTokens holds CreateToken until the test opens the gate, so that a
// replay can be sent while the first exchange is between consuming the
// code and storing its token.
type gatedTokens struct {
	*memstore.Store
	reached chan struct{}
	open    chan struct{}
}

func (g *gatedTokens) CreateToken(ctx context.Context, t *storage.Token) error {
	close(g.reached)
	<-g.open
	return g.Store.CreateToken(ctx, t)
}

// A replay that arrives while the first exchange is still storing its
// token must still leave that token revoked: the code was used twice
// (RFC 6749 §4.1.2), whichever request was the attacker's.
func TestReplayDuringFirstExchangeRevokesItsToken(t *testing.T) {
	gate := &gatedTokens{reached: make(chan struct{}), open: make(chan struct{})}
	f := newFixture(t, gate, authcode.Config{})
	gate.Store = f.store
	code := f.code(t, authzQuery("c1", cbURI))

	type result struct {
		status int
		body   map[string]any
	}
	first := make(chan result, 1)
	go func() {
		s, b := f.exchange(t, "c1", url.Values{"code": {code}, "redirect_uri": {cbURI}})
		first <- result{s, b}
	}()
	<-gate.reached // the code is consumed; its token is not stored yet

	if status, body := f.exchange(t, "c1", url.Values{"code": {code}, "redirect_uri": {cbURI}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("replay: got %d %v, want 400 invalid_grant", status, body)
	}
	close(gate.open)
	r := <-first
	if r.status != 200 {
		t.Fatalf("first exchange: got %d %v, want 200", r.status, r.body)
	}
	tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(r.body["access_token"].(string)))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	if !tok.Revoked {
		t.Errorf("Revoked: got false, want true: the token of a code that was presented twice survives the replay")
	}
	if got, want := f.revokedFamilies(), []string{"c1/" + tok.FamilyID}; !slices.Equal(got, want) {
		t.Errorf("Events.FamilyRevoked: got %v, want %v", got, want)
	}
}

// A code presented after it was redeemed revokes every token issued from
// it, access and refresh, and the server reports the family revoked
// (RFC 6749 §4.1.2).
func TestReplayRevokesFamily(t *testing.T) {
	f := newFixture(t, nil, authcode.Config{})
	code := f.code(t, authzQuery("c1", cbURI))
	status, body := f.exchange(t, "c1", url.Values{"code": {code}, "redirect_uri": {cbURI}})
	if status != 200 {
		t.Fatalf("first exchange: got %d %v, want 200", status, body)
	}
	if got := f.revokedFamilies(); len(got) != 0 {
		t.Fatalf("families revoked after the first exchange: got %v, want none", got)
	}
	if status, body := f.exchange(t, "c1", url.Values{"code": {code}, "redirect_uri": {cbURI}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("replay: got %d %v, want 400 invalid_grant", status, body)
	}
	byAccess, err := f.store.TokenByAccess(t.Context(), secret.Digest(body["access_token"].(string)))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	byRefresh, err := f.store.TokenByRefresh(t.Context(), secret.Digest(body["refresh_token"].(string)))
	if err != nil {
		t.Fatalf("TokenByRefresh: %v", err)
	}
	if !byAccess.Revoked || !byRefresh.Revoked {
		t.Errorf("Revoked: got access %v, refresh %v, want both true", byAccess.Revoked, byRefresh.Revoked)
	}
	if got, want := f.revokedFamilies(), []string{"c1/" + byAccess.FamilyID}; !slices.Equal(got, want) {
		t.Errorf("Events.FamilyRevoked: got %v, want %v", got, want)
	}
}

// Token returns a *authserver.Replay naming the code's family and client
// for a code used before, and a plain invalid_grant for an unknown one;
// revoking the family is the server's part.
func TestTokenReplayError(t *testing.T) {
	store := memstore.New()
	const raw = "the-code"
	rec := &storage.AuthorizationCode{Hash: secret.Digest(raw), FamilyID: "fam-1", ClientID: "c1", RedirectURI: cbURI,
		Scope: grantry.Scope{"profile"}, Subject: "alice", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}
	if err := store.CreateAuthorizationCode(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	g := authcode.New(store, authcode.Config{})
	client := &storage.Client{ID: "c1", RedirectURIs: []string{cbURI}, GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode}}
	req := func(code string) *authserver.TokenRequest {
		return &authserver.TokenRequest{Params: authserver.Params{"grant_type": "authorization_code", "code": code, "redirect_uri": cbURI},
			GrantType: grantry.GrantAuthorizationCode, Client: client, Time: t0.Add(time.Second)}
	}

	t.Run("first use", func(t *testing.T) {
		iss, err := g.Token(t.Context(), req(raw))
		if err != nil {
			t.Fatalf("Token: got %v, want nil", err)
		}
		if iss.FamilyID != "fam-1" || iss.Subject != "alice" || !iss.Scope.Equal(grantry.Scope{"profile"}) || !iss.Spent || iss.Refresh || iss.Code == nil {
			t.Errorf("Issue: got %+v, want family fam-1, subject alice, scope profile, spent, no refresh, with the code", iss)
		}
	})
	t.Run("used code", func(t *testing.T) {
		_, err := g.Token(t.Context(), req(raw))
		var rp *authserver.Replay
		if !errors.As(err, &rp) {
			t.Fatalf("Token: got %T %v, want *authserver.Replay", err, err)
		}
		if rp.FamilyID != "fam-1" || rp.ClientID != "c1" {
			t.Errorf("Replay: got family %q client %q, want fam-1 c1", rp.FamilyID, rp.ClientID)
		}
		if rp.Err == nil || rp.Err.Code != grantry.ErrInvalidGrant || !errors.Is(err, grantry.ErrInvalidGrant) {
			t.Errorf("Replay.Err: got %v, want invalid_grant", rp.Err)
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		_, err := g.Token(t.Context(), req("another-code"))
		var rp *authserver.Replay
		if errors.As(err, &rp) {
			t.Errorf("Token: got a Replay for family %q, want none", rp.FamilyID)
		}
		if !errors.Is(err, grantry.ErrInvalidGrant) {
			t.Errorf("Token: got %v, want invalid_grant", err)
		}
	})
}

// failOnce fails the next CreateToken with an outage, then works.
type failOnce struct {
	*memstore.Store
	failed atomic.Bool
}

func (s *failOnce) CreateToken(ctx context.Context, t *storage.Token) error {
	if s.failed.CompareAndSwap(false, true) {
		return fmt.Errorf("dial tcp db.internal:5432: %w", storage.ErrUnavailable)
	}
	return s.Store.CreateToken(ctx, t)
}

// An outage while the tokens are stored comes after the code was
// consumed: repeating the request is a replay and cannot succeed, so the
// 503 carries no Retry-After (RFC 9110 §10.2.3) and tells the client to
// start the authorization again.
func TestOutageAfterCodeConsumed(t *testing.T) {
	tokens := &failOnce{}
	f := newFixture(t, tokens, authcode.Config{})
	tokens.Store = f.store
	code := f.code(t, authzQuery("c1", cbURI))

	w := f.exchangeResponse("c1", url.Values{"code": {code}, "redirect_uri": {cbURI}})
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("token response %q: %v", w.Body.String(), err)
	}
	if w.Code != http.StatusServiceUnavailable || body["error"] != string(grantry.ErrTemporarilyUnavailable) {
		t.Errorf("during the outage: got %d %v, want 503 temporarily_unavailable", w.Code, body)
	}
	if got := w.Header().Get("Retry-After"); got != "" {
		t.Errorf("Retry-After: got %q, want none", got)
	}
	const want = "the authorization code can no longer be used; start the authorization again"
	if body["error_description"] != want {
		t.Errorf("error_description: got %v, want %q", body["error_description"], want)
	}
	if strings.Contains(w.Body.String(), "db.internal") {
		t.Errorf("body leaks the cause: %s", w.Body)
	}

	if status, body := f.exchange(t, "c1", url.Values{"code": {code}, "redirect_uri": {cbURI}}); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("the same request once the store is back: got %d %v, want 400 invalid_grant", status, body)
	}
}
