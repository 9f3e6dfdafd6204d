package pkce_test

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
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	cbURI        = "https://client.test/cb"
)

func TestChallengeRFC7636AppendixB(t *testing.T) {
	tests := []struct {
		method, verifier, want string
	}{
		{pkce.MethodS256, rfcVerifier, rfcChallenge},
		{pkce.MethodPlain, rfcVerifier, rfcVerifier},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			if got := pkce.Challenge(tt.method, tt.verifier); got != tt.want {
				t.Errorf("Challenge(%s, %s): got %s, want %s", tt.method, tt.verifier, got, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name                        string
		method, challenge, verifier string
		want                        bool
	}{
		{"S256 RFC 7636 Appendix B", pkce.MethodS256, rfcChallenge, rfcVerifier, true},
		{"S256 wrong verifier", pkce.MethodS256, rfcChallenge, rfcVerifier[:42] + "l", false},
		{"S256 the challenge as verifier", pkce.MethodS256, rfcChallenge, rfcChallenge, false},
		{"plain", pkce.MethodPlain, rfcVerifier, rfcVerifier, true},
		{"plain wrong verifier", pkce.MethodPlain, rfcVerifier, rfcChallenge, false},
		{"plain with an S256 challenge", pkce.MethodPlain, rfcChallenge, rfcVerifier, false},
		{"unknown method", "S512", rfcChallenge, rfcVerifier, false},
		{"method in lower case", "s256", rfcChallenge, rfcVerifier, false},
		{"no method", "", rfcVerifier, rfcVerifier, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pkce.Verify(tt.method, tt.challenge, tt.verifier); got != tt.want {
				t.Errorf("Verify(%q, %q, %q): got %v, want %v", tt.method, tt.challenge, tt.verifier, got, tt.want)
			}
		})
	}
}

func TestMethods(t *testing.T) {
	tests := []struct {
		name string
		ext  *pkce.Extension
		want []string
	}{
		{"default", pkce.New(pkce.Config{}), []string{"S256"}},
		{"Required", pkce.Required(), []string{"S256"}},
		{"AllowPlain", pkce.New(pkce.Config{AllowPlain: true}), []string{"S256", "plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ext.Methods(); !slices.Equal(got, tt.want) {
				t.Errorf("Methods: got %v, want %v", got, tt.want)
			}
		})
	}
}

// fixture is a server with the code grant, the implicit grant, the client
// credentials grant and the PKCE extension under test, for the
// confidential client c1 (secret s1; code and client_credentials) and the
// public client p1 (code and token).
type fixture struct {
	srv *authserver.Server
}

