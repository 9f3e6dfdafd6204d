package oauth2

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
)

// authServer is a small authorization server for the tests. It checks
// client authentication and PKCE the way the RFCs say and records what it
// received.
type authServer struct {
	*httptest.Server
	clientID, secret string
	clientKey        *keyset.Key // verifies private_key_jwt assertions

	mu          sync.Mutex
	codes       map[string]pendingCode
	refresh     map[string]bool
	tokenCalls  int
	lastForm    url.Values
	lastHeader  http.Header
	expiresIn   int
	noRefresh   bool          // do not issue refresh tokens
	omitScope   bool          // never send scope, as when it is as requested
	tokenDelay  chan struct{} // when set, token responses wait on it
	override    http.HandlerFunc
	revoked     []string
	resourceLog []*http.Request
}

type pendingCode struct {
	challenge, method, redirect string
}

func newAuthServer(t *testing.T) *authServer {
	s := &authServer{clientID: "c1", secret: "s1", codes: map[string]pendingCode{}, refresh: map[string]bool{}, expiresIn: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("POST /introspect", s.introspect)
	mux.HandleFunc("/resource", s.resource)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *authServer) config() Config {
	return Config{
		ClientID: s.clientID, ClientSecret: s.secret,
		AuthorizationEndpoint: s.URL + "/authorize",
		TokenEndpoint:         s.URL + "/token",
		RevocationEndpoint:    s.URL + "/revoke",
		IntrospectionEndpoint: s.URL + "/introspect",
		RedirectURL:           "https://client.test/cb",
		HTTPClient:            s.Client(),
	}
}

// addCode registers a code as the authorization endpoint would.
func (s *authServer) addCode(code, challenge, method string) {
	s.mu.Lock()
	s.codes[code] = pendingCode{challenge: challenge, method: method, redirect: "https://client.test/cb"}
	s.mu.Unlock()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (s *authServer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.mu.Lock()
	s.tokenCalls++
	s.lastForm, s.lastHeader = r.PostForm, r.Header.Clone()
	override, delay := s.override, s.tokenDelay
	s.mu.Unlock()
	if delay != nil {
		<-delay
	}
	if override != nil {
		override(w, r)
		return
	}
	if !s.authenticate(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, r)
	case "refresh_token":
		s.refreshGrant(w, r)
	case "client_credentials", "password", "urn:test:grant":
		s.issue(w, r.PostForm.Get("scope"), !s.noRefresh && r.PostForm.Get("grant_type") == "password")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "")
	}
}

// authenticate checks client credentials as RFC 6749 §2.3 and RFC 7523 say.
func (s *authServer) authenticate(r *http.Request) bool {
	if user, pass, ok := basicCredentials(r); ok {
		return user == s.clientID && pass == s.secret
	}
	f := r.PostForm
	switch {
	case f.Get("client_assertion") != "":
		return s.checkAssertion(r, f.Get("client_assertion"))
	case f.Has("client_secret"):
		return f.Get("client_id") == s.clientID && f.Get("client_secret") == s.secret
	}
	return f.Get("client_id") == "public"
}

// basicCredentials decodes the Authorization header, form-urldecoding each
// part (RFC 6749 §2.3.1).
func basicCredentials(r *http.Request) (string, string, bool) {
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return "", "", false
	}
	u, p, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", false
	}
	user, err1 := url.QueryUnescape(u)
	pass, err2 := url.QueryUnescape(p)
	return user, pass, err1 == nil && err2 == nil
}

func (s *authServer) checkAssertion(r *http.Request, jwt string) bool {
	if r.PostForm.Get("client_assertion_type") != clientAssertionType {
		return false
	}
	var v *keyset.Verified
	var err error
	if s.clientKey != nil {
		v, err = keyset.Verify(r.Context(), jwt, &keyset.JWKS{Keys: []keyset.PublicKey{s.clientKey.Public()}}, keyset.AsymmetricAlgorithms())
	} else {
		v, err = keyset.VerifyWithSecret(jwt, []byte(s.secret), []keyset.Algorithm{keyset.HS256, keyset.HS384, keyset.HS512})
	}
	if err != nil {
		return false
	}
	var c assertionClaims
	if json.Unmarshal(v.Payload, &c) != nil {
		return false
	}
	return c.Issuer == s.clientID && c.Subject == s.clientID && c.Audience == s.URL+"/token" &&
		c.JWTID != "" && c.Expiry > time.Now().Unix()
}

