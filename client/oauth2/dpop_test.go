package oauth2_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
)

// dpopServer is a token endpoint and a resource that both require DPoP
// proofs with their own nonces.
type dpopServer struct {
	t        *testing.T
	srv      *httptest.Server
	tokenV   *dpop.Verifier
	apiV     *dpop.Verifier
	jkt      string
	requests atomic.Int32
}

func newDPoPServer(t *testing.T) *dpopServer {
	t.Helper()
	s := &dpopServer{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("/api", s.api)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.tokenV = dpop.NewVerifier(dpop.Config{Nonces: mustNonces(t)})
	s.apiV = dpop.NewVerifier(dpop.Config{Nonces: mustNonces(t)})
	return s
}

func mustNonces(t *testing.T) *dpop.Nonces {
	t.Helper()
	n, err := dpop.NewNonces(nil, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writeDPoPError(w http.ResponseWriter, err error, status int) {
	e, _ := grantry.AsError(err)
	for k, v := range e.Header {
		w.Header()[k] = v
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `DPoP error="`+string(e.Code)+`", algs="ES256"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(e.AppendJSON(nil))
}

func (s *dpopServer) token(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	p, err := s.tokenV.Verify(r.Context(), r, s.srv.URL+"/token", "")
	if err != nil {
		writeDPoPError(w, err, http.StatusBadRequest)
		return
	}
	s.jkt = p.JKT
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"access_token":"at-1","token_type":"DPoP","expires_in":3600,"refresh_token":"rt-1"}`)
}

func (s *dpopServer) api(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	authz := r.Header.Get("Authorization")
	if authz != "DPoP at-1" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	p, err := s.apiV.Verify(r.Context(), r, s.srv.URL+"/api", "at-1")
	if err != nil {
		writeDPoPError(w, err, http.StatusUnauthorized)
		return
	}
	if p.JKT != s.jkt {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.NewEncoder(w).Encode(map[string]string{"body": string(body)})
}

func TestDPoPClient(t *testing.T) {
	s := newDPoPServer(t)
	key, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	c, err := oauth2.New(oauth2.Config{ClientID: "c", ClientSecret: "s", TokenEndpoint: s.srv.URL + "/token", DPoPKey: key})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.ClientCredentials(t.Context())
	if err != nil {
		t.Fatalf("ClientCredentials: got error %v, want nil", err)
	}
	want, _ := keyset.Thumbprint(key.Public().Key)
	if tok.TokenType != "DPoP" || s.jkt != want {
		t.Fatalf("token: got type %q bound to %q, want DPoP bound to %q", tok.TokenType, s.jkt, want)
	}
	if got := s.requests.Load(); got != 2 {
		t.Errorf("token requests: got %d, want 2 (a nonce challenge, then the token)", got)
	}
	tests := []struct {
		name     string
		method   string
		body     string
		requests int32 // more than before
	}{
		{"first call, nonce challenge", http.MethodPost, "a=1", 2},
		{"second call, nonce known", http.MethodGet, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.requests.Load()
			req, _ := http.NewRequest(tt.method, s.srv.URL+"/api?q=1", strings.NewReader(tt.body))
			resp, err := c.Do(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"body":"`+tt.body+`"`) {
				t.Errorf("answer: got %d %s, want 200 with the body %q", resp.StatusCode, got, tt.body)
			}
			if n := s.requests.Load() - before; n != tt.requests {
				t.Errorf("requests: got %d, want %d", n, tt.requests)
			}
		})
	}
	t.Run("transport", func(t *testing.T) {
		resp, err := c.AuthorizedClient().Get(s.srv.URL + "/api")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status: got %d, want 200", resp.StatusCode)
		}
	})
}

// Without a key, a DPoP token cannot be used.
func TestDPoPTokenWithoutKey(t *testing.T) {
	c, err := oauth2.New(oauth2.Config{ClientID: "c"})
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(&oauth2.Token{AccessToken: "x", TokenType: "DPoP"})
	req, _ := http.NewRequest(http.MethodGet, "https://api.example/", nil)
	if _, err := c.Do(t.Context(), req); err == nil {
		t.Error("Do with a DPoP token and no key: got nil error, want one")
	}
}
