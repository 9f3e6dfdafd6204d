package client_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/grantry/grantry/keyset"
)

// provider is an in-process provider for the tests and examples: an
// OAuth 2.0 authorization server with PKCE and rotating refresh tokens, an
// OpenID Provider with discovery (when it has a key), a GitHub-style user
// API, and a Twitter-style OAuth 1.0 server. It approves every
// authorization at once for the user alice (42, "octocat" on the OAuth 2.0
// API, "twitterapi" on the OAuth 1.0 one). Its client is "app" with the
// secret "secret". Its OAuth 1.0 side checks the protocol parameters, not
// the signatures, which the interoperability tests leave to Authlib.
type provider struct {
	*httptest.Server
	key *keyset.Key // signs ID tokens; nil for a plain OAuth 2.0 provider

	mu sync.Mutex
	// Knobs set by the tests.
	deny        string                      // error code the authorization endpoint answers
	idClaims    func(map[string]any)        // changes the ID token claims
	tokenFilter func(map[string]any)        // changes the token response
	expiresIn   int                         // access token lifetime, 3600 when 0
	userinfo    func(user string) any       // the UserInfo document
	onToken     func(form url.Values) error // refuses token requests
	// What it saw and issued.
	lastAuthorize url.Values
	lastToken     url.Values
	lastInitiate  url.Values // query of the last temporary credentials request
	metaHits      int
	refreshes     int
	codes         map[string]codeGrant
	access        map[string]string // access token -> user
	refresh       map[string]bool   // refresh token -> used
	temp          map[string]string // OAuth 1.0 temporary token -> callback
	verifiers     map[string]string // OAuth 1.0 temporary token -> verifier
	creds         map[string]bool   // OAuth 1.0 token credentials
	n             int
}

type codeGrant struct {
	redirectURI, challenge, nonce, scope string
}

// newProvider starts a provider; with an OpenID Connect signing key when
// openID is set.
func newProvider(openID bool) *provider {
	p := &provider{codes: map[string]codeGrant{}, access: map[string]string{}, refresh: map[string]bool{},
		temp: map[string]string{}, verifiers: map[string]string{}, creds: map[string]bool{}}
	if openID {
		key, err := keyset.GenerateKey(keyset.ES256)
		if err != nil {
			panic(err)
		}
		p.key = key
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.bearer(p.userInfo))
	mux.HandleFunc("GET /api/user", p.bearer(p.githubUser))
	mux.HandleFunc("/api/echo/", p.bearer(p.echo))
	mux.HandleFunc("POST /oauth/request_token", p.requestToken)
	mux.HandleFunc("GET /oauth/authenticate", p.authenticate)
	mux.HandleFunc("POST /oauth/access_token", p.accessToken)
	mux.HandleFunc("GET /1.1/account/verify_credentials.json", p.verifyCredentials)
	p.Server = httptest.NewServer(mux)
	return p
}

func (p *provider) next(prefix string) string {
	p.n++
	return fmt.Sprintf("%s-%d", prefix, p.n)
}

