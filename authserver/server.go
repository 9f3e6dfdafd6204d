package authserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Default lifetimes.
const (
	// DefaultExpiresIn is the access token lifetime for grant types that
	// Config.ExpiresIn does not name and that have no default of their own.
	DefaultExpiresIn = time.Hour
	// DefaultRefreshLifetime is how long a refresh token lives.
	DefaultRefreshLifetime = 30 * 24 * time.Hour
)

// defaultExpiresIn holds the access token lifetime per grant type.
var defaultExpiresIn = map[grantry.GrantType]time.Duration{
	grantry.GrantAuthorizationCode: 864000 * time.Second,
	grantry.GrantImplicit:          3600 * time.Second,
	grantry.GrantPassword:          864000 * time.Second,
	grantry.GrantClientCredentials: 864000 * time.Second,
}

// Config configures a Server. The zero value of every optional field is the
// safe default.
type Config struct {
	// Issuer is the server's issuer identifier (RFC 8414 §2): an https URL
	// without query or fragment. When set, authorization responses carry
	// it as the iss parameter (RFC 9207). It may be empty only on a server
	// that publishes no metadata: MetadataHandler requires it.
	Issuer string
	// Clients finds clients. Required.
	Clients storage.ClientStore
	// Tokens stores issued tokens. Required.
	Tokens TokenStore
	// SecretCache remembers client secrets verified against a slow
	// (argon2id) hash; nil verifies every time. Secrets hashed with
	// secret.HashSecret are verified every time either way.
	SecretCache *secret.Cache
	// SlowSecretChecks bounds the checks of client secrets hashed with
	// argon2id (secret.HashPassword) running at once; four times as many
	// may wait, each for at most SlowSecretWait. Past either, the request
	// is answered 503 temporarily_unavailable with Retry-After. Zero means
	// GOMAXPROCS checks and DefaultSlowSecretWait.
	SlowSecretChecks int
	SlowSecretWait   time.Duration
	// Scopes lists the scopes the server knows; a request for any other is
	// invalid_scope. Nil allows any scope the client may have.
	Scopes grantry.Scope
	// Resources lists the resource indicators the server knows (RFC 8707):
	// a request naming any other resource is invalid_target. Nil allows
	// any absolute URI without fragment.
	Resources []string
	// ExpiresIn overrides the access token lifetime per grant type. The
	// defaults are 864000 s for authorization_code, password and
	// client_credentials, 3600 s for implicit and DefaultExpiresIn for the
	// rest.
	ExpiresIn map[grantry.GrantType]time.Duration
	// AccessTokenLifetime, when positive, is the access token lifetime of
	// every grant type ExpiresIn does not name, in place of the defaults
	// above.
	AccessTokenLifetime time.Duration
	// RefreshLifetime is the refresh token lifetime; zero means
	// DefaultRefreshLifetime.
	RefreshLifetime time.Duration
	// RefreshGracePeriod, when positive, lets a client present a refresh
	// token it has just rotated again, for this long after the rotation,
	// and get the same new tokens, not a third pair, instead of having
	// the family revoked as a reuse (RFC 9700 §4.14.2): a client whose
	// answer was lost, or that refreshed from two tabs at once, keeps its
	// session. Once the new refresh token was used itself, or past the
	// period, the old one is a reuse again. Tokens must implement
	// storage.GraceRotator. Zero, the default, allows no grace.
	RefreshGracePeriod time.Duration
	// AccessTokens makes access tokens; nil makes opaque tokens of 256
	// random bits after the token's ID (secret.TokenWithID).
	AccessTokens AccessTokenGenerator
	// JWTAccessTokens makes the access tokens of the clients whose format
	// is storage.AccessTokenJWT, such as an accesstoken.JWTGenerator
	// (RFC 9068). A client asking for JWTs from a server without one gets
	// a server_error.
	JWTAccessTokens AccessTokenGenerator
	// AccessTokenFormat is the format of the clients whose
	// storage.Client.AccessTokenFormat is empty: "" or
	// storage.AccessTokenOpaque for AccessTokens, storage.AccessTokenJWT
	// for JWTAccessTokens.
	AccessTokenFormat string
	// MaxBodyBytes limits request bodies; zero means 64 KiB.
	MaxBodyBytes int64
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Logger receives the causes of internal errors; nil means
	// slog.Default().
	Logger *slog.Logger
	// InsecureAllowHTTP allows an http issuer and http redirect URIs on
	// hosts other than loopback. Only for development.
	InsecureAllowHTTP bool
	// Endpoints holds the URLs of the authorization and token endpoints,
	// for server metadata (RFC 8414 §2).
	Endpoints EndpointURLs
	// RequestObjects enables request objects (RFC 9101); nil answers the
	// request parameter with request_not_supported.
	RequestObjects *RequestObjectConfig
	// DPoP enables DPoP at the token endpoint and dpop_jkt at the
	// authorization endpoint (RFC 9449); nil ignores DPoP proofs, and
	// every token is a bearer token.
	DPoP *DPoPConfig
	// Events are called as clients authenticate and tokens are issued and
	// revoked; nil callbacks are skipped.
	Events Events
	// ClientAssertions enables private_key_jwt and client_secret_jwt
	// (RFC 7523 §2.2); the zero value enables neither.
	ClientAssertions ClientAssertionConfig
}

