package bearer_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

var dpopNow = time.Date(2030, time.June, 1, 2, 3, 4, 0, time.UTC)

const apiURL = "https://api.example/data"

// boundTokens validates "bound" as a token bound to jkt and "plain" as a
// bearer token.
type boundTokens struct{ jkt string }

func (b boundTokens) ValidateToken(_ context.Context, token string) (grantry.TokenInfo, error) {
	info := grantry.TokenInfo{Active: true, Scope: grantry.Scope{"read"}, ExpiresAt: dpopNow.Add(time.Hour)}
	switch token {
	case "bound":
		info.TokenType = grantry.TokenTypeDPoP
		info.Extra = map[string]any{"cnf": map[string]any{"jkt": b.jkt}}
	case "plain":
	default:
		return grantry.TokenInfo{}, nil
	}
	return info, nil
}

func TestDPoPProtector(t *testing.T) {
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	other, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	jkt, _ := keyset.Thumbprint(k.Public().Key)
	proof := func(key *keyset.Key, method, uri, token string) string {
		p, err := dpop.Sign(key, dpop.ProofClaims{Method: method, URI: uri, AccessToken: token, IssuedAt: dpopNow})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// spliced is the header of a proof of key k, which the verifier
	// remembers after the first request, on the claims and signature of
	// another key's proof.
	spliced := func(key *keyset.Key) string {
		h, _, _ := strings.Cut(proof(k, "GET", apiURL, "bound"), ".")
		_, rest, _ := strings.Cut(proof(key, "GET", apiURL, "bound"), ".")
		return h + "." + rest
	}
	tests := []struct {
		name      string
		authz     string
		proof     string
		status    int
		challenge string // the start of the WWW-Authenticate values, joined by " | "
	}{
		{"bound token with its proof", "DPoP bound", proof(k, "GET", apiURL, "bound"), 200, ""},
		{"bound token, its key's header on another key's proof", "DPoP bound", spliced(other), 401, `DPoP realm="api", error="invalid_dpop_proof"`},
		{"bound token with a second proof", "DPoP bound", proof(k, "GET", apiURL, "bound"), 200, ""},
		{"bound token, proof with query", "DPoP bound", proof(k, "GET", apiURL+"?x=1", "bound"), 200, ""},
		{"bound token as bearer", "Bearer bound", proof(k, "GET", apiURL, "bound"), 401, `Bearer realm="api", error="invalid_token"`},
		{"bound token without proof", "DPoP bound", "", 401, `DPoP realm="api", error="invalid_dpop_proof"`},
		{"proof of another key", "DPoP bound", proof(other, "GET", apiURL, "bound"), 401, `DPoP realm="api", error="invalid_dpop_proof"`},
		{"proof for another token", "DPoP bound", proof(k, "GET", apiURL, "plain"), 401, `DPoP realm="api", error="invalid_dpop_proof"`},
		{"proof for another method", "DPoP bound", proof(k, "POST", apiURL, "bound"), 401, `DPoP realm="api", error="invalid_dpop_proof"`},
		{"proof for another URI", "DPoP bound", proof(k, "GET", "https://api.example/other", "bound"), 401, `DPoP realm="api", error="invalid_dpop_proof"`},
		{"bearer token as DPoP", "DPoP plain", proof(k, "GET", apiURL, "plain"), 401, `DPoP realm="api", error="invalid_token"`},
		{"unknown token as DPoP", "DPoP nope", proof(k, "GET", apiURL, "nope"), 401, `DPoP realm="api", error="invalid_token"`},
		{"bearer token", "Bearer plain", "", 200, ""},
		{"no token", "", "", 401, `Bearer realm="api" | DPoP realm="api", algs="ES256"`},
	}
	p := bearer.New(boundTokens{jkt}, bearer.Config{Realm: "api", Now: func() time.Time { return dpopNow },
		DPoP: &bearer.DPoPConfig{BaseURL: "https://api.example",
			Verifier: dpop.NewVerifier(dpop.Config{Algorithms: []keyset.Algorithm{keyset.ES256}, Now: func() time.Time { return dpopNow }})}})
	h := p.Require("read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://internal:8080/data?x=1", nil)
			if tt.authz != "" {
				r.Header.Set("Authorization", tt.authz)
			}
			if tt.proof != "" {
				r.Header.Set("DPoP", tt.proof)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status: got %d, want %d; body %s", w.Code, tt.status, w.Body)
			}
			got := strings.Join(w.Header().Values("WWW-Authenticate"), " | ")
			if !strings.HasPrefix(got, tt.challenge) {
				t.Errorf("WWW-Authenticate: got %q, want it to start with %q", got, tt.challenge)
			}
		})
	}
}

