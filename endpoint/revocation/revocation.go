package revocation

import (
	"context"
	"errors"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/storage"
)

// DefaultAuthMethods are the client authentication methods accepted when
// Config.AuthMethods is nil.
var DefaultAuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost}

// Config configures the endpoint. The zero value is ready to use.
type Config struct {
	// URL is where the endpoint is mounted, for the server metadata
	// (revocation_endpoint): an absolute URL, or a path joined to the
	// issuer. Empty leaves the endpoint's URL out of the metadata.
	URL string
	// AuthMethods are the client authentication methods accepted; nil
	// means DefaultAuthMethods.
	AuthMethods []grantry.AuthMethod
}

// Endpoint is the revocation endpoint, an http.Handler. It implements
// authserver.Endpoint.
type Endpoint struct {
	srv *authserver.Server
	cfg Config
}

// New returns the endpoint of a server.
func New(srv *authserver.Server, cfg Config) *Endpoint {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = DefaultAuthMethods
	}
	return &Endpoint{srv: srv, cfg: cfg}
}

// Name implements authserver.Endpoint.
func (*Endpoint) Name() string { return grantry.EndpointRevocation }

// ServerMetadata implements authserver.MetadataProvider: revocation_endpoint
// and revocation_endpoint_auth_methods_supported (RFC 8414 §2).
func (e *Endpoint) ServerMetadata() map[string]any {
	m := map[string]any{"revocation_endpoint_auth_methods_supported": methodNames(e.cfg.AuthMethods)}
	if u := e.srv.URL(e.cfg.URL); u != "" {
		m["revocation_endpoint"] = u
	}
	return m
}

func methodNames(ms []grantry.AuthMethod) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m)
	}
	return out
}

// ServeHTTP answers a revocation request (RFC 7009 §2.1): POST with a form
// body.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := e.revoke(r.Context(), r); err != nil {
		e.srv.WriteError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// revoke authenticates the client, checks the parameters and revokes the
// token when it is the client's own.
func (e *Endpoint) revoke(ctx context.Context, r *http.Request) error {
	params, err := e.srv.ParsePost(r)
	if err != nil {
		return err
	}
	car := &authserver.ClientAuthRequest{HTTP: r, Params: params, Endpoint: grantry.EndpointRevocation}
	client, _, err := e.srv.AuthenticateClient(ctx, car, e.cfg.AuthMethods)
	if err != nil {
		return err
	}
	token, hint, err := checkParams(params)
	if err != nil {
		return err
	}
	tok, refresh, err := e.srv.FindToken(ctx, token, hint)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil // RFC 7009 §2.2: an invalid token is no error.
	case err != nil:
		return authserver.AsError(err)
	case tok.ClientID != client.ClientID():
		return nil // RFC 7009 §2.1: only the client's own tokens.
	case tok.Revoked && !refresh:
		return nil
	}
	if err := e.srv.RevokeToken(ctx, tok, refresh); err != nil {
		return authserver.AsError(err)
	}
	return nil
}

// checkParams reads token and token_type_hint (RFC 7009 §2.1).
func checkParams(params authserver.Params) (token, hint string, err error) {
	token = params.Get("token")
	if token == "" {
		return "", "", grantry.InvalidRequest("missing token")
	}
	hint = params.Get("token_type_hint")
	switch hint {
	case "", grantry.HintAccessToken, grantry.HintRefreshToken:
		return token, hint, nil
	}
	return "", "", grantry.NewError(grantry.ErrUnsupportedTokenType, "the token type hint is not supported")
}
