package authserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// jarFixture is a server with the code grant and request objects, whose
// clients j1 (keys), rs (keys, RS256 registered), nokeys, and plain (no
// policy) sign with key.
type jarFixture struct {
	t     testing.TB
	srv   *authserver.Server
	store *memstore.Store
	clock *authtest.Clock
	key   *keyset.Key
	mux   *http.ServeMux
}

func newJARFixture(t testing.TB, cfg *authserver.RequestObjectConfig, clients ...*storage.Client) *jarFixture {
	t.Helper()
	f := &jarFixture{t: t, store: memstore.New(), clock: authtest.NewClock(fixStart), mux: http.NewServeMux()}
	var err error
	if f.key, err = keyset.GenerateKey(keyset.ES256); err != nil {
		t.Fatal(err)
	}
	doc, err := (&keyset.JWKS{Keys: []keyset.PublicKey{f.key.Public()}}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	base := []*storage.Client{
		{ID: "j1", JWKS: string(doc)},
		{ID: "rs", JWKS: string(doc), RequestObjectSigningAlg: "RS256"},
		{ID: "nokeys"},
		{ID: "must", JWKS: string(doc), RequireSignedRequestObject: true},
	}
	for _, c := range append(base, clients...) {
		c.SecretHash = secret.HashSecret("s")
		c.RedirectURIs = []string{cbURI}
		c.Scope = grantry.Scope{"profile", "email"}
		c.GrantTypes = []grantry.GrantType{grantry.GrantAuthorizationCode}
		c.ResponseTypes = []grantry.ResponseType{grantry.ResponseCode}
		if err := f.store.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	if cfg != nil && cfg.Keys == nil {
		cfg.Keys = authserver.NewClientKeys(keyset.RemoteConfig{})
	}
	f.srv, err = authserver.New(authserver.Config{
		Issuer: testIssuer, Clients: f.store, Tokens: f.store, Now: f.clock.Now, RequestObjects: cfg,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.RegisterResponseType(authcode.New(f.store, authcode.Config{}))
	f.mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		req, err := f.srv.ValidateAuthorizationRequest(r)
		if err != nil {
			f.srv.WriteError(w, r, err)
			return
		}
		f.srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	})
	return f
}

// claims returns the claims of a valid request object of client.
func (f *jarFixture) claims(client string) map[string]any {
	now := f.clock.Now()
	return map[string]any{
		"iss": client, "aud": testIssuer, "client_id": client, "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "nbf": now.Unix(), "jti": "j-1",
		"response_type": "code", "redirect_uri": cbURI, "scope": "profile", "state": "object-state",
	}
}

func (f *jarFixture) sign(claims map[string]any, typ string) string {
	f.t.Helper()
	tok, err := f.key.SignJWT(claims, typ)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

func (f *jarFixture) authorize(q url.Values) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/authorize?"+q.Encode(), nil))
	return w
}

func TestRequestObjectAccepted(t *testing.T) {
	f := newJARFixture(t, &authserver.RequestObjectConfig{})
	var seen *authserver.AuthorizationRequest
	f.mux.HandleFunc("/inspect", func(w http.ResponseWriter, r *http.Request) {
		req, err := f.srv.ValidateAuthorizationRequest(r)
		if err != nil {
			t.Fatalf("ValidateAuthorizationRequest: %v", err)
		}
		seen = req
	})
	c := f.claims("j1")
	c["max_age"] = 300
	c["claims"] = map[string]any{"userinfo": map[string]any{"email": nil}}
	obj := f.sign(c, "oauth-authz-req+jwt")
	q := url.Values{"client_id": {"j1"}, "request": {obj}, "scope": {"email"}, "state": {"query-state"}}
	f.mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/inspect?"+q.Encode(), nil))
	want := map[string]string{
		"client_id": "j1", "response_type": "code", "redirect_uri": cbURI, "scope": "profile", "state": "object-state",
		"max_age": "300", "claims": `{"userinfo":{"email":null}}`,
	}
	if len(seen.Params) != len(want) {
		t.Errorf("params: got %v, want %v", seen.Params, want)
	}
	for k, v := range want {
		if got := seen.Params.Get(k); got != v {
			t.Errorf("%s: got %q, want %q", k, got, v)
		}
	}
	if !seen.Signed || seen.Pushed {
		t.Errorf("Signed, Pushed: got %v, %v, want true, false", seen.Signed, seen.Pushed)
	}

	loc := f.authorize(q).Header().Get("Location")
	u, _ := url.Parse(loc)
	if u == nil || u.Query().Get("code") == "" || u.Query().Get("state") != "object-state" {
		t.Errorf("Location: got %q, want a code and the object's state", loc)
	}
}

func TestRequestObjectRefused(t *testing.T) {
	f := newJARFixture(t, &authserver.RequestObjectConfig{MaxLifetime: time.Hour})
	other, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) string {
		c := f.claims("j1")
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return f.sign(c, "")
	}
	b64 := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(f.claims("j1"))
	valid := f.sign(f.claims("j1"), "")
	parts := strings.Split(valid, ".")
	forged, _ := json.Marshal(map[string]any{"client_id": "j1", "response_type": "code", "scope": "email"})
	hs, err := keyset.SignJWTWithSecret([]byte(strings.Repeat("k", 32)), keyset.HS256, f.claims("j1"), "")
	if err != nil {
		t.Fatal(err)
	}
	otherSigned, err := other.SignJWT(f.claims("j1"), "")
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	tests := []struct {
		name   string
		client string
		obj    string
	}{
		{"tampered payload", "j1", parts[0] + "." + b64(forged) + "." + parts[2]},
		{"unsigned", "j1", b64([]byte(`{"alg":"none"}`)) + "." + b64(payload) + "."},
		{"HMAC", "j1", hs},
		{"another key", "j1", otherSigned},
		{"not a JWT", "j1", "e30.e30.sig"},
		{"client_id differs", "j1", with("client_id", "rs")},
		{"client_id missing", "j1", with("client_id", nil)},
		{"iss differs", "j1", with("iss", "rs")},
		{"aud missing", "j1", with("aud", nil)},
		{"aud another server", "j1", with("aud", "https://other.test")},
		{"expired", "j1", with("exp", now.Add(-time.Minute).Unix())},
		{"lives too long", "j1", with("exp", now.Add(2*time.Hour).Unix())},
		{"not yet valid", "j1", with("nbf", now.Add(time.Hour).Unix())},
		{"exp not a number", "j1", with("exp", "soon")},
		{"holds request_uri", "j1", with("request_uri", "urn:x")},
		{"holds a boolean", "j1", with("prompt", true)},
		{"another typ", "j1", func() string { return f.sign(f.claims("j1"), "at+jwt") }()},
		{"client registered another alg", "rs", func() string { return f.sign(f.claims("rs"), "") }()},
		{"client has no keys", "nokeys", func() string { return f.sign(f.claims("nokeys"), "") }()},
		{"query client_id differs", "rs", valid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.authorize(url.Values{"client_id": {tc.client}, "request": {tc.obj}, "redirect_uri": {cbURI}, "response_type": {"code"}, "state": {"s"}})
			u, err := url.Parse(w.Header().Get("Location"))
			if w.Code != http.StatusFound || err != nil || !strings.HasPrefix(u.String(), cbURI+"?") {
				t.Fatalf("got %d %q, want a redirect to the client", w.Code, w.Header().Get("Location"))
			}
			if q := u.Query(); q.Get("error") != string(grantry.ErrInvalidRequestObject) || q.Get("state") != "s" || q.Get("code") != "" {
				t.Errorf("got %v, want error invalid_request_object, the query's state and no code", q)
			}
			// Without a redirect URI of the client in the query, nothing
			// redirects.
			w = f.authorize(url.Values{"client_id": {tc.client}, "request": {tc.obj}, "redirect_uri": {"https://evil.test/cb"}})
			checkObjectError(t, w, http.StatusBadRequest, grantry.ErrInvalidRequestObject)
		})
	}
	t.Run("aud array naming the server", func(t *testing.T) {
		w := f.authorize(url.Values{"client_id": {"j1"}, "request": {with("aud", []string{"x", testIssuer})}})
		if w.Code != http.StatusFound || !strings.Contains(w.Header().Get("Location"), "code=") {
			t.Errorf("got %d %q, want a code", w.Code, w.Header().Get("Location"))
		}
	})
}

