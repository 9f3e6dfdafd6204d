package introspection_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

var (
	now    = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	issued = now.Add(-10 * time.Minute)
)

// server is an authorization server over a memory store, on which the
// tests mount the endpoint.
type server struct {
	srv    *authserver.Server
	store  *memstore.Store
	tokens storage.TokenStore // the store, or what tokens made of it
}

// mount mounts an endpoint made with cfg over the server's token store,
// reporting the server's issuer, and returns its handler.
func (s *server) mount(cfg introspection.Config) http.Handler {
	cfg.Issuer = s.srv.Issuer()
	return s.srv.Mount(introspection.New(s.tokens, cfg))
}

func newServer(t *testing.T, tokens func(*memstore.Store) storage.TokenStore) *server {
	t.Helper()
	store := memstore.New()
	ctx := context.Background()
	for _, c := range []*storage.Client{
		{ID: "rs1", SecretHash: secret.HashSecret("rs-secret")},
		{ID: "rs2", SecretHash: secret.HashSecret("rs2-secret")},
		{ID: "post1", SecretHash: secret.HashSecret("post-secret"), AuthMethod: grantry.AuthClientSecretPost},
		{ID: "p1", AuthMethod: grantry.AuthNone},
	} {
		if err := store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []*storage.Token{
		{ID: "t1", FamilyID: "F1", ClientID: "c1", Subject: "alice", Scope: grantry.Scope{"profile", "email"},
			AccessHash: secret.Digest("live"), RefreshHash: secret.Digest("live-refresh"),
			IssuedAt: issued, ExpiresAt: now.Add(time.Hour), RefreshExpiresAt: now.Add(48 * time.Hour)},
		{ID: "t2", ClientID: "c1", Subject: "alice", AccessHash: secret.Digest("expired"), RefreshHash: secret.Digest("expired-refresh"),
			IssuedAt: issued, ExpiresAt: now, RefreshExpiresAt: now.Add(-time.Second)},
		{ID: "t3", ClientID: "c1", AccessHash: secret.Digest("revoked"), RefreshHash: secret.Digest("revoked-refresh"),
			IssuedAt: issued, ExpiresAt: now.Add(time.Hour), Revoked: true},
		{ID: "t4", ClientID: "cc", Scope: grantry.Scope{"read"}, AccessHash: secret.Digest("service"),
			IssuedAt: issued, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := store.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	var ts storage.TokenStore = store
	if tokens != nil {
		ts = tokens(store)
	}
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.test", Clients: store, Tokens: ts,
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &server{srv: srv, store: store, tokens: ts}
}

type request struct {
	form   url.Values
	basic  [2]string
	method string
}

var rs1 = [2]string{"rs1", "rs-secret"}

func do(t *testing.T, h http.Handler, q request) *httptest.ResponseRecorder {
	t.Helper()
	method := q.method
	if method == "" {
		method = http.MethodPost
	}
	r := httptest.NewRequest(method, "/introspect", strings.NewReader(q.form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if q.basic[0] != "" {
		r.SetBasicAuth(q.basic[0], q.basic[1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

const (
	inactive   = `{"active":false}`
	liveAccess = `{"active":true,"scope":"profile email","client_id":"c1","token_type":"Bearer","exp":1898834767,` +
		`"iat":1898830567,"sub":"alice","iss":"https://as.test","jti":"t1"}`
	liveRefresh = `{"active":true,"scope":"profile email","client_id":"c1","token_type":"refresh_token","exp":1899003967,` +
		`"iat":1898830567,"sub":"alice","iss":"https://as.test","jti":"t1"}`
	service = `{"active":true,"scope":"read","client_id":"cc","token_type":"Bearer","exp":1898834767,` +
		`"iat":1898830567,"iss":"https://as.test","jti":"t4"}`
)

// resourceServers lets rs1 and post1 introspect every token.
var resourceServers = introspection.Callers("rs1", "post1")

// TestIntrospection covers every answer of the endpoint (ACCEPTANCE 25),
// with the exact bodies.
func TestIntrospection(t *testing.T) {
	tests := []struct {
		name       string
		cfg        introspection.Config
		req        request
		wantStatus int
		wantBody   string // exact for 200; the error code otherwise
	}{
		// ACCEPTANCE 25: valid → {"active":true, ...}.
		{name: "active access token", req: request{form: form("token", "live"), basic: rs1}, wantStatus: 200, wantBody: liveAccess},
		{name: "client credentials token has no sub", req: request{form: form("token", "service"), basic: rs1}, wantStatus: 200, wantBody: service},
		{name: "active refresh token", req: request{form: form("token", "live-refresh"), basic: rs1}, wantStatus: 200, wantBody: liveRefresh},
		{name: "hint refresh_token on an access token", req: request{form: form("token", "live", "token_type_hint", "refresh_token"), basic: rs1},
			wantStatus: 200, wantBody: liveAccess},
		{name: "hint access_token on a refresh token", req: request{form: form("token", "live-refresh", "token_type_hint", "access_token"), basic: rs1},
			wantStatus: 200, wantBody: liveRefresh},
		{name: "unknown hint is ignored", req: request{form: form("token", "live", "token_type_hint", "id_token"), basic: rs1},
			wantStatus: 200, wantBody: liveAccess},
		// ACCEPTANCE 25: unknown, expired or revoked → 200 {"active":false}.
		{name: "unknown token", req: request{form: form("token", "nope"), basic: rs1}, wantStatus: 200, wantBody: inactive},
		{name: "expired access token", req: request{form: form("token", "expired"), basic: rs1}, wantStatus: 200, wantBody: inactive},
		{name: "expired refresh token", req: request{form: form("token", "expired-refresh"), basic: rs1}, wantStatus: 200, wantBody: inactive},
		{name: "revoked access token", req: request{form: form("token", "revoked"), basic: rs1}, wantStatus: 200, wantBody: inactive},
		{name: "revoked refresh token", req: request{form: form("token", "revoked-refresh"), basic: rs1}, wantStatus: 200, wantBody: inactive},
		// ACCEPTANCE 25: without caller authentication → 401.
		{name: "no caller authentication", req: request{form: form("token", "live")}, wantStatus: 401, wantBody: "invalid_client"},
		{name: "wrong secret", req: request{form: form("token", "live"), basic: [2]string{"rs1", "nope"}}, wantStatus: 401, wantBody: "invalid_client"},
		{name: "public client", req: request{form: form("token", "live", "client_id", "p1")}, wantStatus: 401, wantBody: "invalid_client"},
		{name: "none is never accepted", cfg: introspection.Config{AuthMethods: []grantry.AuthMethod{grantry.AuthNone, grantry.AuthClientSecretBasic}},
			req: request{form: form("token", "live", "client_id", "p1")}, wantStatus: 401, wantBody: "invalid_client"},
		{name: "client_secret_post", req: request{form: form("token", "live", "client_id", "post1", "client_secret", "post-secret")},
			wantStatus: 200, wantBody: liveAccess},
		{name: "no token", req: request{form: form(), basic: rs1}, wantStatus: 400, wantBody: "invalid_request"},
		{name: "GET", req: request{form: form("token", "live"), basic: rs1, method: http.MethodGet}, wantStatus: 405, wantBody: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, nil)
			cfg := tt.cfg
			cfg.CheckPermission = resourceServers
			rec := do(t, s.mount(cfg), tt.req)
			checkAnswer(t, rec, tt.wantStatus, tt.wantBody)
		})
	}
}

func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, wantStatus int, wantBody string) {
	t.Helper()
	if rec.Code != wantStatus {
		t.Fatalf("status: got %d (%s), want %d", rec.Code, rec.Body, wantStatus)
	}
	for k, v := range map[string]string{"Content-Type": "application/json;charset=UTF-8", "Cache-Control": "no-store", "Pragma": "no-cache"} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
	if wantStatus == http.StatusOK {
		if got := rec.Body.String(); got != wantBody {
			t.Errorf("body: got  %s\nwant %s", got, wantBody)
		}
		return
	}
	var e map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error"] != wantBody {
		t.Errorf("body: got %s, want error %s", rec.Body, wantBody)
	}
	if wantStatus == http.StatusUnauthorized && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("WWW-Authenticate: got %q, want a Basic challenge", rec.Header().Get("WWW-Authenticate"))
	}
}

// TestIntrospectionPermission: a caller CheckPermission refuses learns only
// {"active":false}; CheckPermission sees the caller and the record, and is
// not asked about inactive tokens.
func TestIntrospectionPermission(t *testing.T) {
	var asked []string
	cfg := introspection.Config{CheckPermission: func(_ context.Context, caller *storage.Client, tok *storage.Token) bool {
		asked = append(asked, caller.ID+" "+tok.ID)
		return caller.ID == "rs1"
	}}
	h := newServer(t, nil).mount(cfg)
	checkAnswer(t, do(t, h, request{form: form("token", "live"), basic: rs1}), 200, liveAccess)
	checkAnswer(t, do(t, h, request{form: form("token", "live"), basic: [2]string{"rs2", "rs2-secret"}}), 200, inactive)
	checkAnswer(t, do(t, h, request{form: form("token", "revoked"), basic: [2]string{"rs2", "rs2-secret"}}), 200, inactive)
	if want := []string{"rs1 t1", "rs2 t1"}; !reflect.DeepEqual(asked, want) {
		t.Errorf("CheckPermission calls: got %q, want %q", asked, want)
	}
}

// TestIntrospectionPermissionPolicies: by default a client learns only
// about its own tokens (RFC 7662 §4); Callers names the resource servers;
// AnyCaller opens the endpoint to every authenticated client.
func TestIntrospectionPermissionPolicies(t *testing.T) {
	c1 := [2]string{"c1", "c1-secret"}
	rs2 := [2]string{"rs2", "rs2-secret"}
	tests := []struct {
		name   string
		policy func(context.Context, *storage.Client, *storage.Token) bool
		caller [2]string
		want   string
	}{
		{"default, the token's own client", nil, c1, liveAccess},
		{"default, another client", nil, rs1, inactive},
		{"OwnTokens, another client", introspection.OwnTokens, rs1, inactive},
		{"Callers, a named client", introspection.Callers("rs1"), rs1, liveAccess},
		{"Callers, the token's own client", introspection.Callers("rs1"), c1, liveAccess},
		{"Callers, another client", introspection.Callers("rs1"), rs2, inactive},
		{"AnyCaller", introspection.AnyCaller, rs2, liveAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, nil)
			if err := s.store.CreateClient(t.Context(), &storage.Client{ID: "c1", SecretHash: secret.HashSecret("c1-secret")}); err != nil {
				t.Fatal(err)
			}
			h := s.mount(introspection.Config{CheckPermission: tt.policy})
			checkAnswer(t, do(t, h, request{form: form("token", "live"), basic: tt.caller}), 200, tt.want)
		})
	}
}

// TestIntrospectionDescribe: Describe adds what the store does not hold,
// for active tokens of permitted callers only.
func TestIntrospectionDescribe(t *testing.T) {
	var described []string
	cfg := introspection.Config{
		CheckPermission: func(_ context.Context, caller *storage.Client, _ *storage.Token) bool {
			return caller.ID == "rs1"
		},
		Describe: func(_ context.Context, tok *storage.Token, info *grantry.TokenInfo) {
			described = append(described, tok.ID)
			info.Username = "alice@example.test"
			info.Audience = []string{"https://api.test"}
			info.Extra = map[string]any{"tenant": "t-7"}
		},
	}
	h := newServer(t, nil).mount(cfg)
	want := `{"active":true,"scope":"profile email","client_id":"c1","username":"alice@example.test","token_type":"Bearer",` +
		`"exp":1898834767,"iat":1898830567,"sub":"alice","aud":"https://api.test","iss":"https://as.test","jti":"t1","tenant":"t-7"}`
	checkAnswer(t, do(t, h, request{form: form("token", "live"), basic: rs1}), 200, want)
	checkAnswer(t, do(t, h, request{form: form("token", "expired"), basic: rs1}), 200, inactive)
	checkAnswer(t, do(t, h, request{form: form("token", "live"), basic: [2]string{"rs2", "rs2-secret"}}), 200, inactive)
	if !reflect.DeepEqual(described, []string{"t1"}) {
		t.Errorf("Describe calls: got %q, want [t1]", described)
	}
}

type downStore struct{ *memstore.Store }

func (downStore) TokenByAccess(context.Context, string) (*storage.Token, error) {
	return nil, storage.ErrUnavailable
}

func TestIntrospectionStoreOutage(t *testing.T) {
	s := newServer(t, func(s *memstore.Store) storage.TokenStore { return downStore{s} })
	rec := do(t, s.mount(introspection.Config{}), request{form: form("token", "live"), basic: rs1})
	checkAnswer(t, rec, http.StatusServiceUnavailable, "temporarily_unavailable")
	if strings.Contains(rec.Body.String(), "storage") {
		t.Errorf("body %s leaks the internal cause", rec.Body)
	}
}

func TestIntrospectionMetadata(t *testing.T) {
	tests := []struct {
		name string
		cfg  introspection.Config
		want map[string]any
	}{
		{"defaults", introspection.Config{}, map[string]any{
			"introspection_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		}},
		{"path joined to the issuer, none dropped", introspection.Config{
			URL: "/introspect", AuthMethods: []grantry.AuthMethod{grantry.AuthNone, grantry.AuthPrivateKeyJWT},
		}, map[string]any{
			"introspection_endpoint":                        "https://as.test/introspect",
			"introspection_endpoint_auth_methods_supported": []string{"private_key_jwt"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, nil)
			e := introspection.New(s.tokens, tt.cfg)
			if e.Name() != grantry.EndpointIntrospection {
				t.Errorf("Name: got %q, want %q", e.Name(), grantry.EndpointIntrospection)
			}
			s.srv.Mount(e)
			got := map[string]any{}
			for k, v := range s.srv.Metadata() {
				if strings.HasPrefix(k, "introspection_") {
					got[k] = v
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestIntrospectionRFC7662Example sends the request of RFC 7662 §2.1 as
// written there: client s6BhdRkqt3 with secret gX1fBat3bV.
func TestIntrospectionRFC7662Example(t *testing.T) {
	s := newServer(t, nil)
	store := s.store
	ctx := context.Background()
	if err := store.CreateClient(ctx, &storage.Client{ID: "s6BhdRkqt3", SecretHash: secret.HashSecret("gX1fBat3bV")}); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateToken(ctx, &storage.Token{ID: "rfc", ClientID: "l238j323ds-23ij4", Subject: "Z5O3upPC88QrAjx00dis",
		Scope: grantry.Scope{"read", "write", "dolphin"}, AccessHash: secret.Digest("mF_9.B5f-4.1JqM"),
		IssuedAt: issued, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/introspect", strings.NewReader("token=mF_9.B5f-4.1JqM&token_type_hint=access_token"))
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", "Basic czZCaGRSa3F0MzpnWDFmQmF0M2JW")
	rec := httptest.NewRecorder()
	s.mount(introspection.Config{CheckPermission: introspection.AnyCaller}).ServeHTTP(rec, r)
	want := `{"active":true,"scope":"read write dolphin","client_id":"l238j323ds-23ij4","token_type":"Bearer",` +
		`"exp":1898834767,"iat":1898830567,"sub":"Z5O3upPC88QrAjx00dis","iss":"https://as.test","jti":"rfc"}`
	checkAnswer(t, rec, 200, want)
}

// TestIntrospectionUnencodableDescription: an extra member JSON cannot
// encode is a 500 that names no cause.
func TestIntrospectionUnencodableDescription(t *testing.T) {
	h := newServer(t, nil).mount(introspection.Config{CheckPermission: resourceServers, Describe: func(_ context.Context, _ *storage.Token, info *grantry.TokenInfo) {
		info.Extra = map[string]any{"bad": make(chan int)}
	}})
	rec := do(t, h, request{form: form("token", "live"), basic: rs1})
	checkAnswer(t, rec, http.StatusInternalServerError, "server_error")
	if strings.Contains(rec.Body.String(), "chan") {
		t.Errorf("body %s leaks the cause", rec.Body)
	}
}