func newFixture(t *testing.T, ext *pkce.Extension) *fixture {
	t.Helper()
	store := memstore.New()
	for _, c := range []*storage.Client{
		{ID: "c1", SecretHash: secret.HashSecret("s1"),
			GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantClientCredentials},
			ResponseTypes: []grantry.ResponseType{grantry.ResponseCode}},
		{ID: "p1", AuthMethod: grantry.AuthNone,
			GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantImplicit},
			ResponseTypes: []grantry.ResponseType{grantry.ResponseCode, grantry.ResponseToken}},
	} {
		c.RedirectURIs = []string{cbURI}
		c.Scope = grantry.Scope{"profile"}
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := authserver.New(authserver.Config{Clients: store, Tokens: store})
	if err != nil {
		t.Fatal(err)
	}
	code := authcode.New(store, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterResponseType(implicit.New())
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	srv.RegisterExtension(ext)
	return &fixture{srv: srv}
}

// authorize runs an approved authorization request for a code and returns
// the redirect's parameters.
func (f *fixture) authorize(t *testing.T, client, method, challenge string) url.Values {
	t.Helper()
	return f.authorizeType(t, grantry.ResponseCode, client, method, challenge)
}

// authorizeType runs an approved authorization request for response type
// rt and returns the redirect's parameters, from the query or, for a
// token, the fragment.
func (f *fixture) authorizeType(t *testing.T, rt grantry.ResponseType, client, method, challenge string) url.Values {
	t.Helper()
	q := url.Values{"response_type": {string(rt)}, "client_id": {client}, "redirect_uri": {cbURI}, "state": {"s"}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
	}
	if method != "" {
		q.Set("code_challenge_method", method)
	}
	r := httptest.NewRequest(http.MethodGet, "https://as.test/authorize?"+q.Encode(), nil)
	w := httptest.NewRecorder()
	req, err := f.srv.ValidateAuthorizationRequest(r)
	if err != nil {
		f.srv.WriteError(w, r, err)
	} else {
		f.srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	}
	if w.Code != http.StatusFound {
		t.Fatalf("authorization: got %d %s, want 302", w.Code, w.Body)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.Fragment == "" {
		return loc.Query()
	}
	p, err := url.ParseQuery(loc.EscapedFragment())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// exchange redeems a code, sending verifier when it is not "".
func (f *fixture) exchange(t *testing.T, client, code, verifier string) (int, map[string]any) {
	t.Helper()
	v := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cbURI}}
	if verifier != "" {
		v.Set("code_verifier", verifier)
	}
	if client == "p1" {
		v.Set("client_id", "p1")
	}
	r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if client == "c1" {
		r.SetBasicAuth("c1", "s1")
	}
	w := httptest.NewRecorder()
	f.srv.ServeToken(w, r)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("token response %q: %v", w.Body, err)
	}
	return w.Code, body
}

// At the authorization endpoint (RFC 7636 §4.3, §4.4.1): ACCEPTANCE 11.
func TestAuthorizationRequest(t *testing.T) {
	long := strings.Repeat("a", 128)
	tests := []struct {
		name      string
		ext       *pkce.Extension
		client    string
		method    string
		challenge string
		err       string // "" when a code is issued
	}{
		{name: "A11 plain method without a challenge", ext: pkce.New(pkce.Config{}), client: "c1", method: "plain", err: "invalid_request"},
		{name: "A11 S256 method without a challenge", ext: pkce.New(pkce.Config{}), client: "c1", method: "S256", err: "invalid_request"},
		{name: "A11 challenge of 42 characters", ext: pkce.New(pkce.Config{}), client: "c1", method: "S256", challenge: rfcChallenge[:42], err: "invalid_request"},
		{name: "A11 challenge of 129 characters", ext: pkce.New(pkce.Config{}), client: "c1", method: "plain", challenge: long + "a", err: "invalid_request"},
		{name: "A11 unknown method", ext: pkce.New(pkce.Config{}), client: "c1", method: "S512", challenge: rfcChallenge, err: "invalid_request"},
		{name: "A11 method in lower case", ext: pkce.New(pkce.Config{}), client: "c1", method: "s256", challenge: rfcChallenge, err: "invalid_request"},
		{name: "A11 public client without a challenge", ext: pkce.New(pkce.Config{}), client: "p1", err: "invalid_request"},
		{name: "challenge of 128 characters", ext: pkce.New(pkce.Config{AllowPlain: true}), client: "p1", method: "plain", challenge: long},
		{name: "challenge with a character outside the ABNF", ext: pkce.New(pkce.Config{}), client: "p1", method: "plain", challenge: strings.Repeat("a", 42) + "/", err: "invalid_request"},
		{name: "public client with S256", ext: pkce.New(pkce.Config{}), client: "p1", method: "S256", challenge: rfcChallenge},
		{name: "AllowPlain: method omitted means plain", ext: pkce.New(pkce.Config{AllowPlain: true}), client: "p1", challenge: rfcVerifier},
		{name: "AllowPlain accepts plain", ext: pkce.New(pkce.Config{AllowPlain: true}), client: "p1", method: "plain", challenge: rfcVerifier},
		{name: "confidential client without a challenge", ext: pkce.New(pkce.Config{}), client: "c1"},
		{name: "Required: confidential client without a challenge", ext: pkce.Required(), client: "c1", err: "invalid_request"},
		{name: "Required: confidential client with a challenge", ext: pkce.Required(), client: "c1", method: "S256", challenge: rfcChallenge},
		{name: "Config.Required: confidential client without a challenge", ext: pkce.New(pkce.Config{Required: true}), client: "c1", err: "invalid_request"},
		{name: "default refuses plain", ext: pkce.New(pkce.Config{}), client: "p1", method: "plain", challenge: rfcVerifier, err: "invalid_request"},
		{name: "default refuses an omitted method", ext: pkce.New(pkce.Config{}), client: "p1", challenge: rfcVerifier, err: "invalid_request"},
		{name: "default accepts S256", ext: pkce.New(pkce.Config{}), client: "p1", method: "S256", challenge: rfcChallenge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.ext)
			p := f.authorize(t, tt.client, tt.method, tt.challenge)
			if got := p.Get("error"); got != tt.err {
				t.Errorf("error: got %q, want %q (%v)", got, tt.err, p)
			}
			if p.Get("state") != "s" {
				t.Errorf("state: got %q, want s", p.Get("state"))
			}
			if (tt.err == "") != p.Has("code") {
				t.Errorf("code issued: got %v, want %v", p.Has("code"), tt.err == "")
			}
		})
	}
}

