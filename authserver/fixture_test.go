package authserver_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// The setup of ACCEPTANCE.md, and the further clients the tables need.
const (
	testIssuer = "https://as.test"
	cbURI      = "https://client.test/cb"

	// RFC 7636 Appendix B.
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

	ticketGrantType grantry.GrantType = "urn:example:grant-type:ticket"
)

// fixStart is the server's time when a test starts.
var fixStart = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// clientSecrets holds the client secrets, by client ID.
var clientSecrets = map[string]string{
	"c1":    "s1",
	"cc1":   "cc-secret",
	"pw1":   "pw-secret",
	"multi": "multi-secret",
	"post1": "post-secret",
	"a-b:c": "s&c:r+t ü",
	"q1":    "q-secret",
	"http1": "http-secret",
	"tk1":   "tk-secret",
	"wide1": "wide-secret",
}

// unsafeRedirects are redirect URIs that clients registered but that the
// server must never redirect to, by client ID: schemes that run code,
// fragments (RFC 6749 §3.1.2) and user information.
var unsafeRedirects = map[string]string{
	"js1":   "javascript:alert(1)",
	"js2":   "JavaScript://x",
	"data1": "data:text/html,x",
	"frag1": cbURI + "#f",
	"frag2": cbURI + "#",
	"user1": "https://user@client.test/cb",
}

var (
	codeRefresh = []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken}
	codeOnly    = []grantry.ResponseType{grantry.ResponseCode}
)

func testClients() []*storage.Client {
	conf := func(id string, c storage.Client) *storage.Client {
		c.ID, c.SecretHash = id, secret.HashSecret(clientSecrets[id])
		return &c
	}
	clients := []*storage.Client{
		conf("c1", storage.Client{
			RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile", "email"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		}),
		{
			ID: "p1", AuthMethod: grantry.AuthNone,
			RedirectURIs: []string{cbURI}, Scope: grantry.Scope{"profile", "email"},
			GrantTypes:    codeRefresh,
			ResponseTypes: []grantry.ResponseType{grantry.ResponseCode, grantry.ResponseToken},
		},
		// A client that may not use response_type=code (ACCEPTANCE 5) and
		// holds refresh_token, which client_credentials must still not issue.
		conf("cc1", storage.Client{
			RedirectURIs: []string{"https://cc.test/cb"}, Scope: grantry.Scope{"read", "write"},
			GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials, grantry.GrantRefreshToken},
		}),
		conf("pw1", storage.Client{
			Scope:      grantry.Scope{"profile", "email"},
			GrantTypes: []grantry.GrantType{grantry.GrantPassword, grantry.GrantRefreshToken},
		}),
		conf("multi", storage.Client{
			RedirectURIs: []string{"https://multi.test/a", "https://multi.test/b"}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		}),
		conf("post1", storage.Client{
			AuthMethod:   grantry.AuthClientSecretPost,
			RedirectURIs: []string{"https://post.test/cb"}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		}),
		// RFC 6749 §2.3.1 form-urlencodes the Basic credentials (ACCEPTANCE 12a).
		conf("a-b:c", storage.Client{
			Scope:      grantry.Scope{"read"},
			GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
		}),
		// A native app on a loopback port (RFC 8252 §7.3).
		{
			ID: "loop1", AuthMethod: grantry.AuthNone,
			RedirectURIs: []string{"http://127.0.0.1/cb"}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		},
		conf("q1", storage.Client{
			RedirectURIs: []string{"https://query.test/cb?tenant=7"}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		}),
		conf("http1", storage.Client{
			RedirectURIs: []string{"http://client.test/cb"}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		}),
		conf("tk1", storage.Client{
			Scope:      grantry.Scope{"read"},
			GrantTypes: []grantry.GrantType{ticketGrantType},
		}),
		// A native app on localhost (RFC 8252 §8.3).
		{
			ID: "lh1", AuthMethod: grantry.AuthNone,
			RedirectURIs: []string{"http://localhost/cb"}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		},
		// A client that may hold a scope the server does not know.
		conf("wide1", storage.Client{
			RedirectURIs: []string{"https://wide.test/cb"}, Scope: grantry.Scope{"profile", "admin"},
			GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantClientCredentials},
			ResponseTypes: codeOnly,
		}),
	}
	for id, uri := range unsafeRedirects {
		clients = append(clients, &storage.Client{
			ID: id, AuthMethod: grantry.AuthNone, RedirectURIs: []string{uri}, Scope: grantry.Scope{"profile"},
			GrantTypes: codeRefresh, ResponseTypes: codeOnly,
		})
	}
	return clients
}

// pwUsers is the password grant's Authenticator.
type pwUsers map[string]string

func (u pwUsers) AuthenticateUser(_ context.Context, name, pw string) (string, error) {
	if want, ok := u[name]; ok && want == pw {
		return "user-" + name, nil
	}
	return "", password.ErrInvalidCredentials
}

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fixtureSetup is what a test may change before the server is built.
type fixtureSetup struct {
	Config authserver.Config
	// Codes is the authorization code store; nil means the memstore.
	Codes storage.CodeStore
	PKCE  pkce.Config
	// Extensions are registered after PKCE.
	Extensions []authserver.Extension
	// CodeAuthMethods overrides the code grant's methods.
	CodeAuthMethods []grantry.AuthMethod
}

