package daemon

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// The OpenID Foundation conformance suite's OP test modules (Basic,
// Implicit and Hybrid plans), run against grantry serve in process.

const (
	oidfClient   = "oidf-rp"
	oidfCallback = "http://127.0.0.1:9/oidf-cb"
	oidfUser     = "carol"
	oidfPassword = "conformance password"
)

// oidfClaims are the claims of oidfUser.
var oidfClaims = storage.Claims{
	Name: "Carol Conformance", GivenName: "Carol", FamilyName: "Conformance", Nickname: "cc",
	Website: "https://carol.example", Gender: "female", Birthdate: "1990-01-02", Zoneinfo: "Europe/Paris", Locale: "fr-FR",
	Email: "carol@example.com", EmailVerified: true,
	PhoneNumber: "+33123456789", PhoneNumberVerified: true,
	Address: storage.Address{StreetAddress: "1 rue de la Paix", Locality: "Paris", PostalCode: "75002", Country: "France"},
}

type oidf struct {
	*harness
	secret string
	userID string
}

// newOIDF is a harness, changed by opts, with the implicit grant enabled, a user with
// claims and a confidential client allowed every response type.
func newOIDF(t *testing.T, opts ...func(*serveConfig)) *oidf {
	t.Helper()
	h := newHarness(t, append([]func(*serveConfig){func(c *serveConfig) {
		if err := c.Grants.Set("authorization_code,refresh_token,implicit"); err != nil {
			t.Fatal(err)
		}
	}}, opts...)...)
	u := &storage.User{ID: "id-" + oidfUser, Username: oidfUser, PasswordHash: secret.HashSecret(oidfPassword), CreatedAt: time.Now(), Claims: oidfClaims}
	if err := h.store.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	sec := secret.Token()
	c := &storage.Client{
		ID: oidfClient, Name: "Conformance RP", AuthMethod: grantry.AuthClientSecretBasic, RedirectURIs: []string{oidfCallback},
		SecretHash: secret.HashSecret(sec),
		GrantTypes: []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantImplicit},
		ResponseTypes: []grantry.ResponseType{
			grantry.ResponseCode, grantry.ResponseType("id_token"), grantry.ResponseType("id_token token"),
			grantry.ResponseCodeIDToken, grantry.ResponseCodeToken, grantry.ResponseCodeIDTokenToken,
		},
		Scope: grantry.MustParseScope("openid profile email address phone offline_access"),
	}
	if err := h.store.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	return &oidf{harness: h, secret: sec, userID: u.ID}
}

// authzQuery is an authorization request of oidfClient: code flow,
// scope openid, a state and a nonce, changed by extra (name, value
// pairs; an empty value removes the parameter).
func authzQuery(extra ...string) url.Values {
	v := url.Values{
		"response_type": {"code"}, "client_id": {oidfClient}, "redirect_uri": {oidfCallback},
		"scope": {"openid"}, "state": {"oidf-state"}, "nonce": {"oidf-nonce"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			v.Del(extra[i])
		} else {
			v.Set(extra[i], extra[i+1])
		}
	}
	return v
}

// flow is what the browser went through for one authorization request.
type flow struct {
	final     response // the redirect to the client, or the last page
	signedIn  bool     // the sign-in page was shown
	consented bool     // the consent page was shown
}

// authorize drives c through the authorization request q: the sign-in
// form when shown, the consent form when shown (approving), until the
// server answers with anything else.
func (o *oidf) authorize(c *http.Client, q url.Values) flow {
	o.t.Helper()
	var f flow
	r := o.get(c, "/authorize?"+q.Encode())
	for range 6 {
		switch {
		case r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/login"):
			f.signedIn = true
			login := o.get(c, r.header.Get("Location"))
			if login.status != http.StatusOK {
				o.t.Fatalf("sign-in page: status %d, want 200", login.status)
			}
			loc := r.location(o.t)
			s := o.post(c, "/login", url.Values{
				"csrf": {csrfOf(o.t, login.body)}, "username": {oidfUser}, "password": {oidfPassword},
				"return": {loc.Query().Get("return")},
			})
			if s.status != http.StatusSeeOther {
				o.t.Fatalf("sign-in: status %d, want 303; body:\n%s", s.status, s.body)
			}
			r = o.get(c, s.header.Get("Location"))
		case r.status == http.StatusOK && strings.Contains(r.body, `action="/authorize?`):
			f.consented = true
			r = o.post(c, consentAction(o.t, r.body), url.Values{"csrf": {csrfOf(o.t, r.body)}, "decision": {"approve"}})
		default:
			f.final = r
			return f
		}
	}
	o.t.Fatalf("authorization did not end; last status %d", r.status)
	return f
}