// TokenStore is what the server needs of token storage: storing what it
// issues, and revoking a family when a grant detects a replay.
// storage.TokenStore satisfies it.
type TokenStore interface {
	storage.TokenWriter
	// RevokeFamily is storage.TokenRevoker.RevokeFamily.
	RevokeFamily(ctx context.Context, familyID string) error
}

// Server is an authorization server. Register grants, extensions, client
// authentication methods and endpoints before serving; after that a Server
// is safe for concurrent use.
type Server struct {
	cfg        Config
	now        func() time.Time
	log        *slog.Logger
	tokenGrant map[grantry.GrantType]TokenGrant
	authzGrant map[grantry.ResponseType]AuthorizationGrant
	exts       []Hooks
	clientAuth map[grantry.AuthMethod]ClientAuthenticator
	slow       *slowChecks
	authOrder  []grantry.AuthMethod
	endpoints  []Endpoint
	handlers   []namedHandler
	// requestURIs is the mounted endpoint that resolves request_uri.
	requestURIs RequestURIResolver
	// dpop checks the DPoP proofs sent to tokenURI, when enabled.
	dpop     *dpop.Verifier
	tokenURI string
}

// New returns a server, or an error when the configuration is unusable.
func New(cfg Config) (*Server, error) {
	if cfg.Clients == nil || cfg.Tokens == nil {
		return nil, errors.New("authserver: Config.Clients and Config.Tokens are required")
	}
	if err := checkIssuer(cfg.Issuer, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	if err := checkAccessTokenFormat(&cfg); err != nil {
		return nil, err
	}
	if _, ok := cfg.Tokens.(storage.GraceRotator); cfg.RefreshGracePeriod > 0 && !ok {
		return nil, errors.New("authserver: Config.RefreshGracePeriod needs Config.Tokens to implement storage.GraceRotator")
	}
	s := &Server{
		cfg:        cfg,
		now:        cfg.Now,
		log:        cfg.Logger,
		tokenGrant: make(map[grantry.GrantType]TokenGrant),
		authzGrant: make(map[grantry.ResponseType]AuthorizationGrant),
		clientAuth: make(map[grantry.AuthMethod]ClientAuthenticator),
		slow:       newSlowChecks(cfg.SlowSecretChecks, cfg.SlowSecretWait),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if err := s.setupDPoP(); err != nil {
		return nil, err
	}
	s.registerBuiltinClientAuth()
	s.registerAssertionAuth()
	if s.cfg.AccessTokens == nil {
		s.cfg.AccessTokens = opaqueTokens{}
	}
	return s, nil
}

// checkAccessTokenFormat refuses an unknown default format, and a JWT
// default without a generator for it.
func checkAccessTokenFormat(cfg *Config) error {
	switch cfg.AccessTokenFormat {
	case "", storage.AccessTokenOpaque:
		return nil
	case storage.AccessTokenJWT:
		if cfg.JWTAccessTokens == nil {
			return errors.New("authserver: Config.AccessTokenFormat is jwt, and Config.JWTAccessTokens is nil")
		}
		return nil
	}
	return fmt.Errorf("authserver: unknown Config.AccessTokenFormat %q", cfg.AccessTokenFormat)
}

// checkIssuer applies RFC 8414 §2: the issuer is a URL that
// origin.ParseSecure accepts, with no query, not even an empty one.
func checkIssuer(issuer string, insecure bool) error {
	if issuer == "" {
		return nil
	}
	u, err := origin.ParseSecure(issuer, insecure)
	if err != nil {
		return fmt.Errorf("authserver: issuer %q %w", issuer, err)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return fmt.Errorf("authserver: issuer %q has a query", issuer)
	}
	return nil
}

// Issuer returns the configured issuer identifier.
func (s *Server) Issuer() string { return s.cfg.Issuer }

// expiresIn returns the access token lifetime for a grant type.
func (s *Server) expiresIn(gt grantry.GrantType) time.Duration {
	if d, ok := s.cfg.ExpiresIn[gt]; ok && d > 0 {
		return d
	}
	if s.cfg.AccessTokenLifetime > 0 {
		return s.cfg.AccessTokenLifetime
	}
	if d, ok := defaultExpiresIn[gt]; ok {
		return d
	}
	return DefaultExpiresIn
}

func (s *Server) refreshLifetime() time.Duration {
	if s.cfg.RefreshLifetime > 0 {
		return s.cfg.RefreshLifetime
	}
	return DefaultRefreshLifetime
}

var errConsentScope = errors.New("authserver: the consent grants scope that was not requested")
