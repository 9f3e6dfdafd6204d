package par_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

const (
	cbURI = "https://client.test/cb"
	// RFC 7636 Appendix B.
	challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

var start = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// fixture is an authorization server with the code grant, PKCE required
// for public clients, and the endpoint mounted at /par; its /authorize
// approves every valid request for user alice.
type fixture struct {
	t     *testing.T
	store *memstore.Store
	srv   *authserver.Server
	clock *authtest.Clock
	mux   *http.ServeMux
	par   *par.Endpoint
}

func newFixture(t *testing.T, cfg par.Config, edits ...func(*authserver.Config, []*storage.Client)) *fixture {
	t.Helper()
	f := &fixture{t: t, store: memstore.New(), clock: authtest.NewClock(start), mux: http.NewServeMux()}
	code := []grantry.GrantType{grantry.GrantAuthorizationCode}
	rts := []grantry.ResponseType{grantry.ResponseCode}
	var clients []*storage.Client
	for _, c := range []*storage.Client{
		{ID: "c1", SecretHash: secret.HashSecret("s1"), RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile", "email"}, GrantTypes: code, ResponseTypes: rts},
		{ID: "c2", SecretHash: secret.HashSecret("s2"), RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile"}, GrantTypes: code, ResponseTypes: rts},
		{ID: "post1", SecretHash: secret.HashSecret("s4"), AuthMethod: grantry.AuthClientSecretPost, RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile"}, GrantTypes: code, ResponseTypes: rts},
		{ID: "p1", AuthMethod: grantry.AuthNone, RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile"}, GrantTypes: code, ResponseTypes: rts},
		{ID: "must", SecretHash: secret.HashSecret("s3"), RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile"}, GrantTypes: code, ResponseTypes: rts,
			RequirePushedAuthorizationRequests: true},
	} {
		clients = append(clients, c)
	}
	acfg := authserver.Config{
		Issuer: "https://as.test", Clients: f.store, Tokens: f.store, Now: f.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	for _, edit := range edits {
		edit(&acfg, clients)
	}
	for _, c := range clients {
		if err := f.store.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := authserver.New(acfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterResponseType(authcode.New(f.store, authcode.Config{}))
	srv.RegisterExtension(pkce.New(pkce.Config{}))
	f.srv = srv
	f.par = par.New(srv, f.store, cfg)
	f.mux.Handle("/par", srv.Mount(f.par))
	f.mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		req, err := srv.ValidateAuthorizationRequest(r)
		if err != nil {
			srv.WriteError(w, r, err)
			return
		}
		srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
	})
	return f
}

// push posts form to /par with Basic credentials when user is set.
func (f *fixture) push(user, pass string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/par", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		r.SetBasicAuth(user, pass)
	}
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w
}

// pushed pushes form for c1 and returns the request_uri, failing unless
// the answer is 201.
func (f *fixture) pushed(user, pass string, form url.Values) string {
	f.t.Helper()
	w := f.push(user, pass, form)
	if w.Code != http.StatusCreated {
		f.t.Fatalf("push: got status %d (%s), want 201", w.Code, w.Body)
	}
	var body struct {
		RequestURI string `json:"request_uri"`
		ExpiresIn  int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		f.t.Fatalf("push: %v", err)
	}
	return body.RequestURI
}

// authorize sends a GET to /authorize with query.
func (f *fixture) authorize(query url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/authorize?"+query.Encode(), nil))
	return w
}

// redirected returns the query of the redirect w answers, failing unless
// it is one to the client.
func redirected(t *testing.T, w *httptest.ResponseRecorder) url.Values {
	t.Helper()
	loc := w.Header().Get("Location")
	if w.Code != http.StatusFound || !strings.HasPrefix(loc, cbURI+"?") {
		t.Fatalf("got status %d, Location %q (%s), want a redirect to the client", w.Code, loc, w.Body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// jsonError checks that w is a JSON error with status and code and no
// redirect.
func jsonError(t *testing.T, w *httptest.ResponseRecorder, status int, code grantry.ErrorCode) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status: got %d (%s), want %d", w.Code, w.Body, status)
	}
	if loc := w.Header().Get("Location"); loc != "" {
		t.Errorf("Location: got %q, want none", loc)
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if body.Error != string(code) {
		t.Errorf("error: got %q, want %q", body.Error, code)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
}

// codeRequest is a valid authorization request of c1.
func codeRequest() url.Values {
	return url.Values{"response_type": {"code"}, "redirect_uri": {cbURI}, "scope": {"profile"}, "state": {"pushed-state"}}
}

// authorizeMethod sends a request without a body to target.
func (f *fixture) authorizeMethod(method, target string) *httptest.ResponseRecorder {
	f.t.Helper()
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

func secretDigest(s string) string { return secret.Digest(s) }

// redirectedError checks that w redirects to the client with error code
// and state, and no code.
func redirectedError(t *testing.T, w *httptest.ResponseRecorder, code grantry.ErrorCode, state string) {
	t.Helper()
	q := redirected(t, w)
	if q.Get("error") != string(code) || q.Get("state") != state || q.Get("code") != "" {
		t.Errorf("got %v, want error %s, state %q and no code", q, code, state)
	}
}
