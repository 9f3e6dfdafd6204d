package daemon

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage/memstore"
)

// withSigningAlgs gives the server --signing-algs list.
func withSigningAlgs(list string) func(*serveConfig) {
	return func(c *serveConfig) {
		if err := c.algs.list.Set(list); err != nil {
			panic(err)
		}
	}
}

// idTokenAlg signs alice in to the OpenID client, whose ID tokens are
// signed with alg ("" for the server's default), and returns the
// algorithm of the ID token, checked with the server's keys.
func (h *harness) idTokenAlg(alg string) string {
	h.t.Helper()
	sec := h.addOIDCClient("")
	c, err := h.store.GetClient(h.t.Context(), oidcClient)
	if err != nil {
		h.t.Fatal(err)
	}
	c.IDTokenSignedResponseAlg = alg
	if err := h.store.UpdateClient(h.t.Context(), c); err != nil {
		h.t.Fatal(err)
	}
	b := h.browser()
	code := h.approveCode(b, h.consentPage(b, oidcPath())).Get("code")
	tok := h.exchangeOIDC(code, sec)["id_token"].(string)
	v, err := keyset.Verify(h.t.Context(), tok, h.app.signingKeys(), keyset.AsymmetricAlgorithms())
	if err != nil {
		h.t.Fatalf("ID token: %v", err)
	}
	return string(v.Header.Algorithm)
}

// publishedAlgs returns the algorithms of the keys at /jwks.json and the
// id_token_signing_alg_values_supported of the discovery document.
func (h *harness) publishedAlgs() (jwks, discovery []string) {
	h.t.Helper()
	set, err := keyset.ParseJWKS([]byte(h.get(h.browser(), jwksPath).body))
	if err != nil {
		h.t.Fatal(err)
	}
	for _, k := range set.Keys {
		jwks = append(jwks, string(k.Algorithm))
	}
	var doc struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal([]byte(h.get(h.browser(), "/.well-known/openid-configuration").body), &doc); err != nil {
		h.t.Fatal(err)
	}
	slices.Sort(jwks)
	slices.Sort(doc.Algs)
	return jwks, doc.Algs
}

// TestSigningAlgs checks that --signing-algs publishes a key of each
// algorithm and signs with the first, and that a client may ask for any.
func TestSigningAlgs(t *testing.T) {
	tests := []struct {
		name, flag, clientAlg string
		wantAlg               string
		wantPublished         []string
	}{
		{"default", "", "", "ES256", []string{"ES256", "RS256"}},
		{"EdDSA signs", "EdDSA,RS256", "", "EdDSA", []string{"EdDSA", "RS256"}},
		{"EdDSA published", "ES256,RS256,EdDSA", "", "ES256", []string{"ES256", "EdDSA", "RS256"}},
		{"EdDSA for one client", "ES256,RS256,EdDSA", "EdDSA", "EdDSA", []string{"ES256", "EdDSA", "RS256"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*serveConfig)
			if tt.flag != "" {
				opts = append(opts, withSigningAlgs(tt.flag))
			}
			h := newHarness(t, opts...)
			jwks, discovery := h.publishedAlgs()
			if !slices.Equal(jwks, tt.wantPublished) || !slices.Equal(discovery, tt.wantPublished) {
				t.Errorf("published: got JWK Set %q and discovery %q, want %q", jwks, discovery, tt.wantPublished)
			}
			if got := h.idTokenAlg(tt.clientAlg); got != tt.wantAlg {
				t.Errorf("ID token: got alg %s, want %s", got, tt.wantAlg)
			}
		})
	}
}

// TestSigningAlgsChangeActive checks that a server started with EdDSA
// first on a database whose keys were made by default signs with a new
// Ed25519 key, and keeps the others published.
func TestSigningAlgsChangeActive(t *testing.T) {
	store := memstore.New()
	for _, list := range []string{"ES256,RS256", "EdDSA,RS256"} {
		cfg := testConfig(t, withKEK(testKEK), withSigningAlgs(list), func(c *serveConfig) { c.Issuer = "http://127.0.0.1:1" })
		a, err := newApp(context.Background(), cfg, memoryBackend(store), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("newApp with --signing-algs %s: %v", list, err)
		}
		first, _, _ := strings.Cut(list, ",")
		if got := string(a.signingKeys().Active().Algorithm()); got != first {
			t.Errorf("--signing-algs %s: got active key of %s, want %s", list, got, first)
		}
	}
}

// TestSigningAlgsRefused checks the values grantry serve refuses.
func TestSigningAlgsRefused(t *testing.T) {
	tests := []struct{ name, list, want string }{
		{"HMAC", "HS256,RS256", `"HS256" is not one of`},
		{"none", "none,RS256", `"none" is not one of`},
		{"without RS256", "ES256,EdDSA", "RS256 must be among"},
		{"twice", "RS256,EdDSA,RS256", "RS256 is given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := Main(context.Background(), []string{"serve", "--db", "memory:", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--signing-algs", tt.list},
				strings.NewReader(""), &out, &errOut, envOf(nil))
			if code == 0 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("serve --signing-algs %s: exit %d, stderr %q; want an error saying %q", tt.list, code, errOut.String(), tt.want)
			}
		})
	}
}
