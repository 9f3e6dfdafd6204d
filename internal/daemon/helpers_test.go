package daemon

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// Fixtures of every harness.
const (
	testUser     = "alice"
	testPassword = "correct horse battery"
	testClient   = "web"
	testCallback = "http://127.0.0.1:9/cb"
)

// testConfig returns the serve configuration with every default, changed
// by the given options.
func testConfig(t *testing.T, opts ...func(*serveConfig)) *serveConfig {
	t.Helper()
	cfg := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	cfg.db = "memory:"
	for _, o := range opts {
		o(cfg)
	}
	return cfg
}

// harness is a running server over a memory store holding one user and one
// confidential client.
type harness struct {
	t      *testing.T
	app    *app
	srv    *httptest.Server
	store  *memstore.Store
	secret string // of testClient
	userID string
}

func newHarness(t *testing.T, opts ...func(*serveConfig)) *harness {
	t.Helper()
	store := memstore.New()
	return newHarnessOn(t, store, memoryBackend(store), opts...)
}

// newHarnessOn is newHarness over a backend whose clients and users are
// kept by store.
func newHarnessOn(t *testing.T, store *memstore.Store, b *backend, opts ...func(*serveConfig)) *harness {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	opts = append([]func(*serveConfig){func(c *serveConfig) {
		c.Issuer = "http://" + srv.Listener.Addr().String()
		c.InsecureDev = true
	}}, opts...)
	cfg := testConfig(t, opts...)
	a, err := newApp(t.Context(), cfg, b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	srv.Config.Handler = a.handler()
	srv.Start()
	t.Cleanup(srv.Close)
	h := &harness{t: t, app: a, srv: srv, store: store}
	h.userID = h.addUser(testUser, testPassword)
	h.secret = h.addClient(testClient, "Web App", grantry.AuthClientSecretBasic, testCallback)
	return h
}

func (h *harness) addUser(name, pw string) string {
	h.t.Helper()
	u := &storage.User{ID: "id-" + name, Username: name, PasswordHash: secret.HashSecret(pw), CreatedAt: time.Now()} // argon2id is tested in users_test.go; sha256 keeps these tests fast
	if err := h.store.CreateUser(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	return u.ID
}

// addClient registers a client with the code and refresh grants and the
// scope "profile email"; it returns the secret, "" for a public client.
func (h *harness) addClient(id, name string, method grantry.AuthMethod, redirect string) string {
	h.t.Helper()
	c := &storage.Client{
		ID: id, Name: name, AuthMethod: method, RedirectURIs: []string{redirect},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantClientCredentials},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
		Scope:         grantry.MustParseScope("profile email"),
	}
	var sec string
	if method != grantry.AuthNone {
		sec = secret.Token()
		c.SecretHash = secret.HashSecret(sec)
	}
	if err := h.store.CreateClient(context.Background(), c); err != nil {
		h.t.Fatal(err)
	}
	return sec
}

// browser returns an HTTP client that keeps cookies and does not follow
// redirects, so that each step can be checked.
func (h *harness) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// response is a read response.
type response struct {
	status int
	header http.Header
	body   string
}

func (r response) location(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(r.header.Get("Location"))
	if err != nil || r.header.Get("Location") == "" {
		t.Fatalf("Location = %q, want a URL (status %d)", r.header.Get("Location"), r.status)
	}
	return u
}

func do(t *testing.T, c *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (h *harness) get(c *http.Client, path string) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.url(path), nil)
	return do(h.t, c, req)
}

func (h *harness) post(c *http.Client, path string, form url.Values) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(h.t, c, req)
}

func (h *harness) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return h.srv.URL + path
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the first form of a page.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", body)
	}
	return m[1]
}

// authorizePath is an authorization request of testClient.
func authorizePath(extra ...string) string {
	v := url.Values{"response_type": {"code"}, "client_id": {testClient}, "redirect_uri": {testCallback}, "scope": {"profile"}, "state": {"st4te"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return "/authorize?" + v.Encode()
}

// signIn runs the sign-in form for the authorization request at path and
// returns the response to the sign-in POST.
func (h *harness) signIn(c *http.Client, path, user, pw string) response {
	h.t.Helper()
	r := h.get(c, path)
	if r.status != http.StatusSeeOther {
		h.t.Fatalf("GET %s while signed out: status %d, want 303", path, r.status)
	}
	login := h.get(c, r.header.Get("Location"))
	if login.status != http.StatusOK {
		h.t.Fatalf("GET sign-in page: status %d, want 200", login.status)
	}
	return h.post(c, "/login", url.Values{
		"csrf": {csrfOf(h.t, login.body)}, "username": {user}, "password": {pw},
		"return": {r.location(h.t).Query().Get("return")},
	})
}

// consentPage signs in and returns the consent page of path.
func (h *harness) consentPage(c *http.Client, path string) response {
	h.t.Helper()
	r := h.signIn(c, path, testUser, testPassword)
	if r.status != http.StatusSeeOther {
		h.t.Fatalf("sign-in: status %d, want 303; body:\n%s", r.status, r.body)
	}
	page := h.get(c, r.header.Get("Location"))
	if page.status != http.StatusOK {
		h.t.Fatalf("consent page: status %d, want 200; body:\n%s", page.status, page.body)
	}
	return page
}

// adminGet sends a GET to the admin listener's routes.
func (h *harness) adminGet(path string) response {
	h.t.Helper()
	w := httptest.NewRecorder()
	h.app.adminHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return response{w.Code, w.Header(), w.Body.String()}
}