func TestDPoPProtectorNonce(t *testing.T) {
	k, _ := keyset.GenerateKey(keyset.ES256)
	jkt, _ := keyset.Thumbprint(k.Public().Key)
	clock := func() time.Time { return dpopNow }
	nonces, err := dpop.NewNonces(nil, 0, clock)
	if err != nil {
		t.Fatal(err)
	}
	p := bearer.New(boundTokens{jkt}, bearer.Config{Now: clock, DPoP: &bearer.DPoPConfig{BaseURL: "https://api.example",
		Verifier: dpop.NewVerifier(dpop.Config{Nonces: nonces, Now: clock})}})
	h := p.Require()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	send := func(nonce string) *httptest.ResponseRecorder {
		pr, err := dpop.Sign(k, dpop.ProofClaims{Method: "GET", URI: apiURL, AccessToken: "bound", IssuedAt: dpopNow, Nonce: nonce})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("GET", apiURL, nil)
		r.Header.Set("Authorization", "DPoP bound")
		r.Header.Set("DPoP", pr)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send("")
	if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="use_dpop_nonce"`) {
		t.Fatalf("without nonce: got %d %q, want 401 use_dpop_nonce", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	nonce := w.Header().Get("DPoP-Nonce")
	if !nonces.Valid(nonce) {
		t.Fatalf("DPoP-Nonce: got %q, want a valid nonce", nonce)
	}
	if w := send(nonce); w.Code != 200 {
		t.Errorf("with the nonce: got %d, want 200", w.Code)
	}
}

// Without DPoP configured, a bound token is still refused as a bearer
// token, and the DPoP scheme is no token at all.
func TestBoundTokenWithoutDPoP(t *testing.T) {
	p := bearer.New(boundTokens{"x"}, bearer.Config{Now: func() time.Time { return dpopNow }})
	for authz, want := range map[string]string{"Bearer bound": `error="invalid_token"`, "DPoP bound": `Bearer realm="grantry"`, "Bearer plain": ""} {
		r := httptest.NewRequest("GET", apiURL, nil)
		r.Header.Set("Authorization", authz)
		_, err := p.Acquire(r, bearer.AllOf())
		if want == "" {
			if err != nil {
				t.Errorf("%s: got error %v, want nil", authz, err)
			}
			continue
		}
		e, _ := grantry.AsError(err)
		if e == nil || !strings.Contains(e.Header.Get("WWW-Authenticate"), want) {
			t.Errorf("%s: got %v, want a challenge with %s", authz, err, want)
		}
	}
}

func TestDPoPResourceMetadata(t *testing.T) {
	p := bearer.New(boundTokens{"x"}, bearer.Config{Resource: "https://api.example/",
		DPoP: &bearer.DPoPConfig{BaseURL: "https://api.example", Verifier: dpop.NewVerifier(dpop.Config{Algorithms: []keyset.Algorithm{keyset.ES256, keyset.EdDSA}})}})
	w := httptest.NewRecorder()
	p.MetadataHandler(bearer.ResourceMetadata{}).ServeHTTP(w, httptest.NewRequest("GET", "https://api.example"+bearer.WellKnownPath, nil))
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(m["dpop_signing_alg_values_supported"])
	if string(got) != `["ES256","EdDSA"]` {
		t.Errorf("dpop_signing_alg_values_supported: got %s, want [\"ES256\",\"EdDSA\"]", got)
	}
}
