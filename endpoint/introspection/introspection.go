package introspection

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
	// (introspection_endpoint): an absolute URL, or a path joined to the
	// issuer. Empty leaves the endpoint's URL out of the metadata.
	URL string
	// AuthMethods are the client authentication methods accepted; nil
	// means DefaultAuthMethods. "none" is dropped: callers must
	// authenticate (RFC 7662 §2.1).
	AuthMethods []grantry.AuthMethod
	// CheckPermission reports whether the authenticated caller may learn
	// about an active token; when it says no, the answer is
	// {"active":false} (RFC 7662 §2.2). Nil is [OwnTokens]: a client
	// learns only about its own tokens. Resource servers, which introspect
	// tokens issued to other clients, must be authorized explicitly (RFC
	// 7662 §4): with [Callers], or [AnyCaller] when every authenticated
	// client is one.
	CheckPermission func(ctx context.Context, caller storage.Client, tok *storage.Token) bool
	// Describe may complete the description of an active token, which
	// the store does not hold: username, aud, further members in Extra.
	// It runs after CheckPermission allowed the caller.
	Describe func(ctx context.Context, tok *storage.Token, info *grantry.TokenInfo)
}

// Endpoint is the introspection endpoint, an http.Handler. It implements
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
	methods := make([]grantry.AuthMethod, 0, len(cfg.AuthMethods))
	for _, m := range cfg.AuthMethods {
		if m != grantry.AuthNone {
			methods = append(methods, m)
		}
	}
	cfg.AuthMethods = methods
	if cfg.CheckPermission == nil {
		cfg.CheckPermission = OwnTokens
	}
	return &Endpoint{srv: srv, cfg: cfg}
}

// OwnTokens lets a client introspect the tokens issued to it, and no
// others. It is the default permission.
func OwnTokens(_ context.Context, caller storage.Client, tok *storage.Token) bool {
	return caller.ClientID() == tok.ClientID
}

// AnyCaller lets every authenticated client introspect every token: for a
// server whose only confidential clients are its resource servers.
func AnyCaller(context.Context, storage.Client, *storage.Token) bool { return true }

// Callers returns a permission that lets the named clients, such as
// resource servers, introspect every token, and any other client its own.
func Callers(clientIDs ...string) func(context.Context, storage.Client, *storage.Token) bool {
	allowed := make(map[string]bool, len(clientIDs))
	for _, id := range clientIDs {
		allowed[id] = true
	}
	return func(ctx context.Context, caller storage.Client, tok *storage.Token) bool {
		return allowed[caller.ClientID()] || OwnTokens(ctx, caller, tok)
	}
}

// Name implements authserver.Endpoint.
func (*Endpoint) Name() string { return grantry.EndpointIntrospection }

// ServerMetadata implements authserver.MetadataProvider:
// introspection_endpoint and introspection_endpoint_auth_methods_supported
// (RFC 8414 §2).
func (e *Endpoint) ServerMetadata() map[string]any {
	names := make([]string, len(e.cfg.AuthMethods))
	for i, m := range e.cfg.AuthMethods {
		names[i] = string(m)
	}
	m := map[string]any{"introspection_endpoint_auth_methods_supported": names}
	if u := e.srv.URL(e.cfg.URL); u != "" {
		m["introspection_endpoint"] = u
	}
	return m
}

// ServeHTTP answers an introspection request (RFC 7662 §2.1): POST with a
// form body.
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info, err := e.introspect(r.Context(), r)
	if err != nil {
		e.srv.WriteError(w, r, err)
		return
	}
	body, err := info.MarshalJSON()
	if err != nil {
		e.srv.WriteError(w, r, grantry.ServerError(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// introspect authenticates the caller and describes the token.
func (e *Endpoint) introspect(ctx context.Context, r *http.Request) (*grantry.TokenInfo, error) {
	params, err := e.srv.ParsePost(r)
	if err != nil {
		return nil, err
	}
	car := &authserver.ClientAuthRequest{HTTP: r, Params: params, Endpoint: grantry.EndpointIntrospection}
	caller, _, err := e.srv.AuthenticateClient(ctx, car, e.cfg.AuthMethods)
	if err != nil {
		return nil, err
	}
	token := params.Get("token")
	if token == "" {
		return nil, grantry.InvalidRequest("missing token")
	}
	info := new(grantry.TokenInfo)
	tok, refresh, err := e.srv.FindToken(ctx, token, params.Get("token_type_hint"))
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return info, nil
	case err != nil:
		return nil, authserver.AsError(err)
	}
	e.describe(ctx, caller, tok, refresh, info)
	return info, nil
}

// describe fills info for a found token: inactive when it cannot be used
// or the caller may not know of it (RFC 7662 §2.2).
func (e *Endpoint) describe(ctx context.Context, caller storage.Client, tok *storage.Token, refresh bool, info *grantry.TokenInfo) {
	now := e.srv.Now()
	if refresh {
		tok.RefreshInfo(info, e.srv.Issuer(), now)
	} else {
		tok.AccessInfo(info, e.srv.Issuer(), now)
	}
	if !info.Active {
		return
	}
	if !e.cfg.CheckPermission(ctx, caller, tok) {
		*info = grantry.TokenInfo{}
		return
	}
	if e.cfg.Describe != nil {
		e.cfg.Describe(ctx, tok, info)
	}
}