// At the token endpoint (RFC 7636 §4.5, §4.6): ACCEPTANCE 20, and the
// downgrade of RFC 9700 §4.8.2.
func TestTokenRequest(t *testing.T) {
	plain := strings.Repeat("p", 43)
	tests := []struct {
		name      string
		client    string
		method    string
		challenge string
		verifier  string
		status    int
		err       string
	}{
		{name: "RFC 7636 Appendix B", client: "p1", method: "S256", challenge: rfcChallenge, verifier: rfcVerifier, status: 200},
		{name: "A20 missing verifier", client: "p1", method: "S256", challenge: rfcChallenge, status: 400, err: "invalid_request"},
		{name: "A20 verifier of 42 characters", client: "p1", method: "S256", challenge: rfcChallenge, verifier: rfcVerifier[:42], status: 400, err: "invalid_request"},
		{name: "A20 verifier of 129 characters", client: "p1", method: "S256", challenge: rfcChallenge, verifier: strings.Repeat("v", 129), status: 400, err: "invalid_request"},
		{name: "A20 verifier with a character outside the ABNF", client: "p1", method: "S256", challenge: rfcChallenge, verifier: rfcVerifier[:42] + "+", status: 400, err: "invalid_request"},
		{name: "A20 wrong verifier", client: "p1", method: "S256", challenge: rfcChallenge, verifier: strings.Repeat("v", 43), status: 400, err: "invalid_grant"},
		{name: "A20 the challenge sent as verifier", client: "p1", method: "S256", challenge: rfcChallenge, verifier: rfcChallenge, status: 400, err: "invalid_grant"},
		{name: "A20 correct plain", client: "p1", method: "plain", challenge: plain, verifier: plain, status: 200},
		{name: "A20 wrong plain", client: "p1", method: "plain", challenge: plain, verifier: strings.Repeat("q", 43), status: 400, err: "invalid_grant"},
		{name: "confidential client with S256", client: "c1", method: "S256", challenge: rfcChallenge, verifier: rfcVerifier, status: 200},
		{name: "confidential client without the verifier", client: "c1", method: "S256", challenge: rfcChallenge, status: 400, err: "invalid_request"},
		{name: "verifier for a code issued without challenge", client: "c1", verifier: rfcVerifier, status: 400, err: "invalid_grant"},
		{name: "no challenge, no verifier", client: "c1", status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, pkce.New(pkce.Config{AllowPlain: true}))
			p := f.authorize(t, tt.client, tt.method, tt.challenge)
			code := p.Get("code")
			if code == "" {
				t.Fatalf("no code: %v", p)
			}
			status, body := f.exchange(t, tt.client, code, tt.verifier)
			if status != tt.status {
				t.Errorf("status: got %d, want %d; body %v", status, tt.status, body)
			}
			if tt.err != "" && body["error"] != tt.err {
				t.Errorf("error: got %v, want %s", body["error"], tt.err)
			}
			if tt.err == "" && body["access_token"] == nil {
				t.Errorf("access_token: missing from %v", body)
			}
		})
	}
}

