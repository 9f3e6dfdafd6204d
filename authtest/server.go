package authtest

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// Paths of the endpoints on the test server.
const (
	AuthorizationPath = "/authorize"
	TokenPath         = "/token"
	RevocationPath    = "/revoke"
	IntrospectionPath = "/introspect"
	UserInfoPath      = "/userinfo"
	JWKSPath          = "/jwks.json"
)

var (
	anyMethod    = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthNone}
	secretMethod = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost}
)

// Server is a running test authorization server. Its methods are safe for
// concurrent use.
type Server struct {
	ts      *httptest.Server
	as      *authserver.Server
	store   *memstore.Store
	clock   *Clock
	scopes  grantry.Scope
	subject string
	users   bool
	keys    *keyset.Set
	openid  *openid.Provider
	claims  map[string]map[string]any

	mu            sync.RWMutex
	decision      Decision
	clients       map[string]Client // by ID, as AddClient completed them
	introspectors map[string]bool
	next          int // for client IDs
}

// Endpoints are the URLs of a test server.
type Endpoints struct {
	Authorization string
	Token         string
	Revocation    string
	Introspection string
	UserInfo      string
	JWKS          string
	// Metadata is the RFC 8414 metadata document, and Discovery the
	// OpenID Provider Configuration document: the same one.
	Metadata  string
	Discovery string
}

