package authserver_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/internal/golden"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage/memstore"
)

const testTokenURL = testIssuer + "/token"

func withDPoP(cfg *authserver.DPoPConfig) func(*fixtureSetup) {
	return func(s *fixtureSetup) {
		s.Config.Endpoints.Token = "/token"
		s.Config.DPoP = cfg
	}
}

func dpopKey(t *testing.T) (*keyset.Key, string) {
	t.Helper()
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jkt, err := keyset.Thumbprint(k.Public().Key)
	if err != nil {
		t.Fatal(err)
	}
	return k, jkt
}

// prove adds a DPoP proof of k for the token endpoint to r; a nil key
// adds none.
func (f *fixture) prove(t *testing.T, r *http.Request, k *keyset.Key, nonce string) *http.Request {
	t.Helper()
	if k == nil {
		return r
	}
	p, err := dpop.Sign(k, dpop.ProofClaims{Method: http.MethodPost, URI: testTokenURL, IssuedAt: f.clock.Now(), Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("DPoP", p)
	return r
}

func codeForm(code string, extra ...string) url.Values {
	return withParams(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {cbURI}}, extra...)
}

// wantTokenType checks a 200 answer and its token_type, and that the
// stored record is bound to jkt.
func (f *fixture) wantTokenType(t *testing.T, res *http.Response, tokenType, jkt string) map[string]any {
	t.Helper()
	body := jsonBody(t, res)
	if res.StatusCode != http.StatusOK || body["token_type"] != tokenType {
		t.Fatalf("answer: got %d %v, want 200 with token_type %s", res.StatusCode, body, tokenType)
	}
	tok, err := f.store.TokenByAccess(t.Context(), secret.Digest(body["access_token"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	if tok.JKT != jkt {
		t.Errorf("stored JKT: got %q, want %q", tok.JKT, jkt)
	}
	return body
}

func wantError(t *testing.T, res *http.Response, status int, code string) {
	t.Helper()
	body := jsonBody(t, res)
	if res.StatusCode != status || body["error"] != code {
		t.Fatalf("answer: got %d %v, want %d %s", res.StatusCode, body, status, code)
	}
}

func TestDPoPCodeExchange(t *testing.T) {
	k, jkt := dpopKey(t)
	tests := []struct {
		name string
		key  *keyset.Key
		want string
		jkt  string
	}{
		{"with a proof", k, "DPoP", jkt},
		{"without a proof", nil, "Bearer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, withDPoP(&authserver.DPoPConfig{}))
			code := f.obtainCode(t, codeRequest())
			res := f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), tt.key, ""))
			f.wantTokenType(t, res, tt.want, tt.jkt)
		})
	}
}

// A refused proof is answered before the code is spent.
func TestDPoPInvalidProofKeepsCode(t *testing.T) {
	f := newFixture(t, withDPoP(&authserver.DPoPConfig{}))
	k, jkt := dpopKey(t)
	code := f.obtainCode(t, codeRequest())
	r := asClient(tokenRequest(codeForm(code)), "c1")
	r.Header.Set("DPoP", "not-a-proof")
	wantError(t, f.token(t, r), http.StatusBadRequest, "invalid_dpop_proof")
	f.wantTokenType(t, f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), k, "")), "DPoP", jkt)
}

func TestDPoPNonce(t *testing.T) {
	var nonces *dpop.Nonces
	f := newFixture(t, func(s *fixtureSetup) {
		var err error
		if nonces, err = dpop.NewNonces(nil, 0, s.Config.Now); err != nil {
			t.Fatal(err)
		}
		withDPoP(&authserver.DPoPConfig{Verifier: dpop.NewVerifier(dpop.Config{Nonces: nonces, Now: s.Config.Now})})(s)
	})
	k, jkt := dpopKey(t)
	code := f.obtainCode(t, codeRequest())
	res := f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), k, ""))
	nonce := res.Header.Get("DPoP-Nonce")
	wantError(t, res, http.StatusBadRequest, "use_dpop_nonce")
	if !nonces.Valid(nonce) {
		t.Fatalf("DPoP-Nonce: got %q, want a valid nonce", nonce)
	}
	res = f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), k, nonce))
	if res.Header.Get("DPoP-Nonce") == "" {
		t.Error("DPoP-Nonce of a success: got none, want a nonce")
	}
	f.wantTokenType(t, res, "DPoP", jkt)
}

// RFC 9449 §10: dpop_jkt binds the code to a key.
func TestDPoPBoundCode(t *testing.T) {
	k, jkt := dpopKey(t)
	other, _ := dpopKey(t)
	tests := []struct {
		name   string
		key    *keyset.Key
		status int
	}{
		{"same key", k, http.StatusOK},
		{"other key", other, http.StatusBadRequest},
		{"no proof", nil, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, withDPoP(&authserver.DPoPConfig{}))
			code := f.obtainCode(t, codeRequest("dpop_jkt", jkt))
			res := f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), tt.key, ""))
			if tt.status == http.StatusOK {
				f.wantTokenType(t, res, "DPoP", jkt)
				return
			}
			wantError(t, res, tt.status, "invalid_dpop_proof")
		})
	}
	t.Run("malformed dpop_jkt", func(t *testing.T) {
		f := newFixture(t, withDPoP(&authserver.DPoPConfig{}))
		rd := parseRedirect(t, f.authorize(t, codeRequest("dpop_jkt", "short").Encode(), approve))
		if got := rd.params.Get("error"); got != "invalid_request" {
			t.Errorf("error: got %q, want invalid_request", got)
		}
	})
}

