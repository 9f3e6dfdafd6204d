package refresh_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var t0 = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

var secrets = map[string]string{"c1": "s1", "c2": "s2", "norefresh": "s3"}

type fixture struct {
	store *memstore.Store
	srv   *authserver.Server
	now   time.Time

	mu      sync.Mutex
	revoked []string // families reported by Events.FamilyRevoked
}

func (f *fixture) familyRevoked(_ context.Context, familyID, clientID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = append(f.revoked, clientID+"/"+familyID)
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// advance moves the clock on by d.
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// revokedFamilies returns the families reported revoked so far.
func (f *fixture) revokedFamilies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.revoked)
}

// newFixture is a server with only the refresh grant, over a memstore
// holding the confidential clients c1 and c2, norefresh (no refresh_token
// grant) and the public client p1, and a family of one token of c1 whose
// refresh token is "rt-1" and whose scope is "profile email".
func newFixture(t *testing.T, cfg refresh.Config) *fixture {
	t.Helper()
	return newGraceFixture(t, cfg, 0)
}

// newGraceFixture is newFixture on a server with the refresh grace period
// grace.
func newGraceFixture(t *testing.T, cfg refresh.Config, grace time.Duration) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New(), now: t0}
	gt := []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken}
	for _, c := range []*storage.Client{
		{ID: "c1", GrantTypes: gt, Scope: grantry.Scope{"profile", "email"}},
		{ID: "c2", GrantTypes: gt, Scope: grantry.Scope{"profile", "email"}},
		{ID: "norefresh", GrantTypes: gt[:1], Scope: grantry.Scope{"profile", "email"}},
		{ID: "p1", AuthMethod: grantry.AuthNone, GrantTypes: gt, Scope: grantry.Scope{"profile", "email"}},
	} {
		if s, ok := secrets[c.ID]; ok {
			c.SecretHash = secret.HashSecret(s)
		}
		if err := f.store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	f.seed(t, "t1", "c1", "rt-1", false)
	srv, err := authserver.New(authserver.Config{Clients: f.store, Tokens: f.store, Now: f.clock,
		RefreshGracePeriod: grace, Events: authserver.Events{FamilyRevoked: f.familyRevoked}})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(refresh.New(f.store, cfg))
	f.srv = srv
	return f
}

