package daemon

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

const (
	ordersAudience = "https://orders.example"
	typeAT         = "urn:ietf:params:oauth:token-type:access_token"
	typeJWT        = "urn:ietf:params:oauth:token-type:jwt"
)

// exchangeEnv is grantry serve with --grants token-exchange and a policy
// that trusts an identity provider, whose keys it fetches from its
// jwks_uri.
type exchangeEnv struct {
	*harness
	idp     *httptest.Server
	idpKey  *keyset.Key
	secrets map[string]string
}

func newExchangeEnv(t *testing.T) *exchangeEnv {
	t.Helper()
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(&keyset.JWKS{Keys: []keyset.PublicKey{k.Public()}})
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(jwks)
	}))
	t.Cleanup(idp.Close)
	policy := map[string]any{
		"issuers":   []any{map[string]any{"issuer": idp.URL, "jwks_uri": idp.URL + "/jwks", "leeway_seconds": 30}},
		"audiences": []string{ordersAudience},
		"clients": map[string]any{
			"svc": map[string]any{"subjects": []string{testClient}, "audiences": []string{apiResource}},
			"gw":  map[string]any{"subjects": []string{testClient}, "impersonate": false, "delegate_without_may_act": true},
		},
	}
	path := filepath.Join(t.TempDir(), "policy.json")
	data, _ := json.Marshal(policy)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *serveConfig) {
		_ = c.Grants.Set("authorization_code,refresh_token,client_credentials,token-exchange")
		c.TokenExchangePolicy = path
	})
	e := &exchangeEnv{harness: h, idp: idp, idpKey: k, secrets: map[string]string{testClient: h.secret}}
	web, _ := h.store.GetClient(t.Context(), testClient)
	web.GrantTypes = append(web.GrantTypes, grantry.GrantTokenExchange)
	if err := h.store.UpdateClient(t.Context(), web); err != nil {
		t.Fatal(err)
	}
	e.addExchangeClient("svc", storage.AccessTokenJWT)
	e.addExchangeClient("gw", "")
	return e
}

// addExchangeClient registers a confidential client of the token exchange
// and client credentials grants.
func (e *exchangeEnv) addExchangeClient(id, format string) {
	e.t.Helper()
	sec := secret.Token()
	c := &storage.Client{
		ID: id, AuthMethod: grantry.AuthClientSecretBasic, SecretHash: secret.HashSecret(sec), RedirectURIs: []string{},
		GrantTypes: []grantry.GrantType{grantry.GrantTokenExchange, grantry.GrantClientCredentials},
		Scope:      grantry.MustParseScope("profile email"), AccessTokenFormat: format,
	}
	if err := e.store.CreateClient(e.t.Context(), c); err != nil {
		e.t.Fatal(err)
	}
	e.secrets[id] = sec
}

// userToken runs the code flow of testClient for alice and returns the
// access token, of scope "profile email".
func (e *exchangeEnv) userToken() string {
	e.t.Helper()
	code := e.approvedCode(e.browser(), authorizePath("scope", "profile email"))
	r := e.exchange(code)
	if r.status != http.StatusOK {
		e.t.Fatalf("code exchange: %d %s", r.status, r.body)
	}
	return jsonField(e.t, r.body, "access_token")
}

// idpToken returns a JWT of the identity provider about alice, issued to
// testClient, with the claims given over the defaults.
func (e *exchangeEnv) idpToken(over map[string]any) string {
	e.t.Helper()
	claims := map[string]any{
		"iss": e.idp.URL, "sub": e.userID, "aud": e.app.cfg.Issuer, "client_id": testClient, "scope": "profile",
		"iat": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix(),
	}
	for k, v := range over {
		claims[k] = v
	}
	tok, err := e.idpKey.SignJWT(claims, "JWT")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// tokenExchange posts a token exchange request as client id.
func (e *exchangeEnv) tokenExchange(id string, kv ...string) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {string(grantry.GrantTokenExchange)}}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Add(kv[i], kv[i+1])
	}
	r := e.clientPost(e.t, id, e.secrets[id], "/token", form)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		e.t.Fatalf("token exchange: %d %q", r.status, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		e.t.Errorf("Cache-Control: got %q, want no-store", cc)
	}
	return r.status, m
}

