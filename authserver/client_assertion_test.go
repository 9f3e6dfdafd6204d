package authserver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/internal/golden"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// The assertion fixture: clients "pk" (private_key_jwt, ES256 key pkKey,
// its registered alg ES256), "pk2" (private_key_jwt, its own key),
// "cs" (client_secret_jwt, secret csSecret, any HMAC algorithm) and
// "basic" (client_secret_basic).
const (
	csSecret         = "cs-secret-0123456789-0123456789-0123456789-0123456789-0123456789"
	assertTokenURL   = testIssuer + "/token"
	assertIntrospect = testIssuer + "/introspect"
)

type assertFixture struct {
	srv     *authserver.Server
	store   *memstore.Store
	clock   *authtest.Clock
	token   http.Handler
	intro   http.Handler
	keys    map[string]*keyset.Key // by client ID, and "es384" and "other"
	counter atomic.Int64
}

var testKEK = bytes.Repeat([]byte{7}, keyset.SealingKeySize)

func mustKey(tb testing.TB, alg keyset.Algorithm, kid string) *keyset.Key {
	tb.Helper()
	k, err := keyset.GenerateKey(alg)
	if err == nil {
		k, err = keyset.NewKey(k.Signer(), alg, kid)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func jwksOf(tb testing.TB, keys ...*keyset.Key) string {
	tb.Helper()
	set := &keyset.JWKS{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.Public())
	}
	b, err := set.MarshalJSON()
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// introEndpoint is an endpoint that answers {} to an authenticated
// client, standing for introspection (RFC 7662).
type introEndpoint struct{}

func (introEndpoint) Name() string { return grantry.EndpointIntrospection }
func (introEndpoint) AuthMethods() []grantry.AuthMethod {
	return []grantry.AuthMethod{grantry.AuthPrivateKeyJWT, grantry.AuthClientSecretJWT}
}
func (introEndpoint) Respond(context.Context, *authserver.EndpointRequest) ([]byte, error) {
	return []byte(`{}`), nil
}
func (introEndpoint) ServerMetadata() map[string]any {
	return map[string]any{"introspection_endpoint": "/introspect"}
}

func newAssertFixture(tb testing.TB, edit func(*authserver.ClientAssertionConfig)) *assertFixture {
	tb.Helper()
	f := &assertFixture{store: memstore.New(), clock: authtest.NewClock(fixStart), keys: map[string]*keyset.Key{}}
	f.store.Now = f.clock.Now
	f.keys["pk"] = mustKey(tb, keyset.ES256, "pk-1")
	f.keys["es384"] = mustKey(tb, keyset.ES384, "pk-2")
	f.keys["pk2"] = mustKey(tb, keyset.ES256, "pk2-1")
	f.keys["other"] = mustKey(tb, keyset.ES256, "pk-1") // pk's kid, another key
	sealer, err := keyset.NewSealer(testKEK)
	if err != nil {
		tb.Fatal(err)
	}
	sealed, err := authserver.SealClientSecret(sealer, "cs", csSecret)
	if err != nil {
		tb.Fatal(err)
	}
	cc := []grantry.GrantType{grantry.GrantClientCredentials}
	clients := []*storage.Client{
		{ID: "pk", AuthMethod: grantry.AuthPrivateKeyJWT, GrantTypes: cc, Scope: grantry.Scope{"read"},
			JWKS: jwksOf(tb, f.keys["pk"], f.keys["es384"]), TokenEndpointAuthSigningAlg: "ES256"},
		{ID: "pk2", AuthMethod: grantry.AuthPrivateKeyJWT, GrantTypes: cc, Scope: grantry.Scope{"read"},
			JWKS: jwksOf(tb, f.keys["pk2"])},
		{ID: "cs", AuthMethod: grantry.AuthClientSecretJWT, GrantTypes: cc, Scope: grantry.Scope{"read"},
			SecretHash: secret.HashSecret(csSecret), SealedSecret: sealed},
		{ID: "basic", GrantTypes: cc, Scope: grantry.Scope{"read"}, SecretHash: secret.HashSecret(csSecret)},
	}
	for _, c := range clients {
		if err := f.store.CreateClient(tb.Context(), c); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := authserver.ClientAssertionConfig{
		ReplayCache: f.store,
		Keys:        authserver.NewClientKeys(keyset.RemoteConfig{}),
		Sealer:      sealer,
	}
	if edit != nil {
		edit(&cfg)
	}
	f.srv, err = authserver.New(authserver.Config{
		Issuer: testIssuer, Clients: f.store, Tokens: f.store, Now: f.clock.Now,
		Logger:           slog.New(slog.DiscardHandler),
		Endpoints:        authserver.EndpointURLs{Token: "/token"},
		ClientAssertions: cfg,
	})
	if err != nil {
		tb.Fatal(err)
	}
	f.srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{AuthMethods: []grantry.AuthMethod{
		grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthPrivateKeyJWT, grantry.AuthClientSecretJWT,
	}}))
	f.token = http.HandlerFunc(f.srv.ServeToken)
	f.intro = f.srv.Mount(introEndpoint{})
	return f
}

// claims returns the claims of a valid assertion of client id, with a jti
// of its own.
func (f *assertFixture) claims(id string) map[string]any {
	now := f.clock.Now()
	return map[string]any{
		"iss": id, "sub": id, "aud": testIssuer,
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
		"jti": fmt.Sprint("jti-", f.counter.Add(1)),
	}
}

func (f *assertFixture) sign(tb testing.TB, key string, claims map[string]any) string {
	tb.Helper()
	jwt, err := f.keys[key].SignJWT(claims, "")
	if err != nil {
		tb.Fatal(err)
	}
	return jwt
}

func signHMAC(tb testing.TB, alg keyset.Algorithm, secret string, claims map[string]any) string {
	tb.Helper()
	jwt, err := keyset.SignJWTWithSecret([]byte(secret), alg, claims, "")
	if err != nil {
		tb.Fatal(err)
	}
	return jwt
}

// assertionForm is a client credentials request authenticated by jwt.
func assertionForm(jwt string, extra ...string) url.Values {
	return withParams(url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {authserver.ClientAssertionType},
		"client_assertion":      {jwt},
	}, extra...)
}

