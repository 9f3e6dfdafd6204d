package revocation_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var now = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// Stored tokens, by record ID: the raw access value presented for each.
// t1 and t1b share family F1; t1 also holds refresh value "c1-refresh".
var accessValues = map[string]string{
	"t1": "c1-access", "t1b": "c1-sibling", "t2": "c1-other", "t3": "c2-access", "t4": "p1-access", "t5": "c1-revoked",
	"t6": "c1-expired",
}

var recordIDs = []string{"t1", "t1b", "t2", "t3", "t4", "t5", "t6"}

type fixture struct {
	store   *memstore.Store
	srv     *authserver.Server
	handler http.Handler
	revoked []string // Config.Revoked calls: "id family|single"
	authed  []string // ClientAuthenticated calls: "client method endpoint"
}

type users struct{}

func (users) AuthenticateUser(_ context.Context, name, pw string) (string, error) {
	if name == "alice" && pw == "pw" {
		return "user-alice", nil
	}
	return "", password.ErrInvalidCredentials
}

func newFixture(t *testing.T, cfg revocation.Config, wrap func(*memstore.Store) storage.TokenStore) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New()}
	ctx := context.Background()
	both := []grantry.GrantType{grantry.GrantPassword, grantry.GrantRefreshToken}
	for _, c := range []*storage.Client{
		{ID: "c1", SecretHash: secret.HashSecret("s1"), Scope: grantry.Scope{"profile", "email"}, GrantTypes: both},
		{ID: "c2", SecretHash: secret.HashSecret("s2"), Scope: grantry.Scope{"profile"}, GrantTypes: both},
		{ID: "post1", SecretHash: secret.HashSecret("post-secret"), AuthMethod: grantry.AuthClientSecretPost, GrantTypes: both},
		{ID: "p1", AuthMethod: grantry.AuthNone, GrantTypes: both},
	} {
		if err := f.store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	later := now.Add(time.Hour)
	for _, tok := range []*storage.Token{
		{ID: "t1", FamilyID: "F1", ClientID: "c1", AccessHash: secret.Digest("c1-access"), RefreshHash: secret.Digest("c1-refresh"), ExpiresAt: later},
		{ID: "t1b", FamilyID: "F1", ClientID: "c1", AccessHash: secret.Digest("c1-sibling"), ExpiresAt: later},
		{ID: "t2", FamilyID: "F2", ClientID: "c1", AccessHash: secret.Digest("c1-other"), ExpiresAt: later},
		{ID: "t3", FamilyID: "F3", ClientID: "c2", AccessHash: secret.Digest("c2-access"), RefreshHash: secret.Digest("c2-refresh"), ExpiresAt: later},
		{ID: "t4", FamilyID: "F4", ClientID: "p1", AccessHash: secret.Digest("p1-access"), ExpiresAt: later},
		{ID: "t5", FamilyID: "F5", ClientID: "c1", AccessHash: secret.Digest("c1-revoked"), ExpiresAt: later, Revoked: true},
		{ID: "t6", FamilyID: "F6", ClientID: "c1", AccessHash: secret.Digest("c1-expired"), ExpiresAt: now.Add(-time.Hour)},
	} {
		if err := f.store.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	var tokens storage.TokenStore = f.store
	if wrap != nil {
		tokens = wrap(f.store)
	}
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.test", Clients: f.store, Tokens: tokens,
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Events: authserver.Events{
			ClientAuthenticated: func(_ context.Context, c *storage.Client, m grantry.AuthMethod, endpoint string) {
				f.authed = append(f.authed, c.ID+" "+string(m)+" "+endpoint)
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	methods := []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthNone}
	srv.RegisterGrant(password.New(users{}, password.Config{AuthMethods: methods}))
	srv.RegisterGrant(refresh.New(tokens, refresh.Config{AuthMethods: methods}))
	f.srv = srv
	cfg.Revoked = func(_ context.Context, tok *storage.Token, family bool) {
		if !tok.Revoked {
			t.Errorf("Revoked(%s): the record is not marked revoked", tok.ID)
		}
		kind := " single"
		if family {
			kind = " family"
		}
		f.revoked = append(f.revoked, tok.ID+kind)
	}
	f.handler = srv.Mount(revocation.New(tokens, cfg))
	return f
}

// request is a revocation request: a form, sent by a client.
type request struct {
	form   url.Values
	basic  [2]string // client_secret_basic id and secret, when set
	method string    // POST when empty
	ctype  string    // the form content type when empty
}

func (f *fixture) do(t *testing.T, q request) *httptest.ResponseRecorder {
	t.Helper()
	method := q.method
	if method == "" {
		method = http.MethodPost
	}
	r := httptest.NewRequest(method, "/revoke", strings.NewReader(q.form.Encode()))
	ctype := q.ctype
	if ctype == "" {
		ctype = "application/x-www-form-urlencoded"
	}
	r.Header.Set("Content-Type", ctype)
	if q.basic[0] != "" {
		r.SetBasicAuth(q.basic[0], q.basic[1])
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, r)
	return rec
}

// revokedIDs lists the records that are revoked now.
func (f *fixture) revokedIDs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, id := range recordIDs {
		tok, err := f.store.TokenByAccess(context.Background(), secret.Digest(accessValues[id]))
		if err != nil {
			t.Fatalf("TokenByAccess(%s): %v", id, err)
		}
		if tok.Revoked {
			out = append(out, id)
		}
	}
	return out
}

func form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

var c1 = [2]string{"c1", "s1"}

// TestRevocation covers every answer of the endpoint (ACCEPTANCE 24) and
// what each revokes. Only t5 is revoked before each case.
func TestRevocation(t *testing.T) {
	tests := []struct {
		name        string
		cfg         revocation.Config
		req         request
		wantStatus  int
		wantCode    string
		wantRevoked []string
		wantEvents  []string
	}{
		// ACCEPTANCE 24: without token → 400 invalid_request.
		{name: "no token", req: request{form: form(), basic: c1}, wantStatus: 400, wantCode: "invalid_request",
			wantRevoked: []string{"t5"}},
		// ACCEPTANCE 24: unknown token → 200.
		{name: "unknown token", req: request{form: form("token", "nope"), basic: c1}, wantStatus: 200,
			wantRevoked: []string{"t5"}},
		// ACCEPTANCE 24: valid → 200 and the token is dead at once.
		{name: "access token revokes its record only", req: request{form: form("token", "c1-access"), basic: c1}, wantStatus: 200,
			wantRevoked: []string{"t1", "t5"}, wantEvents: []string{"t1 single"}},
		{name: "refresh token revokes its family", req: request{form: form("token", "c1-refresh"), basic: c1}, wantStatus: 200,
			wantRevoked: []string{"t1", "t1b", "t5"}, wantEvents: []string{"t1 family"}},
		{name: "access hint on a refresh token is not trusted",
			req:        request{form: form("token", "c1-refresh", "token_type_hint", "access_token"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t1", "t1b", "t5"}, wantEvents: []string{"t1 family"}},
		{name: "refresh hint on an access token is not trusted",
			req:        request{form: form("token", "c1-other", "token_type_hint", "refresh_token"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t2", "t5"}, wantEvents: []string{"t2 single"}},
		{name: "matching hint", req: request{form: form("token", "c1-refresh", "token_type_hint", "refresh_token"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t1", "t1b", "t5"}, wantEvents: []string{"t1 family"}},
		{name: "unsupported hint", req: request{form: form("token", "c1-access", "token_type_hint", "id_token"), basic: c1},
			wantStatus: 400, wantCode: "unsupported_token_type", wantRevoked: []string{"t5"}},
		{name: "another client's access token is not revoked", req: request{form: form("token", "c2-access"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t5"}},
		{name: "another client's refresh token is not revoked", req: request{form: form("token", "c2-refresh"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t5"}},
		{name: "revoked access token again", req: request{form: form("token", "c1-revoked"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t5"}},
		{name: "expired access token", req: request{form: form("token", "c1-expired"), basic: c1},
			wantStatus: 200, wantRevoked: []string{"t5", "t6"}, wantEvents: []string{"t6 single"}},
		{name: "no client authentication", req: request{form: form("token", "c1-access")},
			wantStatus: 401, wantCode: "invalid_client", wantRevoked: []string{"t5"}},
		{name: "wrong secret", req: request{form: form("token", "c1-access"), basic: [2]string{"c1", "wrong"}},
			wantStatus: 401, wantCode: "invalid_client", wantRevoked: []string{"t5"}},
		{name: "client_id of another client than the one authenticated",
			req:        request{form: form("token", "c1-access", "client_id", "c2"), basic: c1},
			wantStatus: 401, wantCode: "invalid_client", wantRevoked: []string{"t5"}},
		{name: "client_secret_post", req: request{form: form("token", "c1-access", "client_id", "post1", "client_secret", "post-secret")},
			wantStatus: 200, wantRevoked: []string{"t5"}},
		{name: "client_secret_post refused when only basic is allowed",
			cfg:        revocation.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthClientSecretBasic}},
			req:        request{form: form("token", "c1-access", "client_id", "post1", "client_secret", "post-secret")},
			wantStatus: 401, wantCode: "invalid_client", wantRevoked: []string{"t5"}},
		{name: "public client refused by default", req: request{form: form("token", "p1-access", "client_id", "p1")},
			wantStatus: 401, wantCode: "invalid_client", wantRevoked: []string{"t5"}},
		{name: "public client when none is allowed",
			cfg:        revocation.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthNone}},
			req:        request{form: form("token", "p1-access", "client_id", "p1")},
			wantStatus: 200, wantRevoked: []string{"t4", "t5"}, wantEvents: []string{"t4 single"}},
		{name: "GET", req: request{form: form("token", "c1-access"), basic: c1, method: http.MethodGet},
			wantStatus: 405, wantCode: "invalid_request", wantRevoked: []string{"t5"}},
		{name: "JSON body", req: request{form: form("token", "c1-access"), basic: c1, ctype: "application/json"},
			wantStatus: 415, wantCode: "invalid_request", wantRevoked: []string{"t5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg, nil)
			rec := f.do(t, tt.req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status: got %d (%s), want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			checkAnswer(t, rec, tt.wantCode)
			if got := f.revokedIDs(t); !slices.Equal(got, tt.wantRevoked) {
				t.Errorf("revoked records: got %v, want %v", got, tt.wantRevoked)
			}
			if !slices.Equal(f.revoked, tt.wantEvents) {
				t.Errorf("Revoked calls: got %q, want %q", f.revoked, tt.wantEvents)
			}
		})
	}
}

// checkAnswer checks the headers and body: an empty 200, or the JSON error
// with its code, and the Basic challenge of a 401.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, wantCode string) {
	t.Helper()
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	if wantCode == "" {
		if rec.Body.Len() != 0 {
			t.Errorf("body: got %q, want none", rec.Body)
		}
		return
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["error"] != wantCode {
		t.Errorf("body: got %s, want error %s", rec.Body, wantCode)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", got)
	}
	switch rec.Code {
	case http.StatusUnauthorized:
		if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
			t.Errorf("WWW-Authenticate: got %q, want a Basic challenge", got)
		}
	case http.StatusMethodNotAllowed:
		if got := rec.Header().Get("Allow"); got != "POST" {
			t.Errorf("Allow: got %q, want POST", got)
		}
	}
}

// TestRevocationLeaksNothing: revoking another client's token, an unknown
// token and a revoked one look the same to the client.
func TestRevocationLeaksNothing(t *testing.T) {
	f := newFixture(t, revocation.Config{}, nil)
	var first *httptest.ResponseRecorder
	for _, token := range []string{"c2-access", "c2-refresh", "nope", "c1-revoked"} {
		rec := f.do(t, request{form: form("token", token), basic: c1})
		if first == nil {
			first = rec
			continue
		}
		if rec.Code != first.Code || rec.Body.String() != first.Body.String() || !reflect.DeepEqual(rec.Header(), first.Header()) {
			t.Errorf("token %s: got %d %v %q, want the same answer as for c2-access: %d %v %q",
				token, rec.Code, rec.Header(), rec.Body, first.Code, first.Header(), first.Body)
		}
	}
}

// TestRevocationClientAuthenticatedEvent: the client authentication event
// names the revocation endpoint.
func TestRevocationClientAuthenticatedEvent(t *testing.T) {
	f := newFixture(t, revocation.Config{}, nil)
	f.do(t, request{form: form("token", "nope"), basic: c1})
	if want := []string{"c1 client_secret_basic revocation"}; !slices.Equal(f.authed, want) {
		t.Errorf("ClientAuthenticated calls: got %q, want %q", f.authed, want)
	}
}

// TestRevocationDeadAtOnce goes through the token endpoint (ACCEPTANCE 24):
// once its refresh token is revoked, neither the refresh token nor the
// access token issued with it works.
func TestRevocationDeadAtOnce(t *testing.T) {
	f := newFixture(t, revocation.Config{}, nil)
	tokens := f.issue(t, form("grant_type", "password", "username", "alice", "password", "pw"))
	validator := accesstoken.NewStoreValidator(f.store, accesstoken.StoreValidatorConfig{Now: func() time.Time { return now }})
	if info, err := validator.ValidateToken(context.Background(), tokens.Access); err != nil || !info.Active {
		t.Fatalf("fresh access token: got (%+v, %v), want active", info, err)
	}
	if rec := f.do(t, request{form: form("token", tokens.Refresh, "token_type_hint", "refresh_token"), basic: c1}); rec.Code != 200 {
		t.Fatalf("revocation: got %d %s, want 200", rec.Code, rec.Body)
	}
	if info, err := validator.ValidateToken(context.Background(), tokens.Access); err != nil || info.Active {
		t.Errorf("access token after revoking its refresh token: got (%+v, %v), want inactive", info, err)
	}
	rec := f.token(t, form("grant_type", "refresh_token", "refresh_token", tokens.Refresh))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"invalid_grant"`) {
		t.Errorf("refresh with the revoked token: got %d %s, want 400 invalid_grant", rec.Code, rec.Body)
	}
}

type issued struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

func (f *fixture) token(t *testing.T, v url.Values) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth("c1", "s1")
	rec := httptest.NewRecorder()
	f.srv.ServeToken(rec, r)
	return rec
}

func (f *fixture) issue(t *testing.T, v url.Values) issued {
	t.Helper()
	rec := f.token(t, v)
	var out issued
	if err := json.Unmarshal(rec.Body.Bytes(), &out); rec.Code != 200 || err != nil || out.Access == "" || out.Refresh == "" {
		t.Fatalf("token request: got %d %s, want 200 with access and refresh tokens", rec.Code, rec.Body)
	}
	return out
}

// downStore is a TokenStore that cannot be reached.
type downStore struct{ *memstore.Store }

func (downStore) TokenByAccess(context.Context, string) (*storage.Token, error) {
	return nil, storage.ErrUnavailable
}

// revokeFails finds tokens but cannot revoke them.
type revokeFails struct{ *memstore.Store }

func (revokeFails) RevokeToken(context.Context, string) error { return storage.ErrUnavailable }

func TestRevocationStoreOutage(t *testing.T) {
	tests := []struct {
		name string
		wrap func(*memstore.Store) storage.TokenStore
	}{
		{"lookup fails", func(s *memstore.Store) storage.TokenStore { return downStore{s} }},
		{"revocation fails", func(s *memstore.Store) storage.TokenStore { return revokeFails{s} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, revocation.Config{}, tt.wrap)
			rec := f.do(t, request{form: form("token", "c1-access"), basic: c1})
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status: got %d %s, want 503", rec.Code, rec.Body)
			}
			checkAnswer(t, rec, "temporarily_unavailable")
			if len(f.revoked) != 0 {
				t.Errorf("Revoked calls: got %q, want none", f.revoked)
			}
		})
	}
}

func TestRevocationMetadata(t *testing.T) {
	tests := []struct {
		name string
		cfg  revocation.Config
		want map[string]any
	}{
		{"defaults", revocation.Config{}, map[string]any{
			"revocation_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		}},
		{"path joined to the issuer", revocation.Config{URL: "/oauth/revoke", AuthMethods: []grantry.AuthMethod{grantry.AuthNone}}, map[string]any{
			"revocation_endpoint":                        "https://as.test/oauth/revoke",
			"revocation_endpoint_auth_methods_supported": []string{"none"},
		}},
		{"absolute URL", revocation.Config{URL: "https://revoke.test/r"}, map[string]any{
			"revocation_endpoint":                        "https://revoke.test/r",
			"revocation_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.cfg, nil) // mounts the endpoint with tt.cfg
			e := revocation.New(f.store, tt.cfg)
			if e.Name() != grantry.EndpointRevocation {
				t.Errorf("Name: got %q, want %q", e.Name(), grantry.EndpointRevocation)
			}
			got := map[string]any{}
			for k, v := range f.srv.Metadata() {
				if strings.HasPrefix(k, "revocation_") {
					got[k] = v
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRevocationRFC7009Example sends the request of RFC 7009 §2.1 as
// written there: client s6BhdRkqt3 with secret gX1fBat3bV revokes its
// refresh token 45ghiukldjahdnhzdauz.
func TestRevocationRFC7009Example(t *testing.T) {
	f := newFixture(t, revocation.Config{}, nil)
	ctx := context.Background()
	if err := f.store.CreateClient(ctx, &storage.Client{ID: "s6BhdRkqt3", SecretHash: secret.HashSecret("gX1fBat3bV")}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateToken(ctx, &storage.Token{ID: "rfc", FamilyID: "RFC", ClientID: "s6BhdRkqt3",
		AccessHash: secret.Digest("rfc-access"), RefreshHash: secret.Digest("45ghiukldjahdnhzdauz"), ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/revoke", strings.NewReader("token=45ghiukldjahdnhzdauz&token_type_hint=refresh_token"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Fatalf("status: got %d %s, want 200", rec.Code, rec.Body)
	}
	tok, err := f.store.TokenByRefresh(ctx, secret.Digest("45ghiukldjahdnhzdauz"))
	if err != nil || !tok.Revoked {
		t.Errorf("refresh token after revocation: got (%+v, %v), want revoked", tok, err)
	}
}
