package oauth1_test

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/grantry/grantry/client/oauth1"
)

// provider is a small Twitter-style OAuth 1.0 server for the tests and
// examples. It checks HMAC-SHA1 signatures with its own base string code,
// written apart from the package's, on Go's own query and form parsing.
type provider struct {
	*httptest.Server
	key, secret string

	mu     sync.Mutex
	n      int
	temps  map[string]*tempGrant
	tokens map[string]string // token -> secret
}

type tempGrant struct{ secret, callback, verifier string }

func newProvider() *provider {
	p := &provider{key: "app-key", secret: "app-secret",
		temps: map[string]*tempGrant{}, tokens: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/request_token", p.requestToken)
	mux.HandleFunc("GET /oauth/authorize", p.authorize)
	mux.HandleFunc("POST /oauth/access_token", p.accessToken)
	mux.HandleFunc("/1.1/account/verify_credentials.json", p.protected(p.verifyCredentials))
	mux.HandleFunc("/echo", p.protected(echo))
	mux.HandleFunc("/moved", p.protected(func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		http.Redirect(w, r, "/echo?moved=yes", http.StatusFound)
	}))
	p.Server = httptest.NewServer(mux)
	return p
}

func (p *provider) endpoint() oauth1.Endpoint {
	return oauth1.Endpoint{
		TemporaryCredentialsURL: p.URL + "/oauth/request_token",
		AuthorizationURL:        p.URL + "/oauth/authorize",
		TokenURL:                p.URL + "/oauth/access_token",
	}
}

func (p *provider) next(prefix string) string {
	p.n++
	return fmt.Sprintf("%s-%d", prefix, p.n)
}

