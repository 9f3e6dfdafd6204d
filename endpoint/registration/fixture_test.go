package registration_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/registration"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// now is the fixed time of every test.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fixture is an authorization server with the code, implicit, refresh and
// client credentials grants, and the registration endpoint at /register.
type fixture struct {
	store *memstore.Store
	srv   *authserver.Server
	reg   *registration.Endpoint
	url   string
	// stmtKey signs the software statements the endpoint trusts.
	stmtKey *keyset.Key
}

// initialTokens accepts the digests it holds.
type initialTokens map[string]bool

func (t initialTokens) CheckInitialAccessToken(_ context.Context, digest string, _ time.Time) error {
	if !t[digest] {
		return storage.ErrNotFound
	}
	return nil
}

func newFixture(t testing.TB, edit ...func(*registration.Config)) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New()}
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://as.example", Clients: f.store, Tokens: f.store,
		Scopes: grantry.MustParseScope("openid profile email"), Now: func() time.Time { return now },
		Endpoints: authserver.EndpointURLs{Authorization: "/authorize", Token: "/token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	code := authcode.New(f.store, authcode.Config{})
	srv.RegisterGrant(code)
	srv.RegisterResponseType(code)
	srv.RegisterResponseType(implicit.New())
	srv.RegisterExtension(pkce.New(pkce.Config{}))
	srv.RegisterGrant(refresh.New(f.store, refresh.Config{}))
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	if f.stmtKey, err = keyset.GenerateKey(keyset.ES256); err != nil {
		t.Fatal(err)
	}
	trusted, err := keyset.NewSet(f.stmtKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := registration.Config{
		URL: "/register", Now: func() time.Time { return now }, SoftwareStatementKeys: trusted,
		SectorHTTPClient: &http.Client{Transport: noNetwork{}},
	}
	for _, e := range edit {
		e(&cfg)
	}
	if f.reg, err = registration.New(srv, f.store, cfg); err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	mux := http.NewServeMux()
	mux.Handle("/register", srv.MountHandler(grantry.EndpointRegistration, f.reg))
	mux.Handle("/register/", f.reg)
	mux.HandleFunc("/token", srv.ServeToken)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

// noNetwork fails every request: the tests fetch nothing.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, io.ErrUnexpectedEOF
}

// do sends a request with an optional JSON body and bearer token.
func (f *fixture) do(t testing.TB, method, path, body, token string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// info is a client information response.
type info struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at"`
	RegistrationAccessToken string   `json:"registration_access_token"`
	RegistrationClientURI   string   `json:"registration_client_uri"`
	RedirectURIs            []string `json:"redirect_uris"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	AuthMethod              string   `json:"token_endpoint_auth_method"`
	Scope                   string   `json:"scope"`
	ClientName              string   `json:"client_name"`
	Error                   string   `json:"error"`
}

// decode reads a JSON answer, checking its status.
func decode(t testing.TB, res *http.Response, status int) info {
	t.Helper()
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("got status %d (%s), want %d", res.StatusCode, body, status)
	}
	var i info
	if len(body) > 0 {
		if err := json.Unmarshal(body, &i); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
	}
	return i
}

// register registers a client and returns its information.
func (f *fixture) register(t testing.TB, body string) info {
	t.Helper()
	return decode(t, f.do(t, http.MethodPost, "/register", body, ""), http.StatusCreated)
}

// statement signs claims as a software statement with key.
func statement(t *testing.T, key *keyset.Key, claims map[string]any) string {
	t.Helper()
	s, err := key.SignJWT(claims, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stored returns the stored client.
func (f *fixture) stored(t *testing.T, id string) *storage.Client {
	t.Helper()
	c, err := f.store.GetClient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// hashOf is how initial access tokens are kept.
func hashOf(tok string) string { return secret.Digest(tok) }