// checkObjectError checks that w is a JSON error with status and code and
// no redirect.
func checkObjectError(t *testing.T, w *httptest.ResponseRecorder, status int, code grantry.ErrorCode) {
	t.Helper()
	if w.Code != status || w.Header().Get("Location") != "" {
		t.Errorf("got status %d, Location %q, want %d and none", w.Code, w.Header().Get("Location"), status)
	}
	var body struct{ Error string }
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error != string(code) {
		t.Errorf("body: got %s, want error %q", w.Body, code)
	}
}

// TestRequestNotSupported checks that without request objects the
// request parameter is refused, redirected as OpenID Connect Core §6.1
// and RFC 9101 §7 say, and so is request_uri without a resolver.
func TestRequestNotSupported(t *testing.T) {
	f := newJARFixture(t, nil)
	tests := []struct {
		name  string
		param string
		want  grantry.ErrorCode
	}{
		{"request", "request", grantry.ErrRequestNotSupported},
		{"request_uri", "request_uri", grantry.ErrRequestURINotSupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"client_id": {"j1"}, tc.param: {f.sign(f.claims("j1"), "")}, "redirect_uri": {cbURI}, "response_type": {"code"}, "state": {"s"}}
			w := f.authorize(q)
			u, err := url.Parse(w.Header().Get("Location"))
			if w.Code != http.StatusFound || err != nil {
				t.Fatalf("got %d %q, want a redirect", w.Code, w.Header().Get("Location"))
			}
			if got := u.Query().Get("error"); got != string(tc.want) || u.Query().Get("state") != "s" {
				t.Errorf("got %v, want error %s and state s", u.Query(), tc.want)
			}
		})
	}
	t.Run("metadata", func(t *testing.T) {
		m := f.srv.Metadata()
		for _, k := range []string{"request_parameter_supported", "request_uri_parameter_supported", "request_object_signing_alg_values_supported"} {
			if v, ok := m[k]; ok {
				t.Errorf("%s: got %v, want absent", k, v)
			}
		}
	})
}