// callback returns the parameters of the redirect to oidfCallback: the
// query, or with fragment the fragment (whose query must then be empty).
func (o *oidf) callback(f flow, fragment bool) url.Values {
	o.t.Helper()
	r := f.final
	if r.status != http.StatusFound {
		o.t.Fatalf("authorization: status %d, want 302 to the client; body:\n%s", r.status, r.body)
	}
	loc := r.location(o.t)
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != oidfCallback {
		o.t.Fatalf("redirect to %q, want %q", got, oidfCallback)
	}
	if !fragment {
		if loc.Fragment != "" {
			o.t.Errorf("got fragment %q in a query response, want none", loc.Fragment)
		}
		return loc.Query()
	}
	if loc.RawQuery != "" {
		o.t.Errorf("got query %q in a fragment response, want none", loc.RawQuery)
	}
	v, err := url.ParseQuery(loc.Fragment)
	if err != nil {
		o.t.Fatalf("fragment %q: %v", loc.Fragment, err)
	}
	return v
}

// code runs the flow of q and returns the code.
func (o *oidf) code(c *http.Client, q url.Values) string {
	o.t.Helper()
	v := o.callback(o.authorize(c, q), false)
	if v.Get("error") != "" || v.Get("code") == "" {
		o.t.Fatalf("callback %v, want a code", v)
	}
	if got := v.Get("state"); got != q.Get("state") {
		o.t.Errorf("got state %q, want %q", got, q.Get("state"))
	}
	return v.Get("code")
}

// tokenReq posts form to the token endpoint as oidfClient.
func (o *oidf) tokenReq(form url.Values) (int, map[string]any) {
	o.t.Helper()
	r := o.postAs(oidfClient, o.secret, "/token", form)
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		o.t.Fatalf("token response %d %q is not JSON: %v", r.status, r.body, err)
	}
	return r.status, m
}

// exchangeCode redeems code and returns the token response, failing
// unless it is a success.
func (o *oidf) exchangeCode(code string, extra ...string) map[string]any {
	o.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {oidfCallback}}
	for i := 0; i+1 < len(extra); i += 2 {
		form.Set(extra[i], extra[i+1])
	}
	status, m := o.tokenReq(form)
	if status != http.StatusOK {
		o.t.Fatalf("token endpoint: status %d %v, want 200", status, m)
	}
	if m["token_type"] != "Bearer" || str(m["access_token"]) == "" {
		o.t.Fatalf("token response %v, want a Bearer access token", m)
	}
	return m
}

func str(v any) string { s, _ := v.(string); return s }

// jwks returns the keys the server publishes, found by discovery.
func (o *oidf) jwks() *keyset.JWKS {
	o.t.Helper()
	d := o.get(http.DefaultClient, "/.well-known/openid-configuration")
	if d.status != http.StatusOK {
		o.t.Fatalf("discovery: status %d", d.status)
	}
	u := jsonField(o.t, d.body, "jwks_uri")
	r := o.get(http.DefaultClient, u)
	if r.status != http.StatusOK {
		o.t.Fatalf("GET %s: status %d", u, r.status)
	}
	set, err := keyset.ParseJWKS([]byte(r.body))
	if err != nil {
		o.t.Fatalf("JWKS: %v", err)
	}
	return set
}

var asymmetric = []keyset.Algorithm{keyset.RS256, keyset.RS384, keyset.RS512, keyset.PS256, keyset.PS384, keyset.PS512, keyset.ES256, keyset.ES384, keyset.ES512}

