package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/client"
)

// rp is a web app that logs its users in through a Registry, as the
// package's users write one: GET /login/{app} starts a login and GET
// /callback/{app} completes it, recording the outcome.
type rp struct {
	*httptest.Server
	reg     *client.Registry
	results chan result
}

// result is the outcome of one callback.
type result struct {
	login *client.Login
	err   error
}

func newRP(t *testing.T, cfg client.RegistryConfig) *rp {
	t.Helper()
	app := &rp{reg: client.NewRegistry(cfg), results: make(chan result, 8)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/{app}", app.login)
	mux.HandleFunc("GET /callback/{app}", app.callback)
	app.Server = httptest.NewServer(mux)
	t.Cleanup(app.Close)
	return app
}

// redirectURI is the callback of the app name.
func (p *rp) redirectURI(name string) string { return p.URL + "/callback/" + name }

func (p *rp) login(w http.ResponseWriter, r *http.Request) {
	app := p.reg.App(r.PathValue("app"))
	if app == nil {
		http.NotFound(w, r)
		return
	}
	if err := app.AuthorizeRedirect(w, r, p.redirectURI(app.Name())); err != nil {
		http.Error(w, "login: "+err.Error(), http.StatusBadGateway)
	}
}

func (p *rp) callback(w http.ResponseWriter, r *http.Request) {
	app := p.reg.App(r.PathValue("app"))
	if app == nil {
		http.NotFound(w, r)
		return
	}
	login, err := app.AuthorizeAccessToken(w, r)
	p.results <- result{login, err}
	if err != nil {
		http.Error(w, "callback: "+err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprint(w, "welcome")
}

// browser is a user agent: it keeps cookies, follows redirects, and
// trusts the certificates in roots besides the system's.
type browser struct {
	*http.Client
}

func newBrowser(t *testing.T, roots *x509.CertPool) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &browser{&http.Client{Jar: jar, Transport: tr, Timeout: 20 * time.Second}}
}

// visit GETs u, following redirects, and returns the final URL, status
// and body.
func (b *browser) visit(t *testing.T, u string) (string, int, string) {
	t.Helper()
	resp, err := b.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.Request.URL.String(), resp.StatusCode, string(body)
}

// logIn runs a whole login with the app name in b and returns what the
// callback got.
func (p *rp) logIn(t *testing.T, b *browser, name string) result {
	t.Helper()
	final, status, body := b.visit(t, p.URL+"/login/"+name)
	select {
	case res := <-p.results:
		return res
	default:
	}
	t.Fatalf("login with %s never reached the callback: ended at %s with %d %q", name, final, status, strings.TrimSpace(body))
	return result{}
}

// mustLogIn runs a login that must succeed.
func (p *rp) mustLogIn(t *testing.T, b *browser, name string) *client.Login {
	t.Helper()
	res := p.logIn(t, b, name)
	if res.err != nil {
		t.Fatalf("login with %s: %v", name, res.err)
	}
	return res.login
}

// tokenStore is what a web app keeps: each user's token, per app. The
// user is named by the X-User header of the incoming request.
type tokenStore struct {
	mu      sync.Mutex
	tokens  map[string]*client.Token // by "app/user"
	updates []tokenUpdate
}

type tokenUpdate struct {
	app, oldRefresh string
	tok             *client.Token
}

func newTokenStore() *tokenStore { return &tokenStore{tokens: map[string]*client.Token{}} }

func (s *tokenStore) put(app, user string, tok *client.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[app+"/"+user] = tok
}

func (s *tokenStore) get(app, user string) *client.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[app+"/"+user]
}

// fetch is a RegistryConfig.FetchToken.
func (s *tokenStore) fetch(_ context.Context, app string, r *http.Request) (*client.Token, error) {
	return s.get(app, r.Header.Get("X-User")), nil
}

// update is a RegistryConfig.UpdateToken: it replaces the token whose
// refresh token was used.
func (s *tokenStore) update(_ context.Context, app string, tok *client.Token, oldRefresh string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, tokenUpdate{app, oldRefresh, tok})
	for k, t := range s.tokens {
		if strings.HasPrefix(k, app+"/") && t.OAuth2 != nil && t.OAuth2.RefreshToken == oldRefresh {
			s.tokens[k] = tok
		}
	}
	return nil
}

func (s *tokenStore) updated() []tokenUpdate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]tokenUpdate(nil), s.updates...)
}

// userRequest is an incoming request of user, as a handler sees it.
func userRequest(user string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("X-User", user)
	return r
}