// publicTokens runs the code flow of the public client p1 with a proof of
// k, and returns the token response.
func (f *fixture) publicTokens(t *testing.T, k *keyset.Key) map[string]any {
	t.Helper()
	code := f.obtainCode(t, codeRequest("client_id", "p1", "code_challenge", rfcChallenge, "code_challenge_method", "S256"))
	form := codeForm(code, "client_id", "p1", "code_verifier", rfcVerifier)
	jkt, _ := keyset.Thumbprint(k.Public().Key)
	return f.wantTokenType(t, f.token(t, f.prove(t, tokenRequest(form), k, "")), "DPoP", jkt)
}

// RFC 9449 §5: the refresh token of a public client is bound to its key;
// a confidential client's is not.
func TestDPoPRefreshBinding(t *testing.T) {
	k, jkt := dpopKey(t)
	other, otherJKT := dpopKey(t)
	tests := []struct {
		name      string
		client    string
		key       *keyset.Key
		status    int
		tokenType string
		jkt       string
	}{
		{"public, same key", "p1", k, http.StatusOK, "DPoP", jkt},
		{"public, other key", "p1", other, http.StatusBadRequest, "", ""},
		{"public, no proof", "p1", nil, http.StatusBadRequest, "", ""},
		{"confidential, other key", "c1", other, http.StatusOK, "DPoP", otherJKT},
		{"confidential, no proof", "c1", nil, http.StatusOK, "Bearer", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, withDPoP(&authserver.DPoPConfig{}))
			var rt string
			var r *http.Request
			if tt.client == "p1" {
				rt = f.publicTokens(t, k)["refresh_token"].(string)
				r = tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {"p1"}})
			} else {
				code := f.obtainCode(t, codeRequest())
				rt = f.wantTokenType(t, f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), k, "")), "DPoP", jkt)["refresh_token"].(string)
				r = asClient(tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}), "c1")
			}
			res := f.token(t, f.prove(t, r, tt.key, ""))
			if tt.status != http.StatusOK {
				wantError(t, res, tt.status, "invalid_dpop_proof")
				return
			}
			f.wantTokenType(t, res, tt.tokenType, tt.jkt)
		})
	}
}

func TestDPoPRequiredForPublicClients(t *testing.T) {
	f := newFixture(t, withDPoP(&authserver.DPoPConfig{RequirePublicClients: true}))
	code := f.obtainCode(t, codeRequest("client_id", "p1", "code_challenge", rfcChallenge, "code_challenge_method", "S256"))
	form := codeForm(code, "client_id", "p1", "code_verifier", rfcVerifier)
	wantError(t, f.token(t, tokenRequest(form)), http.StatusBadRequest, "invalid_dpop_proof")
	k, _ := dpopKey(t)
	f.publicTokens(t, k)
}

func TestDPoPMetadata(t *testing.T) {
	f := newFixture(t, withDPoP(&authserver.DPoPConfig{Verifier: dpop.NewVerifier(dpop.Config{Algorithms: []keyset.Algorithm{keyset.ES256, keyset.EdDSA}})}))
	got, _ := f.srv.Metadata()["dpop_signing_alg_values_supported"].([]string)
	if want := []string{"ES256", "EdDSA"}; !slices.Equal(got, want) {
		t.Errorf("dpop_signing_alg_values_supported: got %v, want %v", got, want)
	}
	plain := newFixture(t)
	if v, ok := plain.srv.Metadata()["dpop_signing_alg_values_supported"]; ok {
		t.Errorf("without DPoP: got dpop_signing_alg_values_supported %v, want none", v)
	}
}

func TestDPoPNeedsTokenURL(t *testing.T) {
	s := memstore.New()
	_, err := authserver.New(authserver.Config{Clients: s, Tokens: s, DPoP: &authserver.DPoPConfig{}})
	if err == nil {
		t.Error("New with DPoP and no token endpoint URL: got nil error, want one")
	}
}

// The wire form of the DPoP errors of the token endpoint (RFC 9449 §5,
// §8): 400, the error, and a DPoP-Nonce header with use_dpop_nonce.
func TestDPoPGolden(t *testing.T) {
	f := newFixture(t, func(s *fixtureSetup) {
		nonces, err := dpop.NewNonces(make([]byte, dpop.NonceKeySize), 0, s.Config.Now)
		if err != nil {
			t.Fatal(err)
		}
		withDPoP(&authserver.DPoPConfig{Verifier: dpop.NewVerifier(dpop.Config{Nonces: nonces, Now: s.Config.Now})})(s)
	})
	k, _ := dpopKey(t)
	code := f.obtainCode(t, codeRequest())
	bad := asClient(tokenRequest(codeForm(code)), "c1")
	bad.Header.Set("DPoP", "x.y.z")
	golden.Check(t, "token_invalid_dpop_proof", wireDump(t, f.token(t, bad)))
	golden.Check(t, "token_use_dpop_nonce", wireDump(t, f.token(t, f.prove(t, asClient(tokenRequest(codeForm(code)), "c1"), k, ""))))
}