func (p *provider) discovery(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.metaHits++
	p.mu.Unlock()
	if p.key == nil {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
		"userinfo_endpoint": p.URL + "/userinfo", "jwks_uri": p.URL + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{string(p.key.Algorithm())},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (p *provider) jwks(w http.ResponseWriter, r *http.Request) {
	set, _ := keyset.NewSet(p.key)
	(&keyset.Handler{Set: set}).ServeHTTP(w, r)
}

// authorize approves at once, or answers p.deny (RFC 6749 §4.1.2).
func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastAuthorize = q
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != "app" || q.Get("response_type") != "code" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	answer := url.Values{"state": {q.Get("state")}}
	if p.deny != "" {
		answer.Set("error", p.deny)
		answer.Set("error_description", "alice said no")
	} else {
		code := p.next("code")
		p.codes[code] = codeGrant{back.String(), q.Get("code_challenge"), q.Get("nonce"), q.Get("scope")}
		answer.Set("code", code)
	}
	back.RawQuery = answer.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token serves the authorization code and refresh token grants for the
// client "app", authenticated by client_secret_basic or _post.
func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastToken = r.PostForm
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != "app" || secret != "secret" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if p.onToken != nil {
		if err := p.onToken(r.PostForm); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		p.redeem(w, r.PostForm)
	case "refresh_token":
		p.refreshGrant(w, r.PostForm)
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
	}
}

// redeem checks the code, the redirect URI and the PKCE verifier.
func (p *provider) redeem(w http.ResponseWriter, form url.Values) {
	g, ok := p.codes[form.Get("code")]
	delete(p.codes, form.Get("code"))
	sum := sha256.Sum256([]byte(form.Get("code_verifier")))
	if !ok || g.redirectURI != form.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	p.issue(w, g.scope, g.nonce)
}

// refreshGrant rotates the refresh token; a used one is refused.
func (p *provider) refreshGrant(w http.ResponseWriter, form url.Values) {
	used, ok := p.refresh[form.Get("refresh_token")]
	if !ok || used {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	p.refresh[form.Get("refresh_token")] = true
	p.refreshes++
	p.issue(w, "", "")
}

func (p *provider) issue(w http.ResponseWriter, scope, nonce string) {
	at, rt := p.next("at"), p.next("rt")
	p.access[at], p.refresh[rt] = "alice", false
	expiresIn := p.expiresIn
	if expiresIn == 0 {
		expiresIn = 3600
	}
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": expiresIn, "refresh_token": rt}
	if scope != "" {
		resp["scope"] = scope
	}
	if p.key != nil && strings.Contains(" "+scope+" ", " openid ") {
		resp["id_token"] = p.idToken(nonce)
	}
	if p.tokenFilter != nil {
		p.tokenFilter(resp)
	}
	writeJSON(w, http.StatusOK, resp)
}

func (p *provider) idToken(nonce string) string {
	now := time.Now()
	claims := map[string]any{"iss": p.URL, "sub": "alice", "aud": "app", "nonce": nonce,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if p.idClaims != nil {
		p.idClaims(claims)
	}
	jwt, err := p.key.SignJWT(claims, "JWT")
	if err != nil {
		panic(err)
	}
	return jwt
}

// bearer serves h to requests with a valid bearer token (RFC 6750 §2.1).
func (p *provider) bearer(h func(w http.ResponseWriter, r *http.Request, user string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok == "" {
			tok = r.URL.Query().Get("access_token")
		}
		p.mu.Lock()
		user, ok := p.access[tok]
		p.mu.Unlock()
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h(w, r, user)
	}
}

func (p *provider) userInfo(w http.ResponseWriter, _ *http.Request, user string) {
	p.mu.Lock()
	doc := p.userinfo
	p.mu.Unlock()
	if doc != nil {
		writeJSON(w, http.StatusOK, doc(user))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": user, "name": "Alice Liddell", "email": "alice@example.com"})
}

// githubUser is a user document without sub, as GitHub's /user.
func (p *provider) githubUser(w http.ResponseWriter, _ *http.Request, _ string) {
	writeJSON(w, http.StatusOK, map[string]any{"id": 42, "login": "octocat", "name": "The Octocat"})
}

// echo answers what it received.
func (p *provider) echo(w http.ResponseWriter, r *http.Request, user string) {
	r.ParseForm()
	writeJSON(w, http.StatusOK, map[string]any{
		"method": r.Method, "path": r.URL.Path, "user": user, "query": r.URL.Query(), "form": r.PostForm,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// oauthParams returns the parameters of an OAuth Authorization header
// (RFC 5849 §3.5.1).
func oauthParams(r *http.Request) url.Values {
	v := url.Values{}
	h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "OAuth ")
	if !ok {
		return v
	}
	for _, part := range strings.Split(h, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		value, _ = url.PathUnescape(strings.Trim(value, `"`))
		v.Set(name, value)
	}
	return v
}

// requestToken issues temporary credentials (RFC 5849 §2.1).
func (p *provider) requestToken(w http.ResponseWriter, r *http.Request) {
	o := oauthParams(r)
	if o.Get("oauth_consumer_key") != "app" || o.Get("oauth_signature") == "" || o.Get("oauth_callback") == "" {
		http.Error(w, "oauth_problem=parameter_absent", http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastInitiate = r.URL.Query()
	tok := p.next("temp")
	p.temp[tok] = o.Get("oauth_callback")
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	fmt.Fprintf(w, "oauth_token=%s&oauth_token_secret=%s-secret&oauth_callback_confirmed=true", tok, tok)
}

// authenticate approves at once, or answers denied=TOKEN as Twitter does.
func (p *provider) authenticate(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("oauth_token")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastAuthorize = r.URL.Query()
	back, err := url.Parse(p.temp[tok])
	if err != nil || p.temp[tok] == "" {
		http.Error(w, "unknown request token", http.StatusBadRequest)
		return
	}
	q := back.Query()
	if p.deny != "" {
		q.Set("denied", tok)
	} else {
		p.verifiers[tok] = p.next("verifier")
		q.Set("oauth_token", tok)
		q.Set("oauth_verifier", p.verifiers[tok])
	}
	back.RawQuery = q.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// accessToken exchanges verified temporary credentials for token
// credentials (RFC 5849 §2.3), once.
func (p *provider) accessToken(w http.ResponseWriter, r *http.Request) {
	o := oauthParams(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	tok := o.Get("oauth_token")
	if v := p.verifiers[tok]; v == "" || v != o.Get("oauth_verifier") {
		http.Error(w, "oauth_problem=verifier_invalid", http.StatusUnauthorized)
		return
	}
	delete(p.verifiers, tok)
	cred := p.next("token")
	p.creds[cred] = true
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
	fmt.Fprintf(w, "oauth_token=%s&oauth_token_secret=%s-secret&user_id=7&screen_name=twitterapi", cred, cred)
}

// verifyCredentials is a protected resource of the OAuth 1.0 side.
func (p *provider) verifyCredentials(w http.ResponseWriter, r *http.Request) {
	o := oauthParams(r)
	p.mu.Lock()
	ok := p.creds[o.Get("oauth_token")]
	p.mu.Unlock()
	if !ok || o.Get("oauth_signature") == "" {
		http.Error(w, "oauth_problem=token_rejected", http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": 7, "screen_name": "twitterapi", "name": "Twitter API"})
}

// set changes the provider's knobs under its lock.
func (p *provider) set(f func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// seen reads what the provider recorded under its lock.
func seen[T any](p *provider, f func(p *provider) T) T {
	p.mu.Lock()
	defer p.mu.Unlock()
	return f(p)
}