// A failed verification spends the code: a verifier cannot be guessed
// against one code.
func TestFailedVerifierSpendsCode(t *testing.T) {
	f := newFixture(t, pkce.New(pkce.Config{}))
	code := f.authorize(t, "p1", "S256", rfcChallenge).Get("code")
	if status, _ := f.exchange(t, "p1", code, strings.Repeat("v", 43)); status != 400 {
		t.Fatalf("wrong verifier: got %d, want 400", status)
	}
	if status, body := f.exchange(t, "p1", code, rfcVerifier); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("right verifier after a wrong one: got %d %v, want 400 invalid_grant", status, body)
	}
}

// The extension acts only on authorization requests that ask for a code:
// the implicit grant's response_type=token needs no code challenge, even
// from a public client under Required (RFC 7636 §4.3 concerns the code).
func TestIgnoresRequestsForNoCode(t *testing.T) {
	tests := []struct {
		name      string
		ext       *pkce.Extension
		method    string
		challenge string
	}{
		{name: "default, no challenge", ext: pkce.New(pkce.Config{})},
		{name: "Required, no challenge", ext: pkce.Required()},
		{name: "a challenge sent anyway", ext: pkce.Required(), method: "S256", challenge: rfcChallenge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.ext)
			p := f.authorizeType(t, grantry.ResponseToken, "p1", tt.method, tt.challenge)
			if p.Has("error") || p.Get("access_token") == "" || p.Has("code") {
				t.Errorf("response: got %v, want an access token and no error or code", p)
			}
			// The same request for a code is still refused without a
			// challenge.
			if tt.challenge == "" {
				if got := f.authorize(t, "p1", "", "").Get("error"); got != "invalid_request" {
					t.Errorf("the same client asking for a code: got error %q, want invalid_request", got)
				}
			}
		})
	}
}

// The hooks, called directly: ValidateAuthorization acts on every response
// type that includes code, and on no other.
func TestValidateAuthorizationHook(t *testing.T) {
	public := &storage.Client{ID: "p1", AuthMethod: grantry.AuthNone}
	tests := []struct {
		rt            grantry.ResponseType
		challenge     string
		err           bool
		wantChallenge string // kept on the request for the code
	}{
		{rt: "code", err: true},
		{rt: "code", challenge: rfcChallenge, wantChallenge: rfcChallenge},
		{rt: "code id_token", err: true},
		{rt: "id_token code", challenge: rfcChallenge, wantChallenge: rfcChallenge},
		{rt: "token"},
		{rt: "token", challenge: rfcChallenge},
		{rt: "id_token token"},
		{rt: "none"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s with challenge %v", tt.rt, tt.challenge != ""), func(t *testing.T) {
			params := authserver.Params{"response_type": string(tt.rt)}
			if tt.challenge != "" {
				params["code_challenge"], params["code_challenge_method"] = tt.challenge, pkce.MethodS256
			}
			req := &authserver.AuthorizationRequest{Params: params, Client: public, ResponseType: tt.rt}
			err := pkce.Required().Hooks().ValidateAuthorization(context.Background(), req)
			if tt.err != (err != nil) {
				t.Errorf("error: got %v, want error %v", err, tt.err)
			}
			if tt.err && !errors.Is(err, grantry.ErrInvalidRequest) {
				t.Errorf("error: got %v, want invalid_request", err)
			}
			if req.CodeChallenge != tt.wantChallenge {
				t.Errorf("CodeChallenge: got %q, want %q", req.CodeChallenge, tt.wantChallenge)
			}
			if want := map[bool]string{true: pkce.MethodS256}[tt.wantChallenge != ""]; req.CodeChallengeMethod != want {
				t.Errorf("CodeChallengeMethod: got %q, want %q", req.CodeChallengeMethod, want)
			}
		})
	}
}