func TestRequireSignedRequestObject(t *testing.T) {
	tests := []struct {
		name   string
		cfg    authserver.RequestObjectConfig
		client string
	}{
		{"server-wide", authserver.RequestObjectConfig{RequireSigned: true}, "j1"},
		{"per client", authserver.RequestObjectConfig{}, "must"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newJARFixture(t, &tc.cfg)
			w := f.authorize(url.Values{"client_id": {tc.client}, "redirect_uri": {cbURI}, "response_type": {"code"}, "state": {"s"}})
			u, _ := url.Parse(w.Header().Get("Location"))
			if u == nil || u.Query().Get("error") != string(grantry.ErrInvalidRequest) {
				t.Errorf("plain request: got %d %q, want a redirect with invalid_request", w.Code, w.Header().Get("Location"))
			}
			w = f.authorize(url.Values{"client_id": {tc.client}, "request": {f.sign(f.claims(tc.client), "")}})
			if !strings.Contains(w.Header().Get("Location"), "code=") {
				t.Errorf("signed request: got %d %q, want a code", w.Code, w.Header().Get("Location"))
			}
		})
	}
}

func TestRequestObjectMetadata(t *testing.T) {
	f := newJARFixture(t, &authserver.RequestObjectConfig{Algorithms: []keyset.Algorithm{keyset.PS256, keyset.ES256}, RequireSigned: true})
	m := f.srv.Metadata()
	if m["request_parameter_supported"] != true || m["require_signed_request_object"] != true {
		t.Errorf("got %v, want request_parameter_supported and require_signed_request_object true", m)
	}
	got, _ := m["request_object_signing_alg_values_supported"].([]string)
	if strings.Join(got, " ") != "ES256 PS256" {
		t.Errorf("request_object_signing_alg_values_supported: got %v, want [ES256 PS256]", got)
	}
}

// FuzzRequestObject sends request objects signed with the client's key
// over fuzzed payloads, and fuzzed strings as request objects: the answer
// is a code or a JSON error of RFC 9101, never a server error.
func FuzzRequestObject(f *testing.F) {
	fx := newJARFixture(f, &authserver.RequestObjectConfig{})
	valid, _ := json.Marshal(fx.claims("j1"))
	f.Add(valid, "")
	f.Add([]byte(`{"client_id":"j1","aud":["x"],"exp":1e300,"max_age":1.5,"claims":{"a":[1]}}`), "")
	f.Add([]byte(`[]`), "e30.e30.")
	f.Add([]byte(`{"client_id":"j1"} {}`), "eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, payload []byte, raw string) {
		obj := raw
		if obj == "" {
			var err error
			if obj, err = fx.key.SignJWT(payload, ""); err != nil {
				return
			}
		}
		w := fx.authorize(url.Values{"client_id": {"j1"}, "request": {obj}})
		switch w.Code {
		case http.StatusFound:
			if !strings.HasPrefix(w.Header().Get("Location"), cbURI) {
				t.Fatalf("redirect to %q, want the registered URI", w.Header().Get("Location"))
			}
		case http.StatusBadRequest:
			var body struct{ Error string }
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			switch grantry.ErrorCode(body.Error) {
			case grantry.ErrInvalidRequestObject, grantry.ErrInvalidRequest, grantry.ErrInvalidClient:
			default:
				t.Fatalf("error: got %q, want invalid_request_object or invalid_request", body.Error)
			}
		default:
			t.Fatalf("status: got %d (%s), want 302 or 400", w.Code, w.Body)
		}
	})
}
