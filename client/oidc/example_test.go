package oidc_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"

	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/client/oidc"
	"github.com/grantry/grantry/keyset"
)

// An OpenID Connect login: discovery, the redirect, the callback with the
// ID token validated, then UserInfo.
func Example_login() {
	ctx := context.Background()
	op := newExampleOP()
	defer op.Close()

	provider, err := oidc.Discover(ctx, op.URL, oidc.ProviderConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rp, err := oidc.NewClient(provider, oidc.ClientConfig{OAuth2: oauth2.Config{
		ClientID:     "rp-1",
		ClientSecret: "rp-secret",
		RedirectURL:  "https://rp.example/cb",
		Scopes:       []string{"email"},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Send the user agent to ar.URL; keep ar in the user's session.
	ar, err := rp.AuthorizationURL()
	if err != nil {
		fmt.Println(err)
		return
	}

	// The user signs in at the provider and comes back.
	callback := op.signIn(ar.URL)

	login, err := rp.Callback(ctx, callback, ar)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("subject:", login.IDToken.Subject)

	info, err := rp.UserInfo(ctx, login.IDToken)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("email:", info.Email, info.EmailVerified)
	// Output:
	// subject: alice
	// email: alice@example.com true
}

// exampleOP is a minimal OpenID Provider with one user.
type exampleOP struct {
	*httptest.Server
	keys   *keyset.Set
	mu     sync.Mutex
	nonces map[string]string // code -> nonce
}

func newExampleOP() *exampleOP {
	key, _ := keyset.GenerateKey(keyset.ES256)
	set, _ := keyset.NewSet(key)
	op := &exampleOP{keys: set, nonces: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.Handle("GET /jwks", &keyset.Handler{Set: set})
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /userinfo", op.userinfo)
	op.Server = httptest.NewServer(mux)
	return op
}

func (op *exampleOP) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                op.URL,
		"authorization_endpoint":                op.URL + "/authorize",
		"token_endpoint":                        op.URL + "/token",
		"userinfo_endpoint":                     op.URL + "/userinfo",
		"jwks_uri":                              op.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
	})
}

// signIn plays the user agent through the provider's login and returns the
// query of the redirect back to the relying party.
func (op *exampleOP) signIn(authURL string) url.Values {
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return loc.Query()
}

func (op *exampleOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	op.mu.Lock()
	op.nonces["code-1"] = q.Get("nonce")
	op.mu.Unlock()
	back := url.Values{"code": {"code-1"}, "state": {q.Get("state")}}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+back.Encode(), http.StatusFound)
}

func (op *exampleOP) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	op.mu.Lock()
	nonce, ok := op.nonces[r.PostForm.Get("code")]
	delete(op.nonces, r.PostForm.Get("code"))
	op.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if id, secret, _ := r.BasicAuth(); !ok || id != "rp-1" || secret != "rp-secret" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_grant"}`)
		return
	}
	sum := sha256.Sum256([]byte("at-1")) // at_hash for ES256: left half of SHA-256
	now := time.Now()
	idToken, _ := op.keys.SignJWT(map[string]any{
		"iss": op.URL, "sub": "alice", "aud": "rp-1", "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"at_hash": base64.RawURLEncoding.EncodeToString(sum[:16]),
	}, "JWT")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken,
	})
}

func (op *exampleOP) userinfo(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer at-1" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"sub":"alice","email":"alice@example.com","email_verified":true}`)
}