// idToken verifies an ID token against the published keys and checks the
// claims every module checks (Core §3.1.3.7): iss, aud, exp, iat, sub,
// nonce. It returns the claims and the signing algorithm.
func (o *oidf) idToken(raw, nonce string) (map[string]any, keyset.Algorithm) {
	o.t.Helper()
	c, alg := o.idTokenNoNonce(raw)
	if got := str(c["nonce"]); got != nonce {
		o.t.Errorf("got nonce %q, want %q", got, nonce)
	}
	return c, alg
}

// idTokenNoNonce is idToken without the check of nonce.
func (o *oidf) idTokenNoNonce(raw string) (map[string]any, keyset.Algorithm) {
	o.t.Helper()
	if raw == "" {
		o.t.Fatal("got no id_token, want one")
	}
	v, err := keyset.Verify(context.Background(), raw, o.jwks(), asymmetric)
	if err != nil {
		o.t.Fatalf("ID token does not verify with the published keys: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(v.Payload, &c); err != nil {
		o.t.Fatalf("ID token payload: %v", err)
	}
	if got := str(c["iss"]); got != o.app.cfg.Issuer {
		o.t.Errorf("got iss %q, want %q", got, o.app.cfg.Issuer)
	}
	switch aud := c["aud"].(type) {
	case string:
		if aud != oidfClient {
			o.t.Errorf("got aud %q, want %q", aud, oidfClient)
		}
	case []any:
		if len(aud) != 1 || aud[0] != oidfClient {
			if str(c["azp"]) != oidfClient {
				o.t.Errorf("got aud %v without azp %s, want %q", aud, oidfClient, oidfClient)
			}
		}
	default:
		o.t.Errorf("got aud %v, want %q", c["aud"], oidfClient)
	}
	now := float64(time.Now().Unix())
	exp, _ := c["exp"].(float64)
	iat, _ := c["iat"].(float64)
	if exp <= now {
		o.t.Errorf("got exp %v, want after now %v", c["exp"], now)
	}
	if iat == 0 || iat > now+5 || iat < now-300 {
		o.t.Errorf("got iat %v, want about now %v", c["iat"], now)
	}
	if got := str(c["sub"]); got == "" || len(got) > 255 {
		o.t.Errorf("got sub %q, want 1 to 255 characters", got)
	}
	return c, v.Header.Algorithm
}

// halfHash is the at_hash or c_hash of value for alg (Core §3.1.3.6).
func halfHash(alg keyset.Algorithm, value string) string {
	var h hash.Hash
	switch {
	case strings.HasSuffix(string(alg), "384"):
		h = sha512.New384()
	case strings.HasSuffix(string(alg), "512"):
		h = sha512.New()
	default:
		h = sha256.New()
	}
	h.Write([]byte(value))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// userInfo calls the UserInfo endpoint with the access token in the way
// named: "get", "post-header" or "post-body".
func (o *oidf) userInfo(at, how string) (int, map[string]any, http.Header) {
	o.t.Helper()
	var req *http.Request
	switch how {
	case "get":
		req, _ = http.NewRequest(http.MethodGet, o.url("/userinfo"), nil)
		req.Header.Set("Authorization", "Bearer "+at)
	case "post-header":
		req, _ = http.NewRequest(http.MethodPost, o.url("/userinfo"), nil)
		req.Header.Set("Authorization", "Bearer "+at)
	case "post-body":
		req, _ = http.NewRequest(http.MethodPost, o.url("/userinfo"), strings.NewReader(url.Values{"access_token": {at}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r := do(o.t, http.DefaultClient, req)
	var m map[string]any
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &m); err != nil {
			o.t.Fatalf("UserInfo body %q is not JSON: %v", r.body, err)
		}
	}
	return r.status, m, r.header
}

// loginFlow is the code flow of q with the ID token checked and the
// UserInfo response of its access token.
func (o *oidf) loginFlow(c *http.Client, q url.Values) (idt, info map[string]any) {
	o.t.Helper()
	tok := o.exchangeCode(o.code(c, q))
	idt, _ = o.idToken(str(tok["id_token"]), q.Get("nonce"))
	status, info, _ := o.userInfo(str(tok["access_token"]), "get")
	if status != http.StatusOK {
		o.t.Fatalf("UserInfo: status %d, want 200", status)
	}
	if info["sub"] != idt["sub"] {
		o.t.Errorf("got UserInfo sub %v, want the ID token's %v", info["sub"], idt["sub"])
	}
	return idt, info
}

// scopeClaims are the claims each scope asks for (Core §5.4).
var scopeClaims = map[string][]string{
	"profile": {"name", "family_name", "given_name", "nickname", "preferred_username", "website", "gender", "birthdate", "zoneinfo", "locale"},
	"email":   {"email", "email_verified"},
	"address": {"address"},
	"phone":   {"phone_number", "phone_number_verified"},
}

// checkScopeClaims checks that info has the claims of the scopes in want
// and none of the other scopes' claims.
func checkScopeClaims(t *testing.T, info map[string]any, want ...string) {
	t.Helper()
	for sc, names := range scopeClaims {
		asked := false
		for _, w := range want {
			asked = asked || w == sc
		}
		for _, n := range names {
			_, has := info[n]
			if has != asked {
				t.Errorf("scope %q asked %t: got claim %s present %t, want %t (UserInfo %v)", sc, asked, n, has, asked, info)
			}
		}
	}
}

// wantError checks an error response: the code, the state, and no code or
// token leaked.
func wantError(t *testing.T, v url.Values, code string) {
	t.Helper()
	if got := v.Get("error"); got != code {
		t.Errorf("got error %q, want %q (response %v)", got, code, v)
	}
	if got := v.Get("state"); got != "oidf-state" {
		t.Errorf("got state %q, want oidf-state", got)
	}
	for _, k := range []string{"code", "access_token", "id_token"} {
		if v.Get(k) != "" {
			t.Errorf("got %s in an error response, want none", k)
		}
	}
}

func TestOIDFBasic(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, o *oidf)
	}{
		{"oidcc-server", func(t *testing.T, o *oidf) {
			idt, _ := o.loginFlow(o.browser(), authzQuery())
			if _, ok := idt["auth_time"]; !ok {
				// Not required without max_age; checked in oidcc-max-age-10000.
				t.Logf("ID token has no auth_time")
			}
		}},
		{"oidcc-response-type-missing", func(t *testing.T, o *oidf) {
			c := o.browser()
			o.code(c, authzQuery()) // signed in and consented
			f := o.authorize(c, authzQuery("response_type", ""))
			if f.final.status == http.StatusFound {
				wantError(t, o.callback(f, false), "invalid_request")
				return
			}
			if f.final.status != http.StatusBadRequest || f.final.header.Get("Location") != "" {
				t.Fatalf("got status %d, Location %q; want a redirect with invalid_request or a 400 page", f.final.status, f.final.header.Get("Location"))
			}
		}},
		{"oidcc-userinfo-get", func(t *testing.T, o *oidf) { userInfoModule(t, o, "get") }},
		{"oidcc-userinfo-post-header", func(t *testing.T, o *oidf) { userInfoModule(t, o, "post-header") }},
		{"oidcc-userinfo-post-body", func(t *testing.T, o *oidf) { userInfoModule(t, o, "post-body") }},
		{"oidcc-ensure-request-without-nonce-succeeds-for-code-flow", func(t *testing.T, o *oidf) {
			q := authzQuery("nonce", "")
			tok := o.exchangeCode(o.code(o.browser(), q))
			idt, _ := o.idToken(str(tok["id_token"]), "")
			if _, ok := idt["nonce"]; ok {
				t.Errorf("got nonce %v in the ID token, want none", idt["nonce"])
			}
		}},
		{"oidcc-scope-profile", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "openid profile"))
			checkScopeClaims(t, info, "profile")
			if info["name"] != oidfClaims.Name || info["preferred_username"] != oidfUser {
				t.Errorf("got name %v, preferred_username %v; want %q, %q", info["name"], info["preferred_username"], oidfClaims.Name, oidfUser)
			}
		}},
		{"oidcc-scope-email", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "openid email"))
			checkScopeClaims(t, info, "email")
			if info["email"] != oidfClaims.Email || info["email_verified"] != true {
				t.Errorf("got email %v verified %v, want %q true", info["email"], info["email_verified"], oidfClaims.Email)
			}
		}},
		{"oidcc-scope-address", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "openid address"))
			checkScopeClaims(t, info, "address")
			addr, _ := info["address"].(map[string]any)
			if addr["locality"] != "Paris" || addr["postal_code"] != "75002" {
				t.Errorf("got address %v, want locality Paris, postal_code 75002", info["address"])
			}
		}},
		{"oidcc-scope-phone", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "openid phone"))
			checkScopeClaims(t, info, "phone")
			if info["phone_number"] != oidfClaims.PhoneNumber || info["phone_number_verified"] != true {
				t.Errorf("got phone_number %v verified %v, want %q true", info["phone_number"], info["phone_number_verified"], oidfClaims.PhoneNumber)
			}
		}},
		{"oidcc-scope-all", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "openid profile email address phone"))
			checkScopeClaims(t, info, "profile", "email", "address", "phone")
		}},
		{"oidcc-ensure-other-scope-order-succeeds", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "email openid"))
			checkScopeClaims(t, info, "email")
		}},
		{"oidcc-display-page", func(t *testing.T, o *oidf) { o.loginFlow(o.browser(), authzQuery("display", "page")) }},
		{"oidcc-display-popup", func(t *testing.T, o *oidf) { o.loginFlow(o.browser(), authzQuery("display", "popup")) }},
		{"oidcc-prompt-login", func(t *testing.T, o *oidf) {
			c := o.browser()
			o.code(c, authzQuery())
			f := o.authorize(c, authzQuery("prompt", "login"))
			if !f.signedIn {
				t.Errorf("prompt=login while signed in: got no sign-in page, want one")
			}
			v := o.callback(f, false)
			tok := o.exchangeCode(v.Get("code"))
			o.idToken(str(tok["id_token"]), "oidf-nonce")
		}},
		{"oidcc-prompt-none-not-logged-in", func(t *testing.T, o *oidf) {
			f := o.authorize(o.browser(), authzQuery("prompt", "none"))
			if f.signedIn || f.consented {
				t.Errorf("prompt=none: got sign-in %t, consent %t; want no page", f.signedIn, f.consented)
			}
			wantError(t, o.callback(f, false), "login_required")
		}},
		{"oidcc-prompt-none-logged-in", func(t *testing.T, o *oidf) {
			c := o.browser()
			first, _ := o.loginFlow(c, authzQuery())
			f := o.authorize(c, authzQuery("prompt", "none"))
			if f.signedIn || f.consented {
				t.Errorf("prompt=none: got sign-in %t, consent %t; want no page", f.signedIn, f.consented)
			}
			v := o.callback(f, false)
			tok := o.exchangeCode(v.Get("code"))
			idt, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
			if idt["sub"] != first["sub"] {
				t.Errorf("got sub %v, want %v", idt["sub"], first["sub"])
			}
		}},
		{"oidcc-max-age-1", func(t *testing.T, o *oidf) {
			c := o.browser()
			first, _ := o.loginFlow(c, authzQuery())
			time.Sleep(1100 * time.Millisecond)
			f := o.authorize(c, authzQuery("max_age", "1"))
			if !f.signedIn {
				t.Errorf("max_age=1 after more than a second: got no sign-in page, want one")
			}
			tok := o.exchangeCode(o.callback(f, false).Get("code"))
			idt, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
			a0, _ := first["auth_time"].(float64)
			a1, ok := idt["auth_time"].(float64)
			if !ok || a1 <= a0 {
				t.Errorf("got auth_time %v, want one later than the first sign-in's %v", idt["auth_time"], first["auth_time"])
			}
		}},
		{"oidcc-max-age-10000", func(t *testing.T, o *oidf) {
			c := o.browser()
			first, _ := o.loginFlow(c, authzQuery())
			f := o.authorize(c, authzQuery("max_age", "10000"))
			if f.signedIn {
				t.Errorf("max_age=10000: got a sign-in page, want none")
			}
			tok := o.exchangeCode(o.callback(f, false).Get("code"))
			idt, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
			at, ok := idt["auth_time"].(float64)
			if !ok || at != first["auth_time"] {
				t.Errorf("got auth_time %v, want the first sign-in's %v", idt["auth_time"], first["auth_time"])
			}
			if now := float64(time.Now().Unix()); at > now || at < now-60 {
				t.Errorf("got auth_time %v, want about now %v", at, now)
			}
		}},
		{"oidcc-ensure-request-with-unknown-parameter-succeeds", func(t *testing.T, o *oidf) {
			o.loginFlow(o.browser(), authzQuery("extra_unknown_param", "whatever"))
		}},
		{"oidcc-id-token-hint", func(t *testing.T, o *oidf) {
			c := o.browser()
			tok := o.exchangeCode(o.code(c, authzQuery()))
			first, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
			f := o.authorize(c, authzQuery("prompt", "none", "id_token_hint", str(tok["id_token"])))
			tok2 := o.exchangeCode(o.callback(f, false).Get("code"))
			idt, _ := o.idToken(str(tok2["id_token"]), "oidf-nonce")
			if idt["sub"] != first["sub"] {
				t.Errorf("got sub %v, want the hint's %v", idt["sub"], first["sub"])
			}
		}},
		{"oidcc-login-hint", func(t *testing.T, o *oidf) {
			r := o.get(o.browser(), "/authorize?"+authzQuery("login_hint", oidfUser).Encode())
			if r.status != http.StatusSeeOther {
				t.Fatalf("got status %d, want 303 to sign in", r.status)
			}
			page := o.get(o.browser(), r.header.Get("Location"))
			if !strings.Contains(page.body, `value="`+oidfUser+`"`) {
				t.Errorf("sign-in page does not offer the hinted user name %q", oidfUser)
			}
			o.loginFlow(o.browser(), authzQuery("login_hint", oidfUser))
		}},
		{"oidcc-ui-locales", func(t *testing.T, o *oidf) { o.loginFlow(o.browser(), authzQuery("ui_locales", "se")) }},
		{"oidcc-claims-locales", func(t *testing.T, o *oidf) {
			_, info := o.loginFlow(o.browser(), authzQuery("scope", "openid profile", "claims_locales", "se"))
			if info["name"] != oidfClaims.Name {
				t.Errorf("got name %v, want %q", info["name"], oidfClaims.Name)
			}
		}},
		{"oidcc-ensure-request-with-acr-values-succeeds", func(t *testing.T, o *oidf) {
			o.loginFlow(o.browser(), authzQuery("acr_values", "1 2"))
		}},
		{"oidcc-codereuse", func(t *testing.T, o *oidf) { codeReuse(t, o) }},
		{"oidcc-codereuse-30seconds", func(t *testing.T, o *oidf) {
			// The suite waits 30 s between the uses; a used code is
			// refused at once here, so the second use follows directly.
			codeReuse(t, o)
		}},
		{"oidcc-ensure-registered-redirect-uri", func(t *testing.T, o *oidf) {
			c := o.browser()
			o.code(c, authzQuery())
			r := o.get(c, "/authorize?"+authzQuery("redirect_uri", "http://127.0.0.1:9/evil").Encode())
			if r.status != http.StatusBadRequest {
				t.Errorf("got status %d, want 400", r.status)
			}
			if loc := r.header.Get("Location"); loc != "" {
				t.Errorf("got Location %q, want no redirect", loc)
			}
		}},
		{"oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported", func(t *testing.T, o *oidf) {
			c := o.browser()
			o.code(c, authzQuery())
			hdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
			body, _ := json.Marshal(map[string]any{
				"iss": oidfClient, "aud": o.app.cfg.Issuer, "response_type": "code", "client_id": oidfClient,
				"redirect_uri": oidfCallback, "scope": "openid", "state": "oidf-state", "nonce": "oidf-nonce",
			})
			req := hdr + "." + base64.RawURLEncoding.EncodeToString(body) + "."
			f := o.authorize(c, authzQuery("request", req))
			// Request objects are supported, signed ones only: the
			// unsigned one is refused as invalid (RFC 9101 §6.2).
			wantError(t, o.callback(f, false), "invalid_request_object")
		}},
		{"oidcc-claims-essential", func(t *testing.T, o *oidf) {
			claims := `{"userinfo":{"name":{"essential":true}}}`
			_, info := o.loginFlow(o.browser(), authzQuery("claims", claims))
			if info["name"] != oidfClaims.Name {
				t.Errorf("got UserInfo name %v, want %q", info["name"], oidfClaims.Name)
			}
		}},
		{"oidcc-refresh-token", func(t *testing.T, o *oidf) {
			tok := o.exchangeCode(o.code(o.browser(), authzQuery("scope", "openid offline_access", "prompt", "consent")))
			first, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
			rt := str(tok["refresh_token"])
			if rt == "" {
				t.Fatalf("token response %v, want a refresh token", tok)
			}
			status, m := o.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
			if status != http.StatusOK || str(m["access_token"]) == "" {
				t.Fatalf("refresh: status %d %v, want 200 with an access token", status, m)
			}
			if raw := str(m["id_token"]); raw == "" {
				t.Errorf("refresh response %v, want an id_token (the provider issues one on refresh)", m)
			} else {
				// Core §12.2 (errata): same iss, sub, aud and auth_time; the
				// nonce may be absent, and if present is the original one.
				idt, _ := o.idTokenNoNonce(raw)
				if n, ok := idt["nonce"]; ok && n != first["nonce"] {
					t.Errorf("got nonce %v in the refreshed ID token, want none or %v", n, first["nonce"])
				}
				if idt["sub"] != first["sub"] || idt["auth_time"] != first["auth_time"] {
					t.Errorf("got sub %v auth_time %v, want %v %v", idt["sub"], idt["auth_time"], first["sub"], first["auth_time"])
				}
			}
			if st, _, _ := o.userInfo(str(m["access_token"]), "get"); st != http.StatusOK {
				t.Errorf("UserInfo with the refreshed access token: got status %d, want 200", st)
			}
			status, m = o.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"not-" + rt}})
			if status != http.StatusBadRequest || m["error"] != "invalid_grant" {
				t.Errorf("refresh with a wrong token: got %d %v, want 400 invalid_grant", status, m)
			}
		}},
		{"oidcc-ensure-request-with-valid-pkce-succeeds", func(t *testing.T, o *oidf) {
			verifier := strings.Repeat("v3rifier-", 6)
			sum := sha256.Sum256([]byte(verifier))
			challenge := base64.RawURLEncoding.EncodeToString(sum[:])
			c := o.browser()
			q := authzQuery("code_challenge", challenge, "code_challenge_method", "S256")
			tok := o.exchangeCode(o.code(c, q), "code_verifier", verifier)
			o.idToken(str(tok["id_token"]), "oidf-nonce")
			code := o.code(c, q)
			status, m := o.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {oidfCallback}, "code_verifier": {verifier + "x"}})
			if status != http.StatusBadRequest || m["error"] != "invalid_grant" || m["access_token"] != nil {
				t.Errorf("wrong code_verifier: got %d %v, want 400 invalid_grant", status, m)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOIDF(t)
			tt.run(t, o)
		})
	}
}