// introspect introspects a token as client id.
func (e *exchangeEnv) introspect(id, token string) map[string]any {
	e.t.Helper()
	r := e.clientPost(e.t, id, e.secrets[id], "/introspect", url.Values{"token": {token}})
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil || r.status != http.StatusOK {
		e.t.Fatalf("introspection: %d %q", r.status, r.body)
	}
	return m
}

// A client exchanges a user's access token for one of narrower scope and
// another audience (impersonation): the token introspects as the user's.
func TestServeTokenExchangeNarrows(t *testing.T) {
	e := newExchangeEnv(t)
	if !e.metadataLists(string(grantry.GrantTokenExchange)) {
		t.Error("metadata: grant_types_supported lacks token exchange")
	}
	user := e.userToken()
	status, resp := e.tokenExchange(testClient, "subject_token", user, "subject_token_type", typeAT,
		"scope", "profile", "audience", ordersAudience)
	if status != http.StatusOK || resp["issued_token_type"] != typeAT || resp["scope"] != "profile" || resp["refresh_token"] != nil {
		t.Fatalf("exchange: got %d %v, want 200, access_token of scope profile, no refresh token", status, resp)
	}
	got := e.introspect(testClient, resp["access_token"].(string))
	if got["active"] != true || got["sub"] != e.userID || got["aud"] != ordersAudience || got["scope"] != "profile" ||
		got["username"] != testUser || got["act"] != nil {
		t.Errorf("introspection: got %v, want alice's token for %s of scope profile, without act", got, ordersAudience)
	}
	// The narrowed token cannot be widened again.
	status, resp = e.tokenExchange(testClient, "subject_token", resp["access_token"].(string), "subject_token_type", typeAT, "scope", "profile email")
	if status != http.StatusBadRequest || resp["error"] != "invalid_scope" {
		t.Errorf("widening: got %d %v, want 400 invalid_scope", status, resp)
	}
}

