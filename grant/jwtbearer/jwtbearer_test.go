package jwtbearer_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/jwtbearer"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const (
	asIssuer  = "https://as.test"
	idp       = "https://idp.example"
	workloads = "https://workloads.example"
)

var start = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

type fixture struct {
	srv   *authserver.Server
	store *memstore.Store
	clock *authtest.Clock
	keys  map[string]*keyset.Key // by issuer, and "rogue"
	n     int
}

func newKey(t testing.TB, kid string) *keyset.Key {
	t.Helper()
	k, err := keyset.GenerateKey(keyset.ES256)
	if err == nil {
		k, err = keyset.NewKey(k.Signer(), keyset.ES256, kid)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// newFixture serves the grant with two trusted issuers: idp, which may
// speak for alice and bob and grant read, and workloads, which may speak
// for any subject and grant read and write, to clients "batch" and
// "narrow" only.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New(), clock: authtest.NewClock(start), keys: map[string]*keyset.Key{}}
	f.store.Now = f.clock.Now
	f.keys[idp], f.keys[workloads], f.keys["rogue"] = newKey(t, "idp-1"), newKey(t, "wl-1"), newKey(t, "idp-1")
	jb := []grantry.GrantType{grantry.GrantJWTBearer}
	for _, c := range []*storage.Client{
		{ID: "app", GrantTypes: jb, Scope: grantry.Scope{"read", "write"}},
		{ID: "batch", GrantTypes: jb, Scope: grantry.Scope{"read", "write"}},
		{ID: "narrow", GrantTypes: jb, Scope: grantry.Scope{"write"}},
		{ID: "other", GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials}, Scope: grantry.Scope{"read"}},
	} {
		c.SecretHash = secret.HashSecret(c.ID + "-secret")
		if err := f.store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.srv, err = authserver.New(authserver.Config{Issuer: asIssuer, Clients: f.store, Tokens: f.store, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	g, err := jwtbearer.New(jwtbearer.Config{
		Audience:    asIssuer,
		ReplayCache: f.store,
		Issuers: []jwtbearer.Issuer{
			{ID: idp, Keys: jwks(f.keys[idp]), Subjects: []string{"alice", "bob"}, Scope: grantry.Scope{"read"}},
			{ID: workloads, Keys: jwks(f.keys[workloads]), AnySubject: true, Scope: grantry.Scope{"read", "write"}, Clients: []string{"batch", "narrow"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.RegisterGrant(g)
	return f
}

func jwks(keys ...*keyset.Key) *keyset.JWKS {
	set := &keyset.JWKS{}
	for _, k := range keys {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

// claims returns valid claims of iss about sub, with a new jti.
func (f *fixture) claims(iss, sub string) map[string]any {
	f.n++
	now := f.clock.Now()
	return map[string]any{"iss": iss, "sub": sub, "aud": asIssuer, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": fmt.Sprint("jti-", f.n)}
}

func (f *fixture) sign(t testing.TB, key string, claims map[string]any) string {
	t.Helper()
	jwt, err := f.keys[key].SignJWT(claims, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

type result struct {
	status int
	err    string
	sub    string
	scope  string
}

// post sends a token request of client with form and returns the answer,
// and the subject of the token issued, if any.
func (f *fixture) post(t testing.TB, client string, form url.Values) result {
	t.Helper()
	form.Set("grant_type", string(grantry.GrantJWTBearer))
	r := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(client, client+"-secret")
	w := httptest.NewRecorder()
	f.srv.ServeToken(w, r)
	var body struct {
		Error        string `json:"error"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		Scope        string `json:"scope"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	res := result{status: w.Code, err: body.Error, scope: body.Scope}
	if body.RefreshToken != "" {
		t.Errorf("got a refresh token, want none")
	}
	if body.AccessToken != "" {
		tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(body.AccessToken))
		if err != nil {
			t.Fatalf("TokenByAccess: %v", err)
		}
		res.sub = tok.Subject
	}
	return res
}

func TestJWTBearerGrant(t *testing.T) {
	bad := result{status: 400, err: "invalid_grant"}
	badScope := result{status: 400, err: "invalid_scope"}
	type edit func(f *fixture, c map[string]any)
	set := func(k string, v any) edit {
		return func(_ *fixture, c map[string]any) {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
	}
	expIn := func(d time.Duration) edit {
		return func(f *fixture, c map[string]any) { c["exp"] = f.clock.Now().Add(d).Unix() }
	}
	tests := []struct {
		name   string
		client string
		iss    string
		sub    string
		key    string // signing key; "" is the issuer's
		edit   edit
		scope  string
		raw    string // the assertion, instead of a signed one
		want   result
	}{
		{name: "idp-alice", client: "app", iss: idp, sub: "alice", scope: "read", want: result{status: 200, sub: "alice", scope: "read"}},
		{name: "idp-no-scope", client: "app", iss: idp, sub: "bob", want: result{status: 200, sub: "bob"}},
		{name: "workloads-any-subject", client: "batch", iss: workloads, sub: "job-7", scope: "read write", want: result{status: 200, sub: "job-7", scope: "read write"}},
		{name: "aud-array-of-issuer", client: "app", iss: idp, sub: "alice", edit: set("aud", []string{asIssuer}), want: result{status: 200, sub: "alice"}},

		{name: "scope-beyond-issuer", client: "app", iss: idp, sub: "alice", scope: "read write", want: badScope},
		{name: "scope-beyond-client", client: "narrow", iss: workloads, sub: "job", scope: "read", want: badScope},
		{name: "subject-not-allowed", client: "app", iss: idp, sub: "mallory", want: bad},
		{name: "client-not-allowed", client: "app", iss: workloads, sub: "job", want: bad},
		{name: "untrusted-issuer", client: "app", iss: "https://rogue.example", sub: "alice", key: "rogue", want: bad},
		{name: "wrong-key", client: "app", iss: idp, sub: "alice", key: "rogue", want: bad},
		{name: "expired", client: "app", iss: idp, sub: "alice", edit: expIn(-time.Minute), want: bad},
		{name: "exp-missing", client: "app", iss: idp, sub: "alice", edit: set("exp", nil), want: bad},
		{name: "lives-too-long", client: "app", iss: idp, sub: "alice", edit: expIn(time.Hour), want: bad},
		{name: "nbf-future", client: "app", iss: idp, sub: "alice", edit: func(f *fixture, c map[string]any) { c["nbf"] = f.clock.Now().Add(time.Minute).Unix() }, want: bad},
		{name: "aud-other", client: "app", iss: idp, sub: "alice", edit: set("aud", "https://other.example"), want: bad},
		{name: "aud-token-endpoint", client: "app", iss: idp, sub: "alice", edit: set("aud", asIssuer+"/token"), want: bad},
		{name: "aud-array-extra", client: "app", iss: idp, sub: "alice", edit: set("aud", []string{asIssuer, "https://other.example"}), want: bad},
		{name: "jti-missing", client: "app", iss: idp, sub: "alice", edit: set("jti", nil), want: bad},
		{name: "sub-missing", client: "app", iss: idp, sub: "alice", edit: set("sub", nil), want: bad},
		{name: "alg-none", client: "app", raw: "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"`+idp+`","sub":"alice","aud":"`+asIssuer+`","exp":1900000000,"jti":"x"}`)) + ".", want: bad},
		{name: "garbage", client: "app", raw: "not-a-jwt", want: bad},
		{name: "missing", client: "app", raw: "", want: result{status: 400, err: "invalid_request"}},
		{name: "client-without-grant", client: "other", iss: idp, sub: "alice", want: result{status: 400, err: "unauthorized_client"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			jwt := tc.raw
			if tc.iss != "" {
				c := f.claims(tc.iss, tc.sub)
				if tc.edit != nil {
					tc.edit(f, c)
				}
				key := tc.key
				if key == "" {
					key = tc.iss
				}
				jwt = f.sign(t, key, c)
			}
			form := url.Values{"assertion": {jwt}}
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			if got := f.post(t, tc.client, form); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestJWTBearerReplay checks that an assertion is exchanged once, and
// that a refused request does not spend it.
func TestJWTBearerReplay(t *testing.T) {
	f := newFixture(t)
	jwt := f.sign(t, idp, f.claims(idp, "alice"))
	steps := []struct {
		name  string
		scope string
		want  result
	}{
		{"refused-scope", "write", result{status: 400, err: "invalid_scope"}},
		{"first", "read", result{status: 200, sub: "alice", scope: "read"}},
		{"replay", "read", result{status: 400, err: "invalid_grant"}},
	}
	for _, st := range steps {
		if got := f.post(t, "app", url.Values{"assertion": {jwt}, "scope": {st.scope}}); got != st.want {
			t.Errorf("%s: got %+v, want %+v", st.name, got, st.want)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	keys := &keyset.JWKS{}
	cache := memstore.New()
	tests := []struct {
		name string
		cfg  jwtbearer.Config
	}{
		{"no-audience", jwtbearer.Config{ReplayCache: cache}},
		{"no-replay-cache", jwtbearer.Config{Audience: asIssuer}},
		{"issuer-without-keys", jwtbearer.Config{Audience: asIssuer, ReplayCache: cache, Issuers: []jwtbearer.Issuer{{ID: idp}}}},
		{"issuer-twice", jwtbearer.Config{Audience: asIssuer, ReplayCache: cache, Issuers: []jwtbearer.Issuer{{ID: idp, Keys: keys}, {ID: idp, Keys: keys}}}},
		{"issuer-empty", jwtbearer.Config{Audience: asIssuer, ReplayCache: cache, Issuers: []jwtbearer.Issuer{{Keys: keys}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if g, err := jwtbearer.New(tc.cfg); err == nil {
				t.Errorf("New: got (%v, nil), want an error", g)
			}
		})
	}
}

func FuzzAssertion(f *testing.F) {
	fx := newFixture(f)
	f.Add(fx.sign(f, idp, fx.claims(idp, "alice")))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, jwt string) {
		got := fx.post(t, "app", url.Values{"assertion": {jwt}})
		if got.status != 200 && got.status != 400 {
			t.Fatalf("assertion %q: got %+v, want 200 or 400", jwt, got)
		}
	})
}