type answer struct {
	status int
	err    string // error code; "" for success
}

func (f *assertFixture) post(t testing.TB, h http.Handler, target string, form url.Values, edit func(*http.Request)) (answer, http.Header, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader([]byte(form.Encode())))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if edit != nil {
		edit(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body, _ := io.ReadAll(w.Result().Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	code, _ := m["error"].(string)
	return answer{status: w.Code, err: code}, w.Result().Header, m
}

var (
	accepted       = answer{http.StatusOK, ""}
	refused        = answer{http.StatusUnauthorized, "invalid_client"}
	twoMethods     = answer{http.StatusBadRequest, "invalid_request"}
	genericFailure = "client authentication failed"
)

func TestClientAssertion(t *testing.T) {
	type tc struct {
		name string
		// form builds the request form; edit changes the request.
		form func(t *testing.T, f *assertFixture) url.Values
		edit func(*http.Request)
		want answer
	}
	pk := func(change func(f *assertFixture, c map[string]any)) func(*testing.T, *assertFixture) url.Values {
		return func(t *testing.T, f *assertFixture) url.Values {
			c := f.claims("pk")
			if change != nil {
				change(f, c)
			}
			return assertionForm(f.sign(t, "pk", c))
		}
	}
	cs := func(alg keyset.Algorithm, change func(f *assertFixture, c map[string]any)) func(*testing.T, *assertFixture) url.Values {
		return func(t *testing.T, f *assertFixture) url.Values {
			c := f.claims("cs")
			if change != nil {
				change(f, c)
			}
			return assertionForm(signHMAC(t, alg, csSecret, c))
		}
	}
	set := func(name string, v any) func(*assertFixture, map[string]any) {
		return func(_ *assertFixture, c map[string]any) {
			if v == nil {
				delete(c, name)
			} else {
				c[name] = v
			}
		}
	}
	in := func(d time.Duration) func(*assertFixture, map[string]any) {
		return func(f *assertFixture, c map[string]any) { c["exp"] = f.clock.Now().Add(d).Unix() }
	}
	tests := []tc{
		{name: "private_key_jwt", form: pk(nil), want: accepted},
		{name: "client_secret_jwt", form: cs(keyset.HS256, nil), want: accepted},
		{name: "client_secret_jwt-HS512", form: cs(keyset.HS512, nil), want: accepted},
		{name: "with-client_id", form: func(t *testing.T, f *assertFixture) url.Values {
			return withParams(pk(nil)(t, f), "client_id", "pk")
		}, want: accepted},
		{name: "aud-array-of-issuer", form: pk(set("aud", []string{testIssuer})), want: accepted},
		{name: "expired-within-leeway", form: pk(in(-10 * time.Second)), want: accepted},
		{name: "no-iat", form: pk(set("iat", nil)), want: accepted},
		{name: "nbf-past", form: pk(func(f *assertFixture, c map[string]any) { c["nbf"] = f.clock.Now().Unix() }), want: accepted},

		{name: "expired", form: pk(in(-time.Minute)), want: refused},
		{name: "exp-missing", form: pk(set("exp", nil)), want: refused},
		{name: "exp-string", form: pk(func(f *assertFixture, c map[string]any) { c["exp"] = fmt.Sprint(f.clock.Now().Add(time.Minute).Unix()) }), want: refused},
		{name: "lives-too-long", form: pk(in(10 * time.Minute)), want: refused},
		{name: "issued-long-ago", form: pk(func(f *assertFixture, c map[string]any) { c["iat"] = f.clock.Now().Add(-10 * time.Minute).Unix() }), want: refused},
		{name: "nbf-future", form: pk(func(f *assertFixture, c map[string]any) { c["nbf"] = f.clock.Now().Add(time.Minute).Unix() }), want: refused},
		{name: "iat-future", form: pk(func(f *assertFixture, c map[string]any) { c["iat"] = f.clock.Now().Add(time.Minute).Unix() }), want: refused},
		{name: "jti-missing", form: pk(set("jti", nil)), want: refused},
		{name: "jti-empty", form: pk(set("jti", "")), want: refused},
		{name: "aud-other", form: pk(set("aud", "https://other.example")), want: refused},
		{name: "aud-token-endpoint", form: pk(set("aud", assertTokenURL)), want: refused},
		{name: "aud-array-extra", form: pk(set("aud", []string{testIssuer, "https://other.example"})), want: refused},
		{name: "aud-array-endpoint", form: pk(set("aud", []string{testIssuer, assertTokenURL})), want: refused},
		{name: "aud-missing", form: pk(set("aud", nil)), want: refused},
		{name: "aud-case", form: pk(func(_ *assertFixture, c map[string]any) { delete(c, "aud"); c["AUD"] = testIssuer }), want: refused},
		{name: "iss-not-sub", form: pk(set("iss", "pk2")), want: refused},
		{name: "other-client", form: pk(func(_ *assertFixture, c map[string]any) { c["iss"], c["sub"] = "pk2", "pk2" }), want: refused},
		{name: "client_id-differs", form: func(t *testing.T, f *assertFixture) url.Values {
			return withParams(pk(nil)(t, f), "client_id", "pk2")
		}, want: refused},
		{name: "unknown-client", form: pk(func(_ *assertFixture, c map[string]any) { c["iss"], c["sub"] = "nobody", "nobody" }), want: refused},
		{name: "basic-client", form: cs(keyset.HS256, func(_ *assertFixture, c map[string]any) { c["iss"], c["sub"] = "basic", "basic" }), want: refused},
		{name: "wrong-key", form: func(t *testing.T, f *assertFixture) url.Values {
			return assertionForm(f.sign(t, "other", f.claims("pk")))
		}, want: refused},
		{name: "wrong-alg", form: func(t *testing.T, f *assertFixture) url.Values {
			return assertionForm(f.sign(t, "es384", f.claims("pk")))
		}, want: refused},
		{name: "HS256-for-private_key_jwt", form: func(t *testing.T, f *assertFixture) url.Values {
			return assertionForm(signHMAC(t, keyset.HS256, csSecret, f.claims("pk")))
		}, want: refused},
		{name: "wrong-secret", form: func(t *testing.T, f *assertFixture) url.Values {
			return assertionForm(signHMAC(t, keyset.HS256, csSecret+"x", f.claims("cs")))
		}, want: refused},
		{name: "asymmetric-for-client_secret_jwt", form: func(t *testing.T, f *assertFixture) url.Values {
			return assertionForm(f.sign(t, "pk", f.claims("cs")))
		}, want: refused},
		{name: "alg-none", form: func(t *testing.T, f *assertFixture) url.Values {
			return assertionForm(unsigned(f.claims("pk")))
		}, want: refused},
		{name: "garbage", form: func(*testing.T, *assertFixture) url.Values { return assertionForm("a.b.c") }, want: refused},
		{name: "wrong-assertion-type", form: func(t *testing.T, f *assertFixture) url.Values {
			return withParams(pk(nil)(t, f), "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:saml2-bearer")
		}, want: refused},
		{name: "assertion-type-only", form: func(*testing.T, *assertFixture) url.Values {
			return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {authserver.ClientAssertionType}}
		}, want: refused},
		{name: "with-basic-header", form: pk(nil), edit: func(r *http.Request) { r.SetBasicAuth("basic", csSecret) }, want: twoMethods},
		{name: "with-client_secret", form: func(t *testing.T, f *assertFixture) url.Values {
			return withParams(pk(nil)(t, f), "client_id", "pk", "client_secret", csSecret)
		}, want: twoMethods},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newAssertFixture(t, nil)
			got, hdr, body := f.post(t, f.token, assertTokenURL, tc.form(t, f), tc.edit)
			if got != tc.want {
				t.Fatalf("got %d %q, want %d %q (body %v)", got.status, got.err, tc.want.status, tc.want.err, body)
			}
			if got == refused {
				if d := body["error_description"]; d != genericFailure {
					t.Errorf("error_description: got %v, want %q and no cause", d, genericFailure)
				}
				if c := hdr.Get("WWW-Authenticate"); c == "" {
					t.Errorf("WWW-Authenticate: got none, want the Basic challenge of an endpoint that allows Basic")
				}
			}
		})
	}
}