// A service acts for the user (delegation): the user's token from the
// identity provider names it in may_act; the issued JWT access token
// carries act, and accesstoken's JWT validator and the introspection
// endpoint both tell it.
func TestServeTokenExchangeDelegates(t *testing.T) {
	e := newExchangeEnv(t)
	actor := e.tokenFor(t, "svc", e.secrets["svc"])
	subject := e.idpToken(map[string]any{"may_act": map[string]any{"sub": "svc", "iss": e.app.cfg.Issuer}})
	status, resp := e.tokenExchange("svc", "subject_token", subject, "subject_token_type", typeJWT,
		"actor_token", actor, "actor_token_type", typeAT, "requested_token_type", typeJWT, "resource", apiResource)
	if status != http.StatusOK || resp["issued_token_type"] != typeJWT || resp["scope"] != "profile" {
		t.Fatalf("exchange: got %d %v, want 200, a jwt of scope profile", status, resp)
	}
	token := resp["access_token"].(string)
	if rec := e.apiCall(t, token); rec.Code != http.StatusOK || rec.Body.String() != "svc" {
		t.Errorf("API call: got %d %q, want 200 svc", rec.Code, rec.Body)
	}
	remote, err := keyset.NewRemote(e.url(jwksPath), keyset.RemoteConfig{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := accesstoken.NewJWTValidator(remote, accesstoken.JWTValidatorConfig{Issuer: e.app.cfg.Issuer, Audience: apiResource})
	if err != nil {
		t.Fatal(err)
	}
	info, err := v.ValidateToken(t.Context(), token)
	wantAct := map[string]any{"sub": "svc", "iss": e.app.cfg.Issuer}
	if err != nil || !info.Active || info.Subject != e.userID || !reflect.DeepEqual(info.Extra["act"], wantAct) {
		t.Errorf("JWT validator: got %+v, %v, want alice's token with act %v", info, err, wantAct)
	}
	if got := e.introspect("svc", token); !reflect.DeepEqual(got["act"], wantAct) || got["sub"] != e.userID {
		t.Errorf("introspection: got %v, want act %v", got, wantAct)
	}
}

// A gateway allowed to delegate without may_act gets an opaque token
// whose introspection names it as the actor; it may not impersonate.
func TestServeTokenExchangeOpaqueAct(t *testing.T) {
	e := newExchangeEnv(t)
	user := e.userToken()
	actor := e.tokenFor(t, "gw", e.secrets["gw"])
	status, resp := e.tokenExchange("gw", "subject_token", user, "subject_token_type", typeAT,
		"actor_token", actor, "actor_token_type", typeAT, "audience", ordersAudience)
	if status != http.StatusOK || resp["issued_token_type"] != typeAT {
		t.Fatalf("exchange: got %d %v, want 200", status, resp)
	}
	got := e.introspect("gw", resp["access_token"].(string))
	wantAct := map[string]any{"sub": "gw", "iss": e.app.cfg.Issuer}
	if !reflect.DeepEqual(got["act"], wantAct) || got["sub"] != e.userID || got["client_id"] != "gw" || got["scope"] != "profile email" {
		t.Errorf("introspection: got %v, want alice's token of gw with act %v", got, wantAct)
	}
	status, resp = e.tokenExchange("gw", "subject_token", user, "subject_token_type", typeAT)
	if status != http.StatusBadRequest || resp["error"] != "unauthorized_client" {
		t.Errorf("impersonation by gw: got %d %v, want 400 unauthorized_client", status, resp)
	}
}

// Refused exchanges get the codes of RFC 8693 §2.2.2.
func TestServeTokenExchangeRefused(t *testing.T) {
	e := newExchangeEnv(t)
	user := e.userToken()
	svcActor := e.tokenFor(t, "svc", e.secrets["svc"])
	tests := []struct {
		name   string
		client string
		kv     []string
		status int
		err    string
	}{
		{"missing subject_token_type", testClient, []string{"subject_token", user}, 400, "invalid_request"},
		{"unsupported token type", testClient, []string{"subject_token", user, "subject_token_type", "urn:ietf:params:oauth:token-type:saml2"}, 400, "invalid_request"},
		{"JWT of an unknown issuer", testClient, []string{"subject_token", e.idpToken(map[string]any{"iss": "https://evil.example"}), "subject_token_type", typeJWT}, 400, "invalid_grant"},
		{"may_act names another actor", "svc", []string{"subject_token", e.idpToken(map[string]any{"may_act": map[string]any{"sub": "gw"}}), "subject_token_type", typeJWT,
			"actor_token", svcActor, "actor_token_type", typeAT}, 400, "invalid_grant"},
		{"delegation without may_act", "svc", []string{"subject_token", user, "subject_token_type", typeAT, "actor_token", svcActor, "actor_token_type", typeAT}, 400, "unauthorized_client"},
		{"another client's token", "gw", []string{"subject_token", svcActor, "subject_token_type", typeAT, "actor_token", svcActor, "actor_token_type", typeAT}, 400, "unauthorized_client"},
		{"audience not allowed", testClient, []string{"subject_token", user, "subject_token_type", typeAT, "audience", "https://payroll.example"}, 400, "invalid_target"},
		{"another client's audience", testClient, []string{"subject_token", user, "subject_token_type", typeAT, "resource", apiResource}, 400, "invalid_target"},
		{"scope beyond the subject token's", testClient, []string{"subject_token", e.idpToken(nil), "subject_token_type", typeJWT, "scope", "email"}, 400, "invalid_scope"},
		{"JWT asked for by an opaque client", testClient, []string{"subject_token", user, "subject_token_type", typeAT, "requested_token_type", typeJWT}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := e.tokenExchange(tt.client, tt.kv...)
			if status != tt.status || resp["error"] != tt.err {
				t.Errorf("got %d %v, want %d %s", status, resp, tt.status, tt.err)
			}
		})
	}
	t.Run("revoked subject token", func(t *testing.T) {
		if r := e.clientPost(t, testClient, e.secret, "/revoke", url.Values{"token": {user}}); r.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		status, resp := e.tokenExchange(testClient, "subject_token", user, "subject_token_type", typeAT)
		if status != http.StatusBadRequest || resp["error"] != "invalid_grant" {
			t.Errorf("got %d %v, want 400 invalid_grant", status, resp)
		}
	})
}

// The grant is off by default: unsupported_grant_type, and the metadata
// does not list it.
func TestServeTokenExchangeOffByDefault(t *testing.T) {
	h := newHarness(t)
	r := h.clientPost(t, testClient, h.secret, "/token", url.Values{"grant_type": {string(grantry.GrantTokenExchange)},
		"subject_token": {"x"}, "subject_token_type": {typeAT}})
	if r.status != http.StatusBadRequest || jsonField(t, r.body, "error") != "unsupported_grant_type" {
		t.Errorf("got %d %s, want 400 unsupported_grant_type", r.status, r.body)
	}
	if h.metadataLists(string(grantry.GrantTokenExchange)) {
		t.Error("metadata lists token exchange, want it off")
	}
}

// metadataLists reports whether the server metadata lists a grant type.
func (h *harness) metadataLists(grant string) bool {
	h.t.Helper()
	r := h.get(http.DefaultClient, "/.well-known/oauth-authorization-server")
	var m struct {
		Grants []string `json:"grant_types_supported"`
	}
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		h.t.Fatalf("metadata: %v", err)
	}
	return slices.Contains(m.Grants, grant)
}

func TestServeTokenExchangePolicyRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", `{"audiences":["https://api.example"]}`)
	tests := []struct {
		name   string
		grants string
		policy string
		want   string
	}{
		{"policy without the grant", "authorization_code", good, "--token-exchange-policy needs --grants token-exchange"},
		{"missing file", "token-exchange", filepath.Join(dir, "none.json"), "no such file"},
		{"unknown member", "token-exchange", write("unknown.json", `{"audience":["x"]}`), `unknown field "audience"`},
		{"not JSON", "token-exchange", write("bad.json", `{`), "unexpected EOF"},
		{"issuer without keys", "token-exchange", write("nokeys.json", `{"issuers":[{"issuer":"https://idp.example"}]}`), "give one of jwks_uri, jwks and jwks_file"},
		{"issuer with both keys", "token-exchange", write("both.json", `{"issuers":[{"issuer":"https://idp.example","jwks_uri":"https://idp.example/k","jwks_file":"k.json"}]}`), "give one of jwks_uri, jwks and jwks_file"},
		{"jwks_uri over http", "token-exchange", write("http.json", `{"issuers":[{"issuer":"https://idp.example","jwks_uri":"http://idp.example/k"}]}`), "http is allowed only on a loopback host"},
		{"HMAC algorithm", "token-exchange", write("hmac.json", `{"issuers":[{"issuer":"https://idp.example","jwks_uri":"https://idp.example/k","algorithms":["HS256"]}]}`), `algorithm "HS256"`},
		{"leeway too long", "token-exchange", write("leeway.json", `{"issuers":[{"issuer":"https://idp.example","jwks_uri":"https://idp.example/k","leeway_seconds":3600}]}`), "leeway_seconds"},
		{"empty audience", "token-exchange", write("emptyaud.json", `{"clients":{"c":{"audiences":[""]}}}`), "empty audience"},
		{"unknown grant", "token-swap", "", `unknown grant type "token-swap"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(t, func(c *serveConfig) {
				_ = c.Grants.Set(tt.grants)
				c.TokenExchangePolicy = tt.policy
			})
			if err := cfg.check(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("check: got %v, want an error with %q", err, tt.want)
			}
		})
	}
	cfg := testConfig(t, func(c *serveConfig) {
		_ = c.Grants.Set("token-exchange")
		c.TokenExchangePolicy = good
	})
	if err := cfg.check(); err != nil || cfg.exchangePolicy == nil || !slices.Equal(cfg.exchangePolicy.Audiences, []string{"https://api.example"}) {
		t.Errorf("check of a good policy: got %v, %+v", err, cfg.exchangePolicy)
	}
}

// A trusted issuer's keys may come from a file of its JWK Set, or be
// given in the policy.
func TestServeTokenExchangeJWKS(t *testing.T) {
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	jwks, _ := json.Marshal(&keyset.JWKS{Keys: []keyset.PublicKey{k.Public()}})
	keys := filepath.Join(dir, "idp.json")
	if err := os.WriteFile(keys, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, member := range map[string]string{"jwks_file": `"jwks_file":"` + keys + `"`, "jwks": `"jwks":` + string(jwks)} {
		t.Run(name, func(t *testing.T) {
			policy := filepath.Join(dir, name+"-policy.json")
			body := `{"issuers":[{"issuer":"https://idp.example",` + member + `,"algorithms":["ES256"]}]}`
			if err := os.WriteFile(policy, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, func(c *serveConfig) {
				_ = c.Grants.Set("authorization_code,token-exchange")
				c.TokenExchangePolicy = policy
			})
			web, _ := h.store.GetClient(t.Context(), testClient)
			web.GrantTypes = append(web.GrantTypes, grantry.GrantTokenExchange)
			if err := h.store.UpdateClient(t.Context(), web); err != nil {
				t.Fatal(err)
			}
			tok, err := k.SignJWT(map[string]any{"iss": "https://idp.example", "sub": h.userID, "aud": h.app.cfg.Issuer,
				"azp": testClient, "scope": "profile", "exp": time.Now().Add(time.Minute).Unix()}, "JWT")
			if err != nil {
				t.Fatal(err)
			}
			r := h.clientPost(t, testClient, h.secret, "/token", url.Values{"grant_type": {string(grantry.GrantTokenExchange)},
				"subject_token": {tok}, "subject_token_type": {typeJWT}})
			if r.status != http.StatusOK || jsonField(t, r.body, "issued_token_type") != typeAT {
				t.Errorf("exchange of the IdP's JWT: got %d %s, want 200", r.status, r.body)
			}
		})
	}
}

// client create takes token-exchange among the grants, but not for a
// public client, which cannot authenticate at the grant.
func TestClientCreateTokenExchange(t *testing.T) {
	a := newAdmin(t)
	var created clientJSON
	out := a.mustRun("", "client", "create", "--id", "svc", "--grants", "client_credentials,token-exchange", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	c, err := a.store.GetClient(t.Context(), "svc")
	if err != nil || !slices.Contains(c.GrantTypes, grantry.GrantTokenExchange) {
		t.Errorf("client: got %+v, %v, want the token exchange grant", c, err)
	}
	code, _, errOut := a.run("", "client", "create", "--public", "--redirect-uri", "http://127.0.0.1/cb", "--grants", "authorization_code,token-exchange")
	if code != 1 || !strings.Contains(errOut, "a public client may not use "+string(grantry.GrantTokenExchange)) {
		t.Errorf("public client: exit %d, stderr %q; want 1 and the grant refused", code, errOut)
	}
}

// An OpenID client exchanges the ID token it got for an access token of
// the same user, verified with the server's own keys.
func TestServeTokenExchangeIDToken(t *testing.T) {
	e := newExchangeEnv(t)
	sec := e.addOIDCClient("")
	rp, _ := e.store.GetClient(t.Context(), oidcClient)
	rp.GrantTypes = append(rp.GrantTypes, grantry.GrantTokenExchange)
	if err := e.store.UpdateClient(t.Context(), rp); err != nil {
		t.Fatal(err)
	}
	e.secrets[oidcClient] = sec
	c := e.browser()
	tok := e.exchangeOIDC(e.approveCode(c, e.consentPage(c, oidcPath())).Get("code"), sec)
	id := tok["id_token"].(string)
	status, resp := e.tokenExchange(oidcClient, "subject_token", id, "subject_token_type", "urn:ietf:params:oauth:token-type:id_token",
		"audience", ordersAudience)
	if status != http.StatusOK {
		t.Fatalf("exchange of the ID token: got %d %v, want 200", status, resp)
	}
	if got := e.introspect(oidcClient, resp["access_token"].(string)); got["sub"] != e.userID || got["aud"] != ordersAudience {
		t.Errorf("introspection: got %v, want alice's token for %s", got, ordersAudience)
	}
	// The ID token of another client is not this one's to exchange.
	status, resp = e.tokenExchange(testClient, "subject_token", id, "subject_token_type", "urn:ietf:params:oauth:token-type:id_token")
	if status != http.StatusBadRequest || resp["error"] != "unauthorized_client" {
		t.Errorf("exchange by another client: got %d %v, want 400 unauthorized_client", status, resp)
	}
}