// seed stores a token of the family "fam-1" whose refresh token is rt.
func (f *fixture) seed(t *testing.T, id, client, rt string, revoked bool) {
	t.Helper()
	err := f.store.CreateToken(t.Context(), &storage.Token{
		ID: id, FamilyID: "fam-1", ClientID: client, Subject: "alice",
		GrantType: grantry.GrantAuthorizationCode, Scope: grantry.Scope{"profile", "email"},
		AccessHash: secret.Digest("at-" + id), RefreshHash: secret.Digest(rt),
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour), RefreshExpiresAt: t0.Add(24 * time.Hour),
		Revoked: revoked,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// refresh sends a refresh request as client; a client with no secret uses
// the "none" method.
func (f *fixture) refresh(t *testing.T, client, rt string, extra ...string) (int, map[string]any) {
	t.Helper()
	v := url.Values{"grant_type": {"refresh_token"}}
	if rt != "" {
		v.Set("refresh_token", rt)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	secret, confidential := secrets[client]
	if !confidential {
		v.Set("client_id", client)
	}
	r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if confidential {
		r.SetBasicAuth(client, secret)
	}
	w := httptest.NewRecorder()
	f.srv.ServeToken(w, r)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Errorf("response %q: %v", w.Body.String(), err) // also called off the test goroutine
	}
	return w.Code, body
}

func (f *fixture) token(t *testing.T, access string) *storage.Token {
	t.Helper()
	tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(access))
	if err != nil {
		t.Fatalf("TokenByAccess: %v", err)
	}
	return tok
}

func TestRefresh(t *testing.T) {
	all := []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthNone}
	tests := []struct {
		name    string
		cfg     refresh.Config
		prepare func(t *testing.T, f *fixture)
		client  string
		rt      string
		extra   []string
		status  int
		err     string
		scope   string // of a success
		rotated bool   // a success carries a new refresh token
	}{
		{name: "rotation keeps the scope", client: "c1", rt: "rt-1", status: 200, scope: "profile email", rotated: true},
		{name: "narrower scope", client: "c1", rt: "rt-1", extra: []string{"scope", "email"}, status: 200, scope: "email", rotated: true},
		{name: "same scope in another order", client: "c1", rt: "rt-1", extra: []string{"scope", "email profile"}, status: 200, scope: "email profile", rotated: true},
		{name: "wider scope", client: "c1", rt: "rt-1", extra: []string{"scope", "profile email admin"}, status: 400, err: "invalid_scope"},
		{name: "malformed scope", client: "c1", rt: "rt-1", extra: []string{"scope", `pro"file`}, status: 400, err: "invalid_scope"},
		{name: "missing refresh_token", client: "c1", status: 400, err: "invalid_request"},
		{name: "unknown refresh_token", client: "c1", rt: "rt-unknown", status: 400, err: "invalid_grant"},
		{name: "access token presented as refresh token", client: "c1", rt: "at-t1", status: 400, err: "invalid_grant"},
		{name: "another client's token", client: "c2", rt: "rt-1", status: 400, err: "invalid_grant"},
		{name: "client without the refresh_token grant", client: "norefresh", rt: "rt-1", status: 400, err: "unauthorized_client"},
		{name: "expired refresh token", client: "c1", rt: "rt-1", status: 400, err: "invalid_grant",
			prepare: func(t *testing.T, f *fixture) { f.now = t0.Add(24 * time.Hour) }},
		{name: "refresh token about to expire", client: "c1", rt: "rt-1", status: 200, scope: "profile email", rotated: true,
			prepare: func(t *testing.T, f *fixture) { f.now = t0.Add(24*time.Hour - time.Second) }},
		{name: "expired access token, live refresh token", client: "c1", rt: "rt-1", status: 200, scope: "profile email", rotated: true,
			prepare: func(t *testing.T, f *fixture) { f.now = t0.Add(2 * time.Hour) }},
		{name: "KeepRefreshToken: confidential client keeps it", cfg: refresh.Config{KeepRefreshToken: true}, client: "c1", rt: "rt-1",
			status: 200, scope: "profile email", rotated: false},
		{name: "KeepRefreshToken: public client still rotates", cfg: refresh.Config{KeepRefreshToken: true, AuthMethods: all},
			prepare: func(t *testing.T, f *fixture) { f.seed(t, "p", "p1", "rt-p", false) },
			client:  "p1", rt: "rt-p", status: 200, scope: "profile email", rotated: true},
		{name: "default methods refuse a public client", prepare: func(t *testing.T, f *fixture) { f.seed(t, "p", "p1", "rt-p", false) },
			client: "p1", rt: "rt-p", status: 401, err: "invalid_client"},
		{name: "public client when none is allowed", cfg: refresh.Config{AuthMethods: all},
			prepare: func(t *testing.T, f *fixture) { f.seed(t, "p", "p1", "rt-p", false) },
			client:  "p1", rt: "rt-p", status: 200, scope: "profile email", rotated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg)
			if tt.prepare != nil {
				tt.prepare(t, f)
			}
			status, body := f.refresh(t, tt.client, tt.rt, tt.extra...)
			if status != tt.status {
				t.Fatalf("status: got %d, want %d; body %v", status, tt.status, body)
			}
			if tt.err != "" {
				if body["error"] != tt.err {
					t.Errorf("error: got %v, want %s", body["error"], tt.err)
				}
				return
			}
			if body["scope"] != tt.scope {
				t.Errorf("scope: got %v, want %q", body["scope"], tt.scope)
			}
			newRT, _ := body["refresh_token"].(string)
			if got := newRT != ""; got != tt.rotated {
				t.Errorf("new refresh token: got %v, want %v", got, tt.rotated)
			}
			tok := f.token(t, body["access_token"].(string))
			if tok.FamilyID != "fam-1" || tok.Subject != "alice" || tok.GrantType != grantry.GrantRefreshToken {
				t.Errorf("new token: got family %s, subject %s, grant %s; want fam-1, alice, refresh_token", tok.FamilyID, tok.Subject, tok.GrantType)
			}
			if body["expires_in"] != float64(authserver.DefaultExpiresIn/time.Second) {
				t.Errorf("expires_in: got %v, want %v", body["expires_in"], authserver.DefaultExpiresIn/time.Second)
			}
			// The presented refresh token is spent after a rotation and
			// kept otherwise.
			status, body = f.refresh(t, tt.client, tt.rt)
			if want := map[bool]int{true: 400, false: 200}[tt.rotated]; status != want {
				t.Errorf("presenting the old refresh token again: got %d %v, want %d", status, body, want)
			}
		})
	}
}

