package authserver_test

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
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

// A rig is a complete server over a fresh memstore, for the fuzz targets,
// the end-to-end test and the benchmarks: every built-in grant, PKCE, and
// clients of each kind.
type rig struct {
	store *memstore.Store
	srv   *authserver.Server
	clock *rigClock
}

// rigClient is a registered client and the secret it authenticates with.
type rigClient struct {
	rec    storage.Client
	secret string
}

// rigClients are the clients of every rig. "web" registered two redirect
// URIs, so its requests must name one; "native" is public; "webpost"
// authenticates with client_secret_post; "odd id:é" has characters that
// client_secret_basic must form-encode (RFC 6749 §2.3.1).
var rigClients = []rigClient{
	{storage.Client{
		ID:            "web",
		RedirectURIs:  []string{"https://client.test/cb", "https://client.test/cb?tenant=1"},
		Scope:         grantry.Scope{"profile", "email"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantPassword},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
	}, "web-secret"},
	{storage.Client{
		ID:            "webpost",
		AuthMethod:    grantry.AuthClientSecretPost,
		RedirectURIs:  []string{"https://client.test/cb"},
		Scope:         grantry.Scope{"profile", "email"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantPassword, grantry.GrantClientCredentials},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode},
	}, "webpost-secret"},
	{storage.Client{
		ID:            "native",
		RedirectURIs:  []string{"http://127.0.0.1/cb", "com.example.app:/cb"},
		Scope:         grantry.Scope{"profile", "email"},
		GrantTypes:    []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken},
		ResponseTypes: []grantry.ResponseType{grantry.ResponseCode, grantry.ResponseToken},
	}, ""},
	{storage.Client{
		ID:         "svc",
		Scope:      grantry.Scope{"api:read", "api:write"},
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
	}, "svc-secret"},
	{storage.Client{
		ID:         "odd id:é",
		Scope:      grantry.Scope{"api:read"},
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
	}, "s+e c&r=t%"},
}

// rigClientByID returns the client with the given ID, or nil.
func rigClientByID(id string) *rigClient {
	for i := range rigClients {
		if rigClients[i].rec.ID == id {
			return &rigClients[i]
		}
	}
	return nil
}

// rigStart is the time of the rig's clock when it is built.
var rigStart = time.Date(2031, time.July, 1, 12, 0, 0, 0, time.UTC)

// rigClock is the server's injected time source.
type rigClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *rigClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *rigClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// rigUsers is the password grant's Authenticator: alice / wonderland.
type rigUsers struct{}

func (rigUsers) AuthenticateUser(_ context.Context, name, pw string) (string, error) {
	nameOK := subtle.ConstantTimeCompare([]byte(name), []byte("alice"))
	pwOK := subtle.ConstantTimeCompare([]byte(pw), []byte("wonderland"))
	if nameOK&pwOK == 1 {
		return "alice", nil
	}
	return "", password.ErrInvalidCredentials
}

// newRig builds a server with the given issuer ("" for none).
func newRig(tb testing.TB, issuer string) *rig {
	tb.Helper()
	store := memstore.New()
	for _, c := range rigClients {
		rec := c.rec
		if c.secret != "" {
			rec.SecretHash = secret.HashSecret(c.secret)
		}
		if err := store.CreateClient(context.Background(), &rec); err != nil {
			tb.Fatalf("CreateClient(%q): %v", rec.ID, err)
		}
	}
	clk := &rigClock{now: rigStart}
	srv, err := authserver.New(authserver.Config{
		Issuer:  issuer,
		Clients: store,
		Tokens:  store,
		Now:     clk.Now,
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatalf("authserver.New: %v", err)
	}
	secretMethods := []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost}
	code := authcode.New(store, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterExtension(pkce.New(pkce.Config{}))
	srv.RegisterResponseType(implicit.New())
	srv.RegisterGrant(refresh.New(store, refresh.Config{AuthMethods: authcode.DefaultAuthMethods}))
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{AuthMethods: secretMethods}))
	srv.RegisterGrant(password.New(rigUsers{}, password.Config{AuthMethods: secretMethods}))
	return &rig{store: store, srv: srv, clock: clk}
}

// authorize is the application's authorization endpoint: it signs alice
// in and approves every valid request.
func (g *rig) authorize(w http.ResponseWriter, r *http.Request) {
	req, err := g.srv.ValidateAuthorizationRequest(r)
	if err != nil {
		g.srv.WriteError(w, r, err)
		return
	}
	g.srv.Authorize(w, r, req, &authserver.Consent{Subject: "alice"})
}