func userInfoModule(t *testing.T, o *oidf, how string) {
	t.Helper()
	tok := o.exchangeCode(o.code(o.browser(), authzQuery("scope", "openid email")))
	idt, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
	status, info, hdr := o.userInfo(str(tok["access_token"]), how)
	if status != http.StatusOK {
		t.Fatalf("UserInfo %s: got status %d, want 200", how, status)
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("got Content-Type %q, want application/json", ct)
	}
	if info["sub"] != idt["sub"] || info["email"] != oidfClaims.Email {
		t.Errorf("got sub %v email %v, want %v %q", info["sub"], info["email"], idt["sub"], oidfClaims.Email)
	}
	status, _, hdr = o.userInfo("not-"+str(tok["access_token"]), how)
	if status != http.StatusUnauthorized || !strings.Contains(hdr.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("UserInfo %s with a bad token: got %d %q, want 401 invalid_token", how, status, hdr.Get("WWW-Authenticate"))
	}
}

// codeReuse redeems a code twice: the second is refused, and the access
// token of the first should be revoked (RFC 6749 §4.1.2).
func codeReuse(t *testing.T, o *oidf) {
	t.Helper()
	code := o.code(o.browser(), authzQuery())
	tok := o.exchangeCode(code)
	status, m := o.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {oidfCallback}})
	if status != http.StatusBadRequest || m["error"] != "invalid_grant" {
		t.Errorf("second use of the code: got %d %v, want 400 invalid_grant", status, m)
	}
	for _, k := range []string{"access_token", "id_token", "refresh_token"} {
		if m[k] != nil {
			t.Errorf("second use of the code: got %s, want none", k)
		}
	}
	if st, _, _ := o.userInfo(str(tok["access_token"]), "get"); st != http.StatusUnauthorized {
		t.Errorf("UserInfo with the access token of a reused code: got status %d, want 401", st)
	}
}