// RFC 9700 §4.14.2: a revoked (rotated) refresh token presented again
// revokes its whole family, the newest tokens included.
func TestReuseRevokesFamily(t *testing.T) {
	f := newFixture(t, refresh.Config{})
	status, first := f.refresh(t, "c1", "rt-1")
	if status != 200 {
		t.Fatalf("first refresh: got %d %v", status, first)
	}
	status, second := f.refresh(t, "c1", first["refresh_token"].(string))
	if status != 200 {
		t.Fatalf("second refresh: got %d %v", status, second)
	}
	if status, body := f.refresh(t, "c1", "rt-1"); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: got %d %v, want 400 invalid_grant", status, body)
	}
	for name, access := range map[string]string{
		"seed": "at-t1", "first": first["access_token"].(string), "second": second["access_token"].(string),
	} {
		if tok := f.token(t, access); !tok.Revoked {
			t.Errorf("%s token: Revoked got false, want true", name)
		}
	}
	if status, body := f.refresh(t, "c1", second["refresh_token"].(string)); status != 400 {
		t.Errorf("the newest refresh token after reuse: got %d %v, want 400", status, body)
	}
	// The reuse revoked the family; the newest token, revoked with it,
	// is itself a reuse and revokes it again.
	if got, want := f.revokedFamilies(), []string{"c1/fam-1", "c1/fam-1"}; !slices.Equal(got, want) {
		t.Errorf("Events.FamilyRevoked: got %v, want %v", got, want)
	}
}

// A revoked token presented as refresh token revokes its family, also
// tokens revoked by other means (RFC 7009).
func TestRevokedTokenRevokesFamily(t *testing.T) {
	f := newFixture(t, refresh.Config{})
	f.seed(t, "t2", "c1", "rt-2", true)
	if status, body := f.refresh(t, "c1", "rt-2"); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("revoked token: got %d %v, want 400 invalid_grant", status, body)
	}
	if tok := f.token(t, "at-t1"); !tok.Revoked {
		t.Errorf("sibling token: Revoked got false, want true")
	}
	if got, want := f.revokedFamilies(), []string{"c1/fam-1"}; !slices.Equal(got, want) {
		t.Errorf("Events.FamilyRevoked: got %v, want %v", got, want)
	}
}

// Another client presenting a stolen refresh token is refused without
// harming the owner's grant.
func TestOtherClientDoesNotSpendToken(t *testing.T) {
	f := newFixture(t, refresh.Config{})
	if status, _ := f.refresh(t, "c2", "rt-1"); status != 400 {
		t.Fatalf("other client: got %d, want 400", status)
	}
	if status, body := f.refresh(t, "c1", "rt-1"); status != 200 {
		t.Errorf("owner after another client's attempt: got %d %v, want 200", status, body)
	}
}