// unsigned returns an unsecured JWT (alg none) of claims.
func unsigned(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(b) + "."
}

// TestClientAssertionReplay checks that an assertion is accepted once,
// at whichever endpoint it is first sent to, and is refused again once
// its jti has expired from the cache only if the assertion expired too.
func TestClientAssertionReplay(t *testing.T) {
	f := newAssertFixture(t, nil)
	jwt := f.sign(t, "pk", f.claims("pk"))
	form := assertionForm(jwt)
	introForm := url.Values{"token": {"x"}, "client_assertion_type": {authserver.ClientAssertionType}, "client_assertion": {jwt}}
	steps := []struct {
		name string
		h    http.Handler
		url  string
		form url.Values
		want answer
	}{
		{"first", f.token, assertTokenURL, form, accepted},
		{"replay", f.token, assertTokenURL, form, refused},
		{"replay-at-introspection", f.intro, assertIntrospect, introForm, refused},
	}
	for _, st := range steps {
		if got, _, body := f.post(t, st.h, st.url, st.form, nil); got != st.want {
			t.Errorf("%s: got %d %q, want %d %q (body %v)", st.name, got.status, got.err, st.want.status, st.want.err, body)
		}
	}
	f.clock.Advance(2 * time.Minute)
	if got, _, _ := f.post(t, f.token, assertTokenURL, form, nil); got != refused {
		t.Errorf("after expiry: got %d %q, want %d %q", got.status, got.err, refused.status, refused.err)
	}
	fresh := assertionForm(f.sign(t, "pk", f.claims("pk")))
	if got, _, _ := f.post(t, f.token, assertTokenURL, fresh, nil); got != accepted {
		t.Errorf("a fresh assertion: got %d %q, want 200", got.status, got.err)
	}
}

