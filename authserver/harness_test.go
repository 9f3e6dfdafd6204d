package authserver_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/grant/implicit"
)

// harnessStart is the time of a harness's clock when it starts: the codes
// and tokens fzSeed stores are dated from it.
var harnessStart = time.Date(2031, time.July, 1, 12, 0, 0, 0, time.UTC)

// harnessClients are the clients of every harness. "web" registered two
// redirect URIs, so its requests must name one; "native" is public;
// "webpost" authenticates with client_secret_post; "odd id:é" has
// characters that client_secret_basic must form-encode (RFC 6749 §2.3.1).
// The service clients register no redirect URI (an empty list, which
// authtest keeps).
var harnessClients = []authtest.Client{
	{
		ID: "web", Secret: "web-secret",
		RedirectURIs: []string{"https://client.test/cb", "https://client.test/cb?tenant=1"},
		Scope:        grantry.Scope{"profile", "email"},
		GrantTypes:   []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantPassword},
	},
	{
		ID: "webpost", Secret: "webpost-secret", AuthMethod: grantry.AuthClientSecretPost,
		RedirectURIs: []string{"https://client.test/cb"},
		Scope:        grantry.Scope{"profile", "email"},
		GrantTypes:   []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken, grantry.GrantPassword, grantry.GrantClientCredentials},
	},
	{
		ID: "native", Public: true,
		RedirectURIs: []string{"http://127.0.0.1/cb", "com.example.app:/cb"},
		Scope:        grantry.Scope{"profile", "email"},
		GrantTypes:   []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantRefreshToken},
	},
	{
		ID: "svc", Secret: "svc-secret", RedirectURIs: []string{},
		Scope:      grantry.Scope{"api:read", "api:write"},
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
	},
	{
		ID: "odd id:é", Secret: "s+e c&r=t%", RedirectURIs: []string{},
		Scope:      grantry.Scope{"api:read"},
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
	},
}

// harnessClient returns the harness client with the given ID, or nil.
func harnessClient(id string) *authtest.Client {
	for i := range harnessClients {
		if harnessClients[i].ID == id {
			return &harnessClients[i]
		}
	}
	return nil
}

// A harness is an authtest server, with every built-in grant, for the fuzz
// targets, the end-to-end tests and the benchmarks: authtest's grants and
// PKCE, the implicit grant, the password grant for alice / wonderland,
// and harnessClients. The authorization endpoint signs alice in and
// approves every valid request. The fuzz targets and benchmarks drive as
// and handler directly, without a network round trip.
type harness struct {
	*authtest.Server
	as      *authserver.Server
	handler http.Handler // the server's routes
}

// newHarness starts a harness, serving https when tls is set.
func newHarness(tb testing.TB, tls bool) *harness {
	tb.Helper()
	h := &harness{}
	h.Server = authtest.NewServer(tb, authtest.Config{
		Clock:  authtest.NewClock(harnessStart),
		Scopes: grantry.Scope{"profile", "email", "api:read", "api:write"},
		Users:  map[string]string{"alice": "wonderland"},
		TLS:    tls,
		Logger: slog.New(slog.DiscardHandler),
		Setup: func(as *authserver.Server, mux *http.ServeMux) {
			as.RegisterResponseType(implicit.New())
			h.handler = mux
		},
	})
	h.as = h.AuthServer()
	for _, c := range harnessClients {
		h.AddClient(c)
	}
	// AddClient gives the code grant its response type; native may use
	// the implicit grant too.
	native, err := h.Store().GetClient(tb.Context(), "native")
	if err == nil {
		native.ResponseTypes = append(native.ResponseTypes, grantry.ResponseToken)
		err = h.Store().UpdateClient(tb.Context(), native)
	}
	if err != nil {
		tb.Fatalf("native client: %v", err)
	}
	return h
}
