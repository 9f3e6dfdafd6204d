package oidc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/keyset"
)

var bg = context.Background()

// op is an OpenID Provider for the tests: discovery, JWKS, token and
// UserInfo endpoints, with ID tokens signed by its key set.
type op struct {
	*httptest.Server
	t        *testing.T
	set      *keyset.Set
	jwksHits atomic.Int32

	mu        sync.Mutex
	meta      map[string]any                                 // discovery document
	codes     map[string]string                              // code -> nonce
	claims    func(nonce, accessToken string) map[string]any // ID token claims for the token endpoint
	noIDToken bool
	userinfo  http.HandlerFunc
	lastForm  map[string][]string
}

// opKey is the providers' first signing key, made once: RSA key
// generation is slow.
var opKey = sync.OnceValues(func() (*keyset.Key, error) { return keyset.GenerateKey(keyset.RS256) })

func newOP(t *testing.T) *op {
	key, err := opKey()
	if err != nil {
		t.Fatal(err)
	}
	set, _ := keyset.NewSet(key)
	o := &op{t: t, set: set, codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", o.discovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/tenant", o.discovery)
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		o.jwksHits.Add(1)
		(&keyset.Handler{Set: o.set}).ServeHTTP(w, r)
	})
	mux.HandleFunc("POST /token", o.token)
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		h := o.userinfo
		o.mu.Unlock()
		h(w, r)
	})
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	o.meta = map[string]any{
		"issuer":                                o.URL,
		"authorization_endpoint":                o.URL + "/authorize",
		"token_endpoint":                        o.URL + "/token",
		"userinfo_endpoint":                     o.URL + "/userinfo",
		"jwks_uri":                              o.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256", "EdDSA", "none"},
	}
	o.claims = o.defaultClaims
	o.userinfo = func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at-1" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="op", error="invalid_token", error_description="token expired"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"sub":"alice","name":"Alice Liddell","email":"alice@example.com","email_verified":true,"locale":"en"}`)
	}
	return o
}

func (o *op) discovery(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(o.meta)
}

// defaultClaims are valid claims for client c1.
func (o *op) defaultClaims(nonce, accessToken string) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": o.URL, "sub": "alice", "aud": "c1", "exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(), "auth_time": now.Add(-time.Minute).Unix(), "nonce": nonce,
	}
	if accessToken != "" {
		h, _ := tokenHash(o.set.Active().Algorithm(), accessToken)
		c["at_hash"] = h
	}
	return c
}

// sign signs claims with the active key.
func (o *op) sign(claims any) string {
	o.t.Helper()
	tok, err := o.set.SignJWT(claims, "JWT")
	if err != nil {
		o.t.Fatal(err)
	}
	return tok
}

func (o *op) issueCode(code, nonce string) {
	o.mu.Lock()
	o.codes[code] = nonce
	o.mu.Unlock()
}

func (o *op) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	o.mu.Lock()
	nonce, ok := o.codes[r.PostForm.Get("code")]
	delete(o.codes, r.PostForm.Get("code"))
	o.lastForm = r.PostForm
	claims, noID := o.claims, o.noIDToken
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant"}`)
		return
	}
	resp := map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}
	if !noID {
		resp["id_token"] = o.sign(claims(nonce, "at-1"))
	}
	json.NewEncoder(w).Encode(resp)
}

func (o *op) setMeta(name string, v any) {
	o.mu.Lock()
	if v == nil {
		delete(o.meta, name)
	} else {
		o.meta[name] = v
	}
	o.mu.Unlock()
}

func (o *op) provider(t *testing.T) *Provider {
	t.Helper()
	p, err := Discover(bg, o.URL, ProviderConfig{HTTPClient: o.Client()})
	if err != nil {
		t.Fatalf("Discover: %v", err)
	}
	return p
}

func (o *op) client(t *testing.T, mutate func(*ClientConfig)) *Client {
	t.Helper()
	cfg := ClientConfig{OAuth2: oauth2.Config{ClientID: "c1", ClientSecret: "s1", RedirectURL: "https://rp.test/cb"}}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := NewClient(o.provider(t), cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