// Of many concurrent refreshes with one token exactly one succeeds, and
// the reuse the others amount to revokes the family.
func TestConcurrentRefresh(t *testing.T) {
	f := newFixture(t, refresh.Config{})
	const n = 16
	type result struct {
		status int
		body   map[string]any
	}
	results := make(chan result, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, b := f.refresh(t, "c1", "rt-1")
			results <- result{s, b}
		}()
	}
	wg.Wait()
	close(results)
	var winners []map[string]any
	for r := range results {
		switch r.status {
		case 200:
			winners = append(winners, r.body)
		case 400:
			if r.body["error"] != "invalid_grant" {
				t.Errorf("error: got %v, want invalid_grant", r.body["error"])
			}
		default:
			t.Errorf("status: got %d, want 200 or 400", r.status)
		}
	}
	if len(winners) != 1 {
		t.Fatalf("successful refreshes: got %d, want exactly 1", len(winners))
	}
	if tok := f.token(t, winners[0]["access_token"].(string)); !tok.Revoked {
		t.Errorf("the winner's token: Revoked got false, want true after the concurrent reuse")
	}
	// Each loser is a reuse, found by the grant or by the store's
	// rotation, and each revokes the family.
	if got, want := f.revokedFamilies(), slices.Repeat([]string{"c1/fam-1"}, n-1); !slices.Equal(got, want) {
		t.Errorf("Events.FamilyRevoked: got %v, want %v", got, want)
	}
}

// RFC 6749 §6: a narrower scope narrows the new access token only. "If a
// new refresh token is issued, the refresh token scope MUST be identical to
// that of the refresh token included by the client in the request", and an
// omitted scope "is treated as equal to the scope originally granted by
// the resource owner". So after a narrowing refresh the rotated refresh
// token still carries the granted scope.
func TestNarrowingKeepsRefreshTokenScope(t *testing.T) {
	tests := []struct {
		name  string
		scope string // of the refresh after the narrowing one
		want  string
	}{
		{name: "scope omitted", want: "profile email"},
		{name: "the originally granted scope", scope: "profile email", want: "profile email"},
		{name: "a scope the narrowed access token lacks", scope: "profile", want: "profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, refresh.Config{})
			status, narrowed := f.refresh(t, "c1", "rt-1", "scope", "email")
			if status != 200 || narrowed["scope"] != "email" {
				t.Fatalf("narrowing refresh: got %d %v, want 200 with scope email", status, narrowed)
			}
			var extra []string
			if tt.scope != "" {
				extra = []string{"scope", tt.scope}
			}
			status, body := f.refresh(t, "c1", narrowed["refresh_token"].(string), extra...)
			if status != 200 || body["scope"] != tt.want {
				t.Errorf("refresh with the rotated token: got %d %v, want 200 with scope %q", status, body, tt.want)
			}
		})
	}
}

// TestClientScopeNarrowedSinceGrant checks that a refresh grants no scope
// the client may no longer be granted: taking a scope from a client takes
// it from the refresh tokens it already holds.
func TestClientScopeNarrowedSinceGrant(t *testing.T) {
	tests := []struct {
		name       string
		allowed    grantry.Scope // the client's scope when it refreshes
		scope      string        // the scope parameter
		wantStatus int
		wantScope  string // on success
		wantError  string // on failure
	}{
		{name: "unchanged", allowed: grantry.Scope{"profile", "email"}, wantStatus: 200, wantScope: "profile email"},
		{name: "narrowed, scope omitted", allowed: grantry.Scope{"profile"}, wantStatus: 200, wantScope: "profile"},
		{name: "narrowed, asking for the removed scope", allowed: grantry.Scope{"profile"}, scope: "email", wantStatus: 400, wantError: "invalid_scope"},
		{name: "none of it left", allowed: grantry.Scope{"admin"}, wantStatus: 400, wantError: "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, refresh.Config{})
			c, err := f.store.GetClient(t.Context(), "c1")
			if err != nil {
				t.Fatal(err)
			}
			c.Scope = tt.allowed
			if err := f.store.UpdateClient(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			var extra []string
			if tt.scope != "" {
				extra = []string{"scope", tt.scope}
			}
			status, body := f.refresh(t, "c1", "rt-1", extra...)
			if status != tt.wantStatus {
				t.Fatalf("status: got %d %v, want %d", status, body, tt.wantStatus)
			}
			if tt.wantError != "" {
				if body["error"] != tt.wantError {
					t.Errorf("error: got %v, want %q", body["error"], tt.wantError)
				}
				return
			}
			if body["scope"] != tt.wantScope {
				t.Errorf("scope: got %v, want %q", body["scope"], tt.wantScope)
			}
			rotated, err := f.store.TokenByRefresh(t.Context(), secret.Digest(body["refresh_token"].(string)))
			if err != nil {
				t.Fatal(err)
			}
			if got := rotated.GrantedScope().String(); got != tt.wantScope {
				t.Errorf("rotated refresh token's scope: got %q, want %q", got, tt.wantScope)
			}
		})
	}
}