// TestClientAssertionEndpointAudience checks the endpoint URL as aud: only
// with InsecureAcceptEndpointAudience, only the URL of the endpoint the
// assertion is sent to, and never in an array with another value.
func TestClientAssertionEndpointAudience(t *testing.T) {
	tests := []struct {
		name     string
		insecure bool
		aud      any
		token    answer
		intro    answer
	}{
		{"default-token-url", false, assertTokenURL, refused, refused},
		{"default-introspection-url", false, assertIntrospect, refused, refused},
		{"default-issuer", false, testIssuer, accepted, accepted},
		{"insecure-token-url", true, assertTokenURL, accepted, refused},
		{"insecure-introspection-url", true, assertIntrospect, refused, accepted},
		{"insecure-issuer", true, testIssuer, accepted, accepted},
		{"insecure-array-extra", true, []string{assertTokenURL, "https://other.example"}, refused, refused},
		{"insecure-array-both", true, []string{testIssuer, assertTokenURL}, refused, refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newAssertFixture(t, func(c *authserver.ClientAssertionConfig) { c.InsecureAcceptEndpointAudience = tc.insecure })
			c := f.claims("pk")
			c["aud"] = tc.aud
			if got, _, _ := f.post(t, f.token, assertTokenURL, assertionForm(f.sign(t, "pk", c)), nil); got != tc.token {
				t.Errorf("token endpoint: got %d %q, want %d %q", got.status, got.err, tc.token.status, tc.token.err)
			}
			c = f.claims("cs")
			c["aud"] = tc.aud
			form := url.Values{"token": {"x"}, "client_assertion_type": {authserver.ClientAssertionType}, "client_assertion": {signHMAC(t, keyset.HS256, csSecret, c)}}
			got, hdr, _ := f.post(t, f.intro, assertIntrospect, form, nil)
			if got != tc.intro {
				t.Errorf("introspection endpoint: got %d %q, want %d %q", got.status, got.err, tc.intro.status, tc.intro.err)
			}
			if got == refused && hdr.Get("WWW-Authenticate") != "" {
				t.Errorf("WWW-Authenticate: got %q, want none where Basic is not allowed", hdr.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestClientAssertionConfig checks the algorithm and lifetime options.
func TestClientAssertionConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*authserver.ClientAssertionConfig)
		alg  keyset.Algorithm // of the cs assertion
		life time.Duration
		want answer
	}{
		{"default-HS384", nil, keyset.HS384, time.Minute, accepted},
		{"HS256-only", func(c *authserver.ClientAssertionConfig) { c.Algorithms = []keyset.Algorithm{keyset.HS256} }, keyset.HS384, time.Minute, refused},
		{"none-in-list", func(c *authserver.ClientAssertionConfig) { c.Algorithms = []keyset.Algorithm{"none"} }, keyset.HS256, time.Minute, refused},
		{"short-lifetime", func(c *authserver.ClientAssertionConfig) { c.MaxLifetime = 30 * time.Second }, keyset.HS256, time.Minute, refused},
		{"long-lifetime", func(c *authserver.ClientAssertionConfig) { c.MaxLifetime = time.Hour }, keyset.HS256, 30 * time.Minute, accepted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newAssertFixture(t, tc.edit)
			c := f.claims("cs")
			c["exp"] = f.clock.Now().Add(tc.life).Unix()
			if got, _, body := f.post(t, f.token, assertTokenURL, assertionForm(signHMAC(t, tc.alg, csSecret, c)), nil); got != tc.want {
				t.Errorf("got %d %q, want %d %q (body %v)", got.status, got.err, tc.want.status, tc.want.err, body)
			}
		})
	}
}

// TestClientAssertionNotConfigured checks that without a replay cache
// neither method is registered, so an assertion authenticates no one.
func TestClientAssertionNotConfigured(t *testing.T) {
	f := newAssertFixture(t, func(c *authserver.ClientAssertionConfig) { c.ReplayCache = nil })
	got, _, _ := f.post(t, f.token, assertTokenURL, assertionForm(f.sign(t, "pk", f.claims("pk"))), nil)
	if got != refused {
		t.Errorf("got %d %q, want %d %q", got.status, got.err, refused.status, refused.err)
	}
	if _, ok := f.srv.Metadata()["token_endpoint_auth_signing_alg_values_supported"]; ok {
		t.Errorf("metadata: got token_endpoint_auth_signing_alg_values_supported, want none without assertion methods")
	}
}

func TestClientAssertionMetadata(t *testing.T) {
	f := newAssertFixture(t, func(c *authserver.ClientAssertionConfig) {
		c.Algorithms = []keyset.Algorithm{keyset.ES256, keyset.PS256, keyset.HS256, "none"}
	})
	m := f.srv.Metadata()
	want := map[string][]string{
		"token_endpoint_auth_methods_supported":                    {"client_secret_basic", "client_secret_jwt", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported":         {"ES256", "HS256", "PS256"},
		"introspection_endpoint_auth_methods_supported":            {"client_secret_jwt", "private_key_jwt"},
		"introspection_endpoint_auth_signing_alg_values_supported": {"ES256", "HS256", "PS256"},
	}
	for name, w := range want {
		got, _ := m[name].([]string)
		if !slices.Equal(got, w) {
			t.Errorf("%s: got %q, want %q", name, got, w)
		}
	}
}

// TestSealClientSecret checks that a sealed secret opens only for its
// client: a SealedSecret copied to another client authenticates no one.
func TestSealClientSecret(t *testing.T) {
	f := newAssertFixture(t, nil)
	cs, err := f.store.GetClient(t.Context(), "cs")
	if err != nil {
		t.Fatal(err)
	}
	copied := cs.Clone()
	copied.ID = "cs-copy"
	if err := f.store.CreateClient(t.Context(), copied); err != nil {
		t.Fatal(err)
	}
	got, _, _ := f.post(t, f.token, assertTokenURL, assertionForm(signHMAC(t, keyset.HS256, csSecret, f.claims("cs-copy"))), nil)
	if got != refused {
		t.Errorf("a secret sealed for cs used by cs-copy: got %d %q, want %d %q", got.status, got.err, refused.status, refused.err)
	}
}

func FuzzClientAssertion(f *testing.F) {
	fx := newAssertFixture(f, nil)
	f.Add(fx.sign(f, "pk", fx.claims("pk")))
	f.Add(signHMAC(f, keyset.HS256, csSecret, fx.claims("cs")))
	f.Add(unsigned(fx.claims("pk")))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, jwt string) {
		got, _, _ := fx.post(t, fx.token, assertTokenURL, assertionForm(jwt), nil)
		if got != refused && got != accepted && got.status != http.StatusBadRequest {
			t.Fatalf("assertion %q: got %d %q, want 401 invalid_client, 400 or 200", jwt, got.status, got.err)
		}
	})
}