func TestOIDFImplicitHybrid(t *testing.T) {
	tests := []struct {
		responseType          string
		code, token, idInFrag bool
	}{
		{"id_token", false, false, true},
		{"id_token token", false, true, true},
		{"code id_token", true, false, true},
		{"code token", true, true, false},
		{"code id_token token", true, true, true},
	}
	for _, tt := range tests {
		t.Run("oidcc-server/"+tt.responseType, func(t *testing.T) {
			o := newOIDF(t)
			q := authzQuery("response_type", tt.responseType, "scope", "openid email")
			v := o.callback(o.authorize(o.browser(), q), true)
			if v.Get("error") != "" {
				t.Fatalf("got error %v, want success", v)
			}
			if got := v.Get("state"); got != "oidf-state" {
				t.Errorf("got state %q, want oidf-state", got)
			}
			if got := v.Get("code") != ""; got != tt.code {
				t.Errorf("got code present %t, want %t", got, tt.code)
			}
			if got := v.Get("access_token") != ""; got != tt.token {
				t.Errorf("got access_token present %t, want %t", got, tt.token)
			}
			if got := v.Get("id_token") != ""; got != tt.idInFrag {
				t.Errorf("got id_token present %t, want %t", got, tt.idInFrag)
			}
			if tt.token && v.Get("token_type") != "Bearer" {
				t.Errorf("got token_type %q, want Bearer", v.Get("token_type"))
			}
			if v.Get("refresh_token") != "" {
				t.Error("got a refresh_token in the front channel, want none")
			}
			if tt.idInFrag {
				idt, alg := o.idToken(v.Get("id_token"), "oidf-nonce")
				if tt.code {
					if got, want := str(idt["c_hash"]), halfHash(alg, v.Get("code")); got != want {
						t.Errorf("got c_hash %q, want %q", got, want)
					}
				}
				if tt.token {
					if got, want := str(idt["at_hash"]), halfHash(alg, v.Get("access_token")); got != want {
						t.Errorf("got at_hash %q, want %q", got, want)
					}
				}
				if tt.responseType == "id_token" {
					// No access token: the scope's claims are in the ID token.
					if idt["email"] != oidfClaims.Email {
						t.Errorf("got email %v in the ID token, want %q", idt["email"], oidfClaims.Email)
					}
				}
			}
			if tt.token {
				status, info, _ := o.userInfo(v.Get("access_token"), "get")
				if status != http.StatusOK || info["email"] != oidfClaims.Email {
					t.Errorf("UserInfo with the front-channel token: got %d %v, want 200 with email", status, info)
				}
			}
			if tt.code {
				tok := o.exchangeCode(v.Get("code"))
				idt, _ := o.idToken(str(tok["id_token"]), "oidf-nonce")
				if front := v.Get("id_token"); front != "" {
					fidt, _ := o.idToken(front, "oidf-nonce")
					if idt["sub"] != fidt["sub"] {
						t.Errorf("got sub %v at the token endpoint, want the front channel's %v", idt["sub"], fidt["sub"])
					}
				}
			}
		})
	}
	for _, tt := range tests {
		t.Run("oidcc-ensure-request-without-nonce-fails/"+tt.responseType, func(t *testing.T) {
			o := newOIDF(t)
			c := o.browser()
			o.code(c, authzQuery("scope", "openid email")) // signed in and consented
			f := o.authorize(c, authzQuery("response_type", tt.responseType, "scope", "openid email", "nonce", ""))
			if f.final.status != http.StatusFound {
				t.Fatalf("got status %d, want 302 with invalid_request; body:\n%s", f.final.status, f.final.body)
			}
			wantError(t, o.callback(f, true), "invalid_request")
		})
	}
}