// NewServer starts a test server, closed when the test and its subtests
// end. The causes of internal errors go to the test's log unless
// cfg.Logger says otherwise.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testLog{t}, nil))
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("authtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a test server for a caller without a testing.TB, such as
// TestMain or an example. The caller must Close it.
func Start(cfg Config) (*Server, error) {
	s := &Server{
		store: memstore.New(), clock: cfg.Clock, scopes: cfg.Scopes, subject: cfg.Subject,
		users: cfg.Users != nil, decision: cfg.Decision,
		clients: map[string]Client{}, introspectors: map[string]bool{},
	}
	s.setDefaults()
	mux := http.NewServeMux()
	s.ts = httptest.NewUnstartedServer(mux)
	if cfg.TLS {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	as, err := authserver.New(s.serverConfig(cfg))
	if err != nil {
		s.ts.Close()
		return nil, err
	}
	s.as = as
	if err := s.register(cfg); err != nil {
		s.ts.Close()
		return nil, err
	}
	s.route(mux)
	if cfg.Setup != nil {
		cfg.Setup(as, mux)
	}
	return s, nil
}

func (s *Server) setDefaults() {
	if s.clock == nil {
		s.clock = NewClock(DefaultTime)
	}
	if s.scopes == nil {
		s.scopes = DefaultScopes
	}
	s.scopes = slices.Clone(s.scopes)
	if s.subject == "" {
		s.subject = DefaultSubject
	}
	if s.decision == nil {
		s.decision = Approve
	}
}

func (s *Server) serverConfig(cfg Config) authserver.Config {
	return authserver.Config{
		Issuer:          s.ts.URL,
		Clients:         s.store,
		Tokens:          s.store,
		Scopes:          s.scopes,
		ExpiresIn:       expiresIn(cfg.ExpiresIn),
		RefreshLifetime: cfg.RefreshLifetime,
		Now:             s.clock.Now,
		Logger:          cfg.Logger,
		Endpoints:       authserver.EndpointURLs{Authorization: AuthorizationPath, Token: TokenPath},
		Events:          cfg.Events,
	}
}

// register adds the grants, PKCE and the OpenID provider.
func (s *Server) register(cfg Config) error {
	code := authcode.New(s.store, authcode.Config{Lifetime: cfg.CodeLifetime})
	s.as.RegisterGrant(code)
	s.as.RegisterResponseType(code)
	s.as.RegisterExtension(pkce.New(cfg.PKCE))
	if err := s.registerOpenID(cfg, code); err != nil {
		return err
	}
	s.as.RegisterGrant(refresh.New(s.store, refresh.Config{AuthMethods: anyMethod}))
	s.as.RegisterGrant(clientcredentials.New(clientcredentials.Config{AuthMethods: secretMethod}))
	if cfg.Users != nil {
		s.as.RegisterGrant(password.New(users(maps.Clone(cfg.Users)), password.Config{AuthMethods: secretMethod}))
	}
	return nil
}

// route mounts the endpoints.
func (s *Server) route(mux *http.ServeMux) {
	mux.HandleFunc("GET "+AuthorizationPath, s.serveAuthorize)
	mux.HandleFunc("POST "+AuthorizationPath, s.serveAuthorize)
	mux.HandleFunc("POST "+TokenPath, s.as.ServeToken)
	rev := revocation.New(s.store, revocation.Config{URL: RevocationPath, AuthMethods: anyMethod})
	mux.Handle("POST "+RevocationPath, s.as.Mount(rev))
	in := introspection.New(s.store, introspection.Config{
		URL: IntrospectionPath, Issuer: s.ts.URL, CheckPermission: s.mayIntrospect,
	})
	mux.Handle("POST "+IntrospectionPath, s.as.Mount(in))
	mux.Handle(s.as.MetadataPath(), s.as.MetadataHandler())
	s.routeOpenID(mux)
}

// mayIntrospect lets the clients registered with Introspect learn about
// every token, and any other client about its own (RFC 7662 §4).
func (s *Server) mayIntrospect(ctx context.Context, caller *storage.Client, tok *storage.Token) bool {
	s.mu.RLock()
	rs := s.introspectors[caller.ID]
	s.mu.RUnlock()
	return rs || introspection.OwnTokens(ctx, caller, tok)
}

// Close shuts the server down, waiting for the requests in progress.
func (s *Server) Close() { s.ts.Close() }

// URL returns the server's base URL, which is also its issuer.
func (s *Server) URL() string { return s.ts.URL }

// Issuer returns the issuer identifier (RFC 8414 §2): the server's URL.
func (s *Server) Issuer() string { return s.as.Issuer() }

// Endpoints returns the URLs of the server's endpoints.
func (s *Server) Endpoints() Endpoints {
	return Endpoints{
		Authorization: s.ts.URL + AuthorizationPath,
		Token:         s.ts.URL + TokenPath,
		Revocation:    s.ts.URL + RevocationPath,
		Introspection: s.ts.URL + IntrospectionPath,
		UserInfo:      s.ts.URL + UserInfoPath,
		JWKS:          s.ts.URL + JWKSPath,
		Metadata:      s.ts.URL + s.as.MetadataPath(),
		Discovery:     s.ts.URL + openid.DiscoveryPath,
	}
}

// HTTPClient returns a client for the server: with Config.TLS, the one
// that trusts its certificate.
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// Store returns the store behind the server, to inspect or seed.
func (s *Server) Store() *memstore.Store { return s.store }

// Clock returns the server's clock.
func (s *Server) Clock() *Clock { return s.clock }

// AuthServer returns the authorization server. Registering on it is
// possible only in Config.Setup, before it serves.
func (s *Server) AuthServer() *authserver.Server { return s.as }

// Validator returns a validator of the server's access tokens, for
// bearer.New: it reads the server's store at the server's clock, as a
// resource server sharing the store would.
func (s *Server) Validator() *accesstoken.StoreValidator {
	return accesstoken.NewStoreValidator(s.store, accesstoken.StoreValidatorConfig{Issuer: s.ts.URL, Now: s.clock.Now})
}

// users is the password grant's Authenticator over Config.Users.
type users map[string]string

func (u users) AuthenticateUser(_ context.Context, name, pw string) (string, error) {
	want, ok := u[name]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(pw)) != 1 {
		return "", password.ErrInvalidCredentials
	}
	return name, nil
}

// testLog writes log records to a test's log.
type testLog struct{ t testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