func FuzzParseAssertionClaims(f *testing.F) {
	f.Add([]byte(`{"iss":"c","sub":"c","aud":"https://as.test","exp":1900000000,"iat":1899999990.5,"jti":"x"}`))
	f.Add([]byte(`{"aud":["a","b"],"exp":"1","nbf":null}`))
	f.Add([]byte(`{"exp":1e400}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		c, err := authserver.ParseAssertionClaims(payload)
		if err != nil {
			return
		}
		rules := authserver.AssertionRules{Audiences: []string{"https://as.test"}, Now: fixStart}
		if rules.Check(c) == nil && (len(c.Audience) != 1 || c.Audience[0] != "https://as.test" || c.JWTID == "" || c.Expiry.IsZero()) {
			t.Fatalf("Check accepted %+v", c)
		}
	})
}

func BenchmarkClientAssertion(b *testing.B) {
	for _, method := range []string{"private_key_jwt", "client_secret_jwt"} {
		b.Run(method, func(b *testing.B) {
			f := newAssertFixture(b, nil)
			forms := make([]string, b.N)
			for i := range forms {
				if method == "private_key_jwt" {
					forms[i] = assertionForm(f.sign(b, "pk", f.claims("pk"))).Encode()
				} else {
					forms[i] = assertionForm(signHMAC(b, keyset.HS256, csSecret, f.claims("cs"))).Encode()
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				r := httptest.NewRequest(http.MethodPost, assertTokenURL, bytes.NewReader([]byte(forms[i])))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				w := httptest.NewRecorder()
				f.token.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("got %d %s, want 200", w.Code, w.Body)
				}
			}
		})
	}
}

// TestGoldenClientAssertion checks the wire form of a refused assertion,
// at the token endpoint, which allows Basic, and at an endpoint that does
// not, and the metadata of a server with both assertion methods.
func TestGoldenClientAssertion(t *testing.T) {
	f := newAssertFixture(t, func(c *authserver.ClientAssertionConfig) {
		c.Algorithms = []keyset.Algorithm{keyset.ES256, keyset.EdDSA, keyset.PS256, keyset.HS256}
	})
	c := f.claims("pk")
	c["aud"] = assertTokenURL
	jwt := f.sign(t, "pk", c)
	send := func(h http.Handler, target string, form url.Values) *http.Response {
		r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	introForm := url.Values{"token": {"x"}, "client_assertion_type": {authserver.ClientAssertionType}, "client_assertion": {jwt}}
	golden.Check(t, "token_assertion_refused", wireDump(t, send(f.token, assertTokenURL, assertionForm(jwt))))
	golden.Check(t, "introspection_assertion_refused", wireDump(t, send(f.intro, assertIntrospect, introForm)))
	body, err := json.MarshalIndent(f.srv.Metadata(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "metadata_assertions", append(body, '\n'))
}
