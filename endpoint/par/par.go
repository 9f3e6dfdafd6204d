package par

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// URIPrefix begins every request_uri the endpoint issues (RFC 9126 §2.2).
const URIPrefix = "urn:ietf:params:oauth:request_uri:"

// DefaultLifetime is how long a request_uri may be used when
// Config.Lifetime is zero: short, as RFC 9126 §2.2 advises.
const DefaultLifetime = 60 * time.Second

// DefaultAuthMethods are the client authentication methods accepted when
// Config.AuthMethods is nil.
var DefaultAuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthNone}

// Config configures the endpoint. The zero value is ready to use.
type Config struct {
	// URL is where the endpoint is mounted, for the server metadata
	// (pushed_authorization_request_endpoint): an absolute URL, or a path
	// joined to the issuer.
	URL string
	// Lifetime is how long a request_uri may be used; zero means
	// DefaultLifetime.
	Lifetime time.Duration
	// AuthMethods are the client authentication methods accepted; nil
	// means DefaultAuthMethods.
	AuthMethods []grantry.AuthMethod
	// Require makes every client push its authorization requests
	// (require_pushed_authorization_requests, RFC 9126 §5).
	Require bool
}

// Validator validates pushed parameters; *authserver.Server is one.
type Validator interface {
	ValidatePushedRequest(ctx context.Context, r *http.Request, client *storage.Client, params authserver.Params) (*authserver.AuthorizationRequest, error)
}

// Endpoint is the pushed authorization request endpoint, an
// authserver.Endpoint and authserver.RequestURIResolver: mount it with
// Server.Mount.
type Endpoint struct {
	srv   Validator
	store storage.PushedRequestStore
	cfg   Config
}

// New returns the endpoint, validating with srv (the server it is
// mounted on) and keeping requests in store.
func New(srv Validator, store storage.PushedRequestStore, cfg Config) *Endpoint {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = DefaultAuthMethods
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultLifetime
	}
	return &Endpoint{srv: srv, store: store, cfg: cfg}
}

// Name implements authserver.Endpoint.
func (*Endpoint) Name() string { return grantry.EndpointPushedAuthorization }

// AuthMethods implements authserver.Endpoint.
func (e *Endpoint) AuthMethods() []grantry.AuthMethod { return e.cfg.AuthMethods }

// SuccessStatus implements authserver.SuccessStatuser: 201 Created
// (RFC 9126 §2.2).
func (*Endpoint) SuccessStatus() int { return http.StatusCreated }

// RequirePushed implements authserver.RequestURIResolver.
func (e *Endpoint) RequirePushed() bool { return e.cfg.Require }

// ServerMetadata implements authserver.MetadataProvider
// (RFC 9126 §5): pushed_authorization_request_endpoint, and
// require_pushed_authorization_requests when set.
func (e *Endpoint) ServerMetadata() map[string]any {
	m := map[string]any{}
	if e.cfg.URL != "" {
		m["pushed_authorization_request_endpoint"] = e.cfg.URL
	}
	if e.cfg.Require {
		m["require_pushed_authorization_requests"] = true
	}
	return m
}

// response is the body of a successful push (RFC 9126 §2.2).
type response struct {
	RequestURI string `json:"request_uri"`
	ExpiresIn  int64  `json:"expires_in"`
}

// Respond implements authserver.Endpoint (RFC 9126 §2): it validates the
// pushed request, stores it and answers its request_uri.
func (e *Endpoint) Respond(ctx context.Context, req *authserver.EndpointRequest) ([]byte, error) {
	areq, err := e.srv.ValidatePushedRequest(ctx, req.HTTP, req.Client, req.Params)
	if err != nil {
		return nil, err
	}
	uri, err := e.Push(ctx, areq, req.Time, e.cfg.Lifetime)
	if err != nil {
		return nil, err
	}
	return json.Marshal(response{RequestURI: uri, ExpiresIn: int64(e.cfg.Lifetime / time.Second)})
}

// Push stores the parameters of a validated authorization request for
// its client under a new request_uri living lifetime from now, and
// returns the URI. Respond pushes what a client posted; an application
// may push a request it validated at the authorization endpoint, so that
// its sign-in and consent pages refer to the request by a fresh
// request_uri rather than repeat its parameters.
func (e *Endpoint) Push(ctx context.Context, req *authserver.AuthorizationRequest, now time.Time, lifetime time.Duration) (string, error) {
	uri := URIPrefix + secret.Token()
	rec := &storage.PushedRequest{
		Hash: secret.Digest(uri), ClientID: req.Client.ID, Params: req.Params, Signed: req.Signed,
		CreatedAt: now, ExpiresAt: now.Add(lifetime),
	}
	if err := e.store.SavePushedRequest(ctx, rec); err != nil {
		return "", authserver.AsError(err)
	}
	return uri, nil
}

// ResolveRequestURI implements authserver.RequestURIResolver
// (RFC 9126 §4): the request is consumed, whichever client presents it,
// so that a request_uri is never used twice; only the pushing client's is
// answered.
func (e *Endpoint) ResolveRequestURI(ctx context.Context, client *storage.Client, uri string, now time.Time) (*authserver.ResolvedRequest, error) {
	if !strings.HasPrefix(uri, URIPrefix) {
		return nil, invalidURI("the request_uri was not issued by this server")
	}
	rec, err := e.store.ConsumePushedRequest(ctx, secret.Digest(uri), now)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, invalidURI("the request_uri is unknown, used or expired")
	case err != nil:
		return nil, authserver.AsError(err)
	case !secret.Equal(rec.ClientID, client.ID):
		return nil, invalidURI("the request_uri was pushed by another client")
	}
	return &authserver.ResolvedRequest{Params: rec.Params, Signed: rec.Signed}, nil
}

func invalidURI(desc string) *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidRequestURI, desc)
}