type fixture struct {
	store *memstore.Store
	srv   *authserver.Server
	clock *authtest.Clock
	logs  *lockedBuffer
}

// newFixture builds the ACCEPTANCE.md server over a fresh memstore: the
// code grant (basic, post, none) with PKCE required for public clients
// and plain allowed (ACCEPTANCE 20 exercises it), implicit, password,
// client credentials and refresh.
func newFixture(t *testing.T, edits ...func(*fixtureSetup)) *fixture {
	t.Helper()
	store := memstore.New()
	for _, c := range testClients() {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatalf("CreateClient(%s): %v", c.ID, err)
		}
	}
	f := &fixture{store: store, clock: authtest.NewClock(fixStart), logs: &lockedBuffer{}}
	s := &fixtureSetup{Config: authserver.Config{
		Issuer:  testIssuer,
		Clients: store,
		Tokens:  store,
		Scopes:  grantry.Scope{"profile", "email", "read", "write"},
		Now:     f.clock.Now,
		Logger:  slog.New(slog.NewTextHandler(f.logs, nil)),
	}, PKCE: pkce.Config{AllowPlain: true}}
	for _, e := range edits {
		e(s)
	}
	srv, err := authserver.New(s.Config)
	if err != nil {
		t.Fatalf("authserver.New: %v", err)
	}
	codes := s.Codes
	if codes == nil {
		codes = store
	}
	code := authcode.New(codes, authcode.Config{AuthMethods: s.CodeAuthMethods})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterResponseType(implicit.New())
	srv.RegisterGrant(password.New(pwUsers{"alice": "wonderland"}, password.Config{}))
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	finder, ok := s.Config.Tokens.(storage.TokenFinder)
	if !ok {
		finder = store
	}
	srv.RegisterGrant(refresh.New(finder, refresh.Config{AuthMethods: authcode.DefaultAuthMethods}))
	srv.RegisterExtension(pkce.New(s.PKCE))
	for _, e := range s.Extensions {
		srv.RegisterExtension(e)
	}
	f.srv = srv
	return f
}

// decision is the application's answer on its consent page.
type decision func(*authserver.AuthorizationRequest) *authserver.Consent

func approve(*authserver.AuthorizationRequest) *authserver.Consent {
	return &authserver.Consent{Subject: "alice"}
}

func deny(*authserver.AuthorizationRequest) *authserver.Consent { return nil }

// approveScope grants part of the requested scope.
func approveScope(sc ...string) decision {
	return func(*authserver.AuthorizationRequest) *authserver.Consent {
		return &authserver.Consent{Subject: "alice", Scope: grantry.Scope(sc)}
	}
}

// authorizeHandler is the application's authorization endpoint.
func (f *fixture) authorizeHandler(decide decision) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := f.srv.ValidateAuthorizationRequest(r)
		if err != nil {
			f.srv.WriteError(w, r, err)
			return
		}
		f.srv.Authorize(w, r, req, decide(req))
	}
}

// authorize sends GET /authorize with the raw query.
func (f *fixture) authorize(t *testing.T, rawQuery string, decide decision) *http.Response {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "https://as.test/authorize?"+rawQuery, nil)
	w := httptest.NewRecorder()
	f.authorizeHandler(decide)(w, r)
	return w.Result()
}

// codeRequest returns the parameters of a code request of c1.
func codeRequest(extra ...string) url.Values {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {"c1"},
		"redirect_uri":  {cbURI},
		"scope":         {"profile email"},
		"state":         {"st"},
	}
	return withParams(q, extra...)
}

// with returns a copy of v with the name/value pairs set; an empty value
// deletes the parameter.
func withParams(v url.Values, pairs ...string) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			out.Del(pairs[i])
		} else {
			out.Set(pairs[i], pairs[i+1])
		}
	}
	return out
}

// authzRedirect is a parsed authorization redirect.
type authzRedirect struct {
	base   string     // the redirect URI without the response
	mode   string     // "query" or "fragment"
	params url.Values // the response parameters
}

// parseRedirect reads a 302 response; it fails the test when the response
// is not a redirect.
func parseRedirect(t *testing.T, res *http.Response) authzRedirect {
	t.Helper()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status: got %d, want 302; body %s", res.StatusCode, readBody(t, res))
	}
	loc := res.Header.Get("Location")
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	rd := authzRedirect{mode: authserver.ModeQuery}
	raw := u.RawQuery
	if u.Fragment != "" {
		rd.mode, raw = authserver.ModeFragment, u.EscapedFragment()
	}
	rd.params, err = url.ParseQuery(raw)
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	rd.base = u.String()
	return rd
}

// obtainCode runs an approved authorization request and returns the code.
func (f *fixture) obtainCode(t *testing.T, q url.Values) string {
	t.Helper()
	rd := parseRedirect(t, f.authorize(t, q.Encode(), approve))
	code := rd.params.Get("code")
	if code == "" {
		t.Fatalf("no code in the redirect: %v", rd.params)
	}
	return code
}