// TestKeepExpiry: by default a rotated refresh token lives the server's
// RefreshLifetime from its own issue; with KeepExpiry it expires when the
// first one of its grant does, however often the grant is refreshed.
func TestKeepExpiry(t *testing.T) {
	tests := []struct {
		name       string
		cfg        refresh.Config
		wantExpiry time.Time // of the rotated refresh token
		wantLater  int       // status of a refresh past the seeded token's expiry
	}{
		{"sliding by default", refresh.Config{}, t0.Add(23*time.Hour + authserver.DefaultRefreshLifetime), http.StatusOK},
		{"KeepExpiry", refresh.Config{KeepExpiry: true}, t0.Add(24 * time.Hour), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg)
			f.now = t0.Add(23 * time.Hour)
			status, body := f.refresh(t, "c1", "rt-1")
			if status != http.StatusOK {
				t.Fatalf("first refresh: got %d %v, want 200", status, body)
			}
			rotated := f.token(t, body["access_token"].(string))
			if !rotated.RefreshExpiresAt.Equal(tt.wantExpiry) {
				t.Errorf("rotated refresh token expires: got %v, want %v", rotated.RefreshExpiresAt, tt.wantExpiry)
			}
			f.now = t0.Add(24*time.Hour + time.Second)
			status, body = f.refresh(t, "c1", body["refresh_token"].(string))
			if status != tt.wantLater {
				t.Errorf("refresh after the first token's expiry: got %d %v, want %d", status, body, tt.wantLater)
			}
			if status != http.StatusOK && body["error"] != "invalid_grant" {
				t.Errorf("error: got %v, want invalid_grant", body["error"])
			}
		})
	}
}

// Token returns a *authserver.Replay naming the family and client for a
// revoked refresh token, and a plain invalid_grant for an unknown one or
// another client's; revoking the family is the server's part.
func TestTokenReplayError(t *testing.T) {
	f := newFixture(t, refresh.Config{})
	f.seed(t, "t2", "c1", "rt-2", true)
	g := refresh.New(f.store, refresh.Config{})
	req := func(client, rt string) *authserver.TokenRequest {
		c, err := f.store.GetClient(t.Context(), client)
		if err != nil {
			t.Fatal(err)
		}
		return &authserver.TokenRequest{Params: authserver.Params{"grant_type": "refresh_token", "refresh_token": rt},
			GrantType: grantry.GrantRefreshToken, Client: c, Time: t0}
	}
	tests := []struct {
		name       string
		client, rt string
		replay     bool
	}{
		{name: "revoked token", client: "c1", rt: "rt-2", replay: true},
		{name: "unknown token", client: "c1", rt: "rt-unknown"},
		{name: "another client's revoked token", client: "c2", rt: "rt-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.Token(t.Context(), req(tt.client, tt.rt))
			if !errors.Is(err, grantry.ErrInvalidGrant) {
				t.Errorf("Token: got %v, want invalid_grant", err)
			}
			var rp *authserver.Replay
			if got := errors.As(err, &rp); got != tt.replay {
				t.Fatalf("Replay: got %v (%T), want %v", got, err, tt.replay)
			}
			if tt.replay && (rp.FamilyID != "fam-1" || rp.ClientID != "c1") {
				t.Errorf("Replay: got family %q client %q, want fam-1 c1", rp.FamilyID, rp.ClientID)
			}
		})
	}
	if tok := f.token(t, "at-t1"); tok.Revoked {
		t.Errorf("sibling token: Revoked got true, want false: the grant itself revokes nothing")
	}
}
