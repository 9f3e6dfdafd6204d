package registration

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// DefaultMaxBodyBytes limits request bodies when Config.MaxBodyBytes is
// zero.
const DefaultMaxBodyBytes = 64 << 10

// Config configures the endpoint. The zero value is open registration at
// no metadata URL.
type Config struct {
	// URL is where the endpoint is mounted: an absolute URL, or a path
	// joined to the issuer. It is published as registration_endpoint
	// (RFC 8414 §2) and a client's registration_client_uri is URL/ and
	// its client_id (RFC 7592 §3). Required.
	URL string
	// InitialAccessTokens, when set, protects registration: a request must
	// carry one of its tokens as a Bearer token (RFC 7591 §3). Nil leaves
	// registration open to anyone.
	InitialAccessTokens InitialAccessTokens
	// SoftwareStatementKeys are the keys of the issuers whose software
	// statements (RFC 7591 §2.3) the server trusts, and
	// SoftwareStatementAlgorithms the algorithms they may use (default:
	// keyset.AsymmetricAlgorithms). Without keys a software statement is
	// unapproved_software_statement.
	SoftwareStatementKeys       keyset.KeySource
	SoftwareStatementAlgorithms []keyset.Algorithm
	// Scopes are the scopes a client may register; nil means the server's
	// Config.Scopes. When both are nil a client registers any scope it
	// likes, and so may be granted it: give one or the other when
	// registration is open.
	Scopes grantry.Scope
	// AuthMethods are the token_endpoint_auth_method values a client may
	// register; nil means those the server's token grants accept
	// (Server.AuthMethods). client_secret_jwt is refused without
	// SealSecret.
	AuthMethods []grantry.AuthMethod
	// SealSecret encrypts the secret of the client_secret_jwt client
	// clientID for storage.Client.SealedSecret, as the server that checks
	// its assertions opens it (authserver.SealClientSecret).
	SealSecret func(clientID, plain string) (string, error)
	// SectorHTTPClient fetches sector_identifier_uri documents; nil means
	// a client with a 10 second timeout.
	SectorHTTPClient *http.Client
	// MaxBodyBytes limits request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Registered, Updated and Deleted, when set, are called after a client
	// was stored, changed or deleted through the endpoint.
	Registered, Updated func(ctx context.Context, c *storage.Client)
	Deleted             func(ctx context.Context, clientID string)
}

// InitialAccessTokens checks the initial access tokens of protected
// registration (RFC 7591 §3). A store keeps their digests only.
type InitialAccessTokens interface {
	// CheckInitialAccessToken returns nil when digest, the secret.Digest
	// of a presented token, is a valid initial access token at now,
	// storage.ErrNotFound when it is not, and another error when it
	// cannot tell.
	CheckInitialAccessToken(ctx context.Context, digest string, now time.Time) error
}

// Clients is what the endpoint needs of the client store.
// storage.ClientRegistry satisfies it.
type Clients interface {
	storage.ClientStore
	CreateClient(ctx context.Context, c *storage.Client) error
	UpdateClient(ctx context.Context, c *storage.Client) error
	DeleteClient(ctx context.Context, id string) error
}

// Endpoint is the client registration endpoint (RFC 7591 §3) and the
// client configuration endpoint (RFC 7592 §2) below it. It is an
// http.Handler: mount it with Server.MountHandler at Config.URL and below.
type Endpoint struct {
	srv     *authserver.Server
	clients Clients
	cfg     Config
	// path is the URL path of Config.URL, below which the client
	// configuration endpoints are.
	path string
	// clientURI is the registration_client_uri of a client, but for its
	// escaped client_id.
	clientURI string
}

var sectorClient = &http.Client{Timeout: 10 * time.Second}

// New returns the endpoint. It registers clients in clients and checks
// their metadata against what srv supports.
func New(srv *authserver.Server, clients Clients, cfg Config) (*Endpoint, error) {
	if cfg.URL == "" {
		return nil, errors.New("registration: Config.URL is required")
	}
	abs := srv.URL(cfg.URL)
	u, err := url.Parse(abs)
	if err != nil || !u.IsAbs() {
		return nil, errors.New("registration: Config.URL must be absolute, or a path with Config.Issuer set on the server")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SectorHTTPClient == nil {
		cfg.SectorHTTPClient = sectorClient
	}
	if cfg.SoftwareStatementAlgorithms == nil {
		cfg.SoftwareStatementAlgorithms = keyset.AsymmetricAlgorithms()
	}
	return &Endpoint{
		srv: srv, clients: clients, cfg: cfg,
		path:      strings.TrimSuffix(u.Path, "/"),
		clientURI: strings.TrimSuffix(abs, "/") + "/",
	}, nil
}

// ServerMetadata implements authserver.MetadataProvider:
// registration_endpoint (RFC 8414 §2).
func (e *Endpoint) ServerMetadata() map[string]any {
	return map[string]any{"registration_endpoint": e.cfg.URL}
}

// ServeHTTP answers POST at Config.URL (RFC 7591 §3.1) and GET, PUT and
// DELETE at a client's registration_client_uri (RFC 7592 §2). Other
// methods get 405 with Allow.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, isClient := e.clientID(r)
	var err error
	switch {
	case !isClient && r.Method == http.MethodPost:
		err = e.register(w, r)
	case !isClient:
		err = methodNotAllowed("POST")
	case r.Method == http.MethodGet:
		err = e.read(w, r, id)
	case r.Method == http.MethodPut:
		err = e.update(w, r, id)
	case r.Method == http.MethodDelete:
		err = e.delete(w, r, id)
	default:
		err = methodNotAllowed("GET, PUT, DELETE")
	}
	if err != nil {
		e.srv.WriteError(w, r, err)
	}
}

// clientID returns the client_id of a request to a client configuration
// endpoint: the escaped path segment after Config.URL's path.
func (e *Endpoint) clientID(r *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), e.path+"/")
	if !ok || rest == "" {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	if err != nil || strings.Contains(rest, "/") {
		return "\x00", true // no client has this ID
	}
	return id, true
}

func methodNotAllowed(allow string) *grantry.Error {
	e := grantry.InvalidRequest("the method is not allowed")
	e.Status = http.StatusMethodNotAllowed
	e.Header = http.Header{"Allow": {allow}}
	return e
}

// readJSON reads a JSON request body of at most MaxBodyBytes.
func (e *Endpoint) readJSON(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, grantry.InvalidRequest("the content type must be application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, e.cfg.MaxBodyBytes+1))
	if err != nil {
		return nil, grantry.InvalidRequest("the body could not be read")
	}
	if int64(len(body)) > e.cfg.MaxBodyBytes {
		e := grantry.InvalidRequest("the body is too large")
		e.Status = http.StatusRequestEntityTooLarge
		return nil, e
	}
	return body, nil
}