func (p *provider) requestToken(w http.ResponseWriter, r *http.Request) {
	params, err := verify(r, p.key, p.secret, "")
	if err != nil || params["oauth_callback"] == "" {
		http.Error(w, fmt.Sprintf("error=invalid_request&detail=%v", err), http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	tok, sec := p.next("temp"), p.next("temp-secret")
	p.temps[tok] = &tempGrant{secret: sec, callback: params["oauth_callback"]}
	p.mu.Unlock()
	fmt.Fprintf(w, "oauth_token=%s&oauth_token_secret=%s&oauth_callback_confirmed=true", tok, sec)
}

// authorize stands for the login and consent pages: Jane approves.
func (p *provider) authorize(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("oauth_token")
	p.mu.Lock()
	g := p.temps[tok]
	if g != nil {
		g.verifier = p.next("verifier")
	}
	p.mu.Unlock()
	if g == nil {
		http.Error(w, "unknown oauth_token", http.StatusBadRequest)
		return
	}
	q := url.Values{"oauth_token": {tok}, "oauth_verifier": {g.verifier}}
	http.Redirect(w, r, g.callback+"?"+q.Encode(), http.StatusFound)
}

func (p *provider) accessToken(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	params, _ := oauthParams(r)
	g := p.temps[params["oauth_token"]]
	if g == nil || g.verifier == "" || params["oauth_verifier"] != g.verifier {
		http.Error(w, "error=invalid_token", http.StatusUnauthorized)
		return
	}
	if _, err := verify(r, p.key, p.secret, g.secret); err != nil {
		http.Error(w, "error=invalid_signature", http.StatusUnauthorized)
		return
	}
	delete(p.temps, params["oauth_token"])
	tok, sec := p.next("token"), p.next("token-secret")
	p.tokens[tok] = sec
	fmt.Fprintf(w, "oauth_token=%s&oauth_token_secret=%s&user_id=42&screen_name=jane", tok, sec)
}

// protected verifies a request signed with token credentials.
func (p *provider) protected(h func(http.ResponseWriter, *http.Request, map[string]string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		params, _ := oauthParams(r)
		p.mu.Lock()
		sec, ok := p.tokens[params["oauth_token"]]
		p.mu.Unlock()
		if !ok {
			w.Header().Set("WWW-Authenticate", `OAuth realm="provider"`)
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		params, err := verify(r, p.key, p.secret, sec)
		if err != nil {
			http.Error(w, fmt.Sprintf(`{"error":%q}`, err), http.StatusUnauthorized)
			return
		}
		h(w, r, params)
	}
}

func (p *provider) verifyCredentials(w http.ResponseWriter, _ *http.Request, _ map[string]string) {
	fmt.Fprintln(w, `{"id":42,"screen_name":"jane"}`)
}

// echo reports what the server received, apart from protocol parameters.
func echo(w http.ResponseWriter, r *http.Request, params map[string]string) {
	strip := func(v url.Values) url.Values {
		out := url.Values{}
		for k, vs := range v {
			if !strings.HasPrefix(k, "oauth_") {
				out[k] = vs
			}
		}
		return out
	}
	json.NewEncoder(w).Encode(map[string]any{
		"method": r.Method, "query": strip(r.URL.Query()), "form": strip(r.PostForm),
		"placement": placementOf(r), "content_type": r.Header.Get("Content-Type"),
	})
}

func placementOf(r *http.Request) string {
	switch {
	case strings.HasPrefix(r.Header.Get("Authorization"), "OAuth "):
		return "header"
	case r.URL.Query().Has("oauth_signature"):
		return "query"
	case r.PostForm.Has("oauth_signature"):
		return "body"
	}
	return "none"
}

// oauthParams gathers the protocol parameters from the Authorization
// header, the query and a form body, refusing repeats.
func oauthParams(r *http.Request) (map[string]string, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	add := func(k, v string) error {
		if _, dup := out[k]; dup {
			return fmt.Errorf("%s repeated", k)
		}
		out[k] = v
		return nil
	}
	for _, kv := range headerParams(r.Header.Get("Authorization")) {
		if err := add(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	for _, v := range []url.Values{r.URL.Query(), r.PostForm} {
		for k, vs := range v {
			for _, x := range vs {
				if strings.HasPrefix(k, "oauth_") {
					if err := add(k, x); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return out, nil
}

// headerParams parses an OAuth Authorization header into decoded pairs.
func headerParams(h string) [][2]string {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil
	}
	var out [][2]string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		k, _ = url.PathUnescape(k)
		v, _ = url.PathUnescape(strings.Trim(v, `"`))
		out = append(out, [2]string{k, v})
	}
	return out
}

// verify checks an HMAC-SHA1 signature (RFC 5849 §3.4.2) and returns the
// protocol parameters.
func verify(r *http.Request, key, clientSecret, tokenSecret string) (map[string]string, error) {
	params, err := oauthParams(r)
	if err != nil {
		return nil, err
	}
	if params["oauth_consumer_key"] != key || params["oauth_signature_method"] != "HMAC-SHA1" {
		return nil, errors.New("wrong consumer key or method")
	}
	enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	var pairs [][2]string
	all := []url.Values{r.URL.Query(), r.PostForm, {}}
	for _, kv := range headerParams(r.Header.Get("Authorization")) {
		all[2].Add(kv[0], kv[1])
	}
	for _, v := range all {
		for k, vs := range v {
			for _, x := range vs {
				if k != "oauth_signature" && k != "realm" {
					pairs = append(pairs, [2]string{enc(k), enc(x)})
				}
			}
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int {
		return cmp.Or(strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	joined := make([]string, len(pairs))
	for i, kv := range pairs {
		joined[i] = kv[0] + "=" + kv[1]
	}
	base := r.Method + "&" + enc("http://"+r.Host+r.URL.EscapedPath()) + "&" + enc(strings.Join(joined, "&"))
	mac := hmac.New(sha1.New, []byte(enc(clientSecret)+"&"+enc(tokenSecret)))
	mac.Write([]byte(base))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(params["oauth_signature"])) {
		return nil, fmt.Errorf("bad signature over %s", base)
	}
	return params, nil
}

// visit follows the authorization URL as the user's browser would, up to
// the redirect back to the client's callback, and returns the callback.
func visit(authURL string) (*url.URL, error) {
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := browser.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("authorization page answered %s", resp.Status)
	}
	return url.Parse(resp.Header.Get("Location"))
}

// issue makes token credentials directly, for tests that skip the flow.
func (p *provider) issue() oauth1.Credentials {
	p.mu.Lock()
	defer p.mu.Unlock()
	tok, sec := p.next("token"), p.next("token-secret")
	p.tokens[tok] = sec
	return oauth1.Credentials{Token: tok, Secret: sec}
}

// withRedirect307 adds a route that sends any request on to /echo with a
// 307, which makes the client send the body again.
func (p *provider) withRedirect307() {
	mux := p.Config.Handler.(*http.ServeMux)
	mux.HandleFunc("/moved307", p.protected(func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		http.Redirect(w, r, "/echo?moved=307", http.StatusTemporaryRedirect)
	}))
}