func (s *authServer) codeGrant(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	s.mu.Lock()
	pc, ok := s.codes[f.Get("code")]
	delete(s.codes, f.Get("code"))
	s.mu.Unlock()
	if !ok || f.Get("redirect_uri") != pc.redirect {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
		return
	}
	if pc.challenge != "" && CodeChallenge(pc.method, f.Get("code_verifier")) != pc.challenge {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	s.issue(w, "profile", !s.noRefresh)
}

func (s *authServer) refreshGrant(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	s.mu.Lock()
	ok := s.refresh[rt]
	delete(s.refresh, rt) // rotation
	s.mu.Unlock()
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
		return
	}
	s.issue(w, r.PostForm.Get("scope"), !s.noRefresh)
}

func (s *authServer) issue(w http.ResponseWriter, scope string, withRefresh bool) {
	s.mu.Lock()
	n := s.tokenCalls
	resp := map[string]any{"access_token": fmt.Sprintf("at-%d", n), "token_type": "Bearer", "expires_in": s.expiresIn}
	if withRefresh {
		rt := fmt.Sprintf("rt-%d", n)
		s.refresh[rt] = true
		resp["refresh_token"] = rt
	}
	s.mu.Unlock()
	if scope != "" && !s.omitScope {
		resp["scope"] = scope
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *authServer) revoke(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.mu.Lock()
	s.lastForm, s.lastHeader = r.PostForm, r.Header.Clone()
	s.mu.Unlock()
	if !s.authenticate(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	if r.PostForm.Get("token") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "token missing")
		return
	}
	if r.PostForm.Get("token_type_hint") == "mac" {
		oauthError(w, http.StatusBadRequest, "unsupported_token_type", "")
		return
	}
	s.mu.Lock()
	s.revoked = append(s.revoked, r.PostForm.Get("token"))
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *authServer) introspect(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	s.mu.Lock()
	s.lastForm, s.lastHeader = r.PostForm, r.Header.Clone()
	s.mu.Unlock()
	if !s.authenticate(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "")
		return
	}
	if r.PostForm.Get("token") != "at-live" {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active": true, "scope": "read write", "client_id": "c1", "username": "alice",
		"token_type": "Bearer", "exp": 1700003600, "iat": 1700000000, "nbf": 1700000000,
		"sub": "u-1", "aud": "https://api.test", "iss": "https://as.test", "jti": "j-1",
	})
}

// resource echoes where it found the token.
func (s *authServer) resource(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.resourceLog = append(s.resourceLog, r)
	s.mu.Unlock()
	found := tokenPlaces(r)
	if o := r.PostForm.Get("other"); o != "" {
		found = append(found, "other:"+o)
	}
	fmt.Fprint(w, strings.Join(found, " "))
}

// tokenPlaces lists where r carries an access token, as "header:...",
// "query:..." and "body:..."; a POST form is parsed into r.PostForm.
func tokenPlaces(r *http.Request) []string {
	var found []string
	if h := r.Header.Get("Authorization"); h != "" {
		found = append(found, "header:"+h)
	}
	if q := r.URL.Query().Get("access_token"); q != "" {
		found = append(found, "query:"+q)
	}
	if r.Method == http.MethodPost {
		r.ParseForm()
		if b := r.PostForm.Get("access_token"); b != "" {
			found = append(found, "body:"+b)
		}
	}
	return found
}

func (s *authServer) form() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastForm
}

func (s *authServer) header() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastHeader
}

func (s *authServer) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// clientWithToken returns a client holding a token that expires in expiresIn.
func clientWithToken(t *testing.T, srv *authServer, clk *authtest.Clock, tok *Token, mutate func(*Config)) *Client {
	t.Helper()
	cfg := srv.config()
	cfg.Now = clk.Now
	if mutate != nil {
		mutate(&cfg)
	}
	c := newClient(t, cfg)
	c.SetToken(tok)
	return c
}

var bg = context.Background()