// The extension acts only on token requests that redeem a code: another
// grant's request passes, even with a code_verifier and under Required.
func TestIgnoresTokenRequestsWithoutCode(t *testing.T) {
	for _, tt := range []struct{ name, verifier string }{
		{name: "client_credentials"},
		{name: "client_credentials with a code_verifier", verifier: rfcVerifier},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, pkce.Required())
			v := url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}}
			if tt.verifier != "" {
				v.Set("code_verifier", tt.verifier)
			}
			r := httptest.NewRequest(http.MethodPost, "https://as.test/token", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth("c1", "s1")
			w := httptest.NewRecorder()
			f.srv.ServeToken(w, r)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("token response %q: %v", w.Body, err)
			}
			if w.Code != http.StatusOK || body["access_token"] == nil {
				t.Errorf("got %d %v, want 200 with an access token", w.Code, body)
			}
		})
	}
	t.Run("hook", func(t *testing.T) {
		req := &authserver.TokenRequest{Params: authserver.Params{"grant_type": "refresh_token", "code_verifier": "x"},
			GrantType: grantry.GrantRefreshToken, Client: &storage.Client{ID: "p1", AuthMethod: grantry.AuthNone}}
		if err := pkce.Required().Hooks().ValidateToken(context.Background(), req, &authserver.Issue{Subject: "alice"}); err != nil {
			t.Errorf("ValidateToken without a code: got %v, want nil", err)
		}
	})
}

// The extension publishes its methods in the server metadata (RFC 8414 §2).
func TestMetadata(t *testing.T) {
	tests := []struct {
		name string
		ext  *pkce.Extension
		want []string
	}{
		{"default", pkce.New(pkce.Config{}), []string{"S256"}},
		{"AllowPlain", pkce.New(pkce.Config{AllowPlain: true}), []string{"S256", "plain"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.ext.Hooks().Metadata()["code_challenge_methods_supported"].([]string)
			if !ok || !slices.Equal(got, tt.want) {
				t.Errorf("code_challenge_methods_supported: got %v, want %v", got, tt.want)
			}
		})
	}
}

// Verify(m, Challenge(m, v), v) holds for every verifier, and Verify never
// panics.
func FuzzVerify(f *testing.F) {
	f.Add(rfcVerifier, rfcChallenge)
	f.Add("", "")
	f.Add(strings.Repeat("~", 128), "x")
	f.Fuzz(func(t *testing.T, verifier, other string) {
		for _, m := range []string{pkce.MethodS256, pkce.MethodPlain} {
			if !pkce.Verify(m, pkce.Challenge(m, verifier), verifier) {
				t.Errorf("Verify(%s, Challenge(%s, %q), %q): got false, want true", m, m, verifier, verifier)
			}
			if other != verifier && m == pkce.MethodPlain && pkce.Verify(m, verifier, other) {
				t.Errorf("Verify(plain, %q, %q): got true, want false", verifier, other)
			}
		}
		_ = pkce.Verify(other, verifier, other)
	})
}

// The S256 challenge of the RFC 7636 Appendix B verifier.
func ExampleChallenge() {
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge := pkce.Challenge(pkce.MethodS256, verifier)
	fmt.Println(challenge)
	fmt.Println(pkce.Verify(pkce.MethodS256, challenge, verifier))
	// Output:
	// E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM
	// true
}
