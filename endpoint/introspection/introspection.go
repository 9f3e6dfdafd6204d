package introspection

import (
	"context"
	"errors"

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
	// Issuer is reported as the iss of every active token; empty leaves
	// it out.
	Issuer string
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
	CheckPermission func(ctx context.Context, caller *storage.Client, tok *storage.Token) bool
	// Describe may complete the description of an active token, which
	// the store does not hold: username, aud, further members in Extra.
	// It runs after CheckPermission allowed the caller.
	Describe func(ctx context.Context, tok *storage.Token, info *grantry.TokenInfo)
}

// Endpoint is the introspection endpoint, an authserver.Endpoint: mount it
// with Server.Mount.
type Endpoint struct {
	tokens storage.TokenFinder
	cfg    Config
}

// New returns the endpoint over the store the server issues tokens into.
func New(tokens storage.TokenFinder, cfg Config) *Endpoint {
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
	return &Endpoint{tokens: tokens, cfg: cfg}
}

// OwnTokens lets a client introspect the tokens issued to it, and no
// others. It is the default permission.
func OwnTokens(_ context.Context, caller *storage.Client, tok *storage.Token) bool {
	return caller.ID == tok.ClientID
}

// AnyCaller lets every authenticated client introspect every token: for a
// server whose only confidential clients are its resource servers.
func AnyCaller(context.Context, *storage.Client, *storage.Token) bool { return true }

// Callers returns a permission that lets the named clients, such as
// resource servers, introspect every token, and any other client its own.
func Callers(clientIDs ...string) func(context.Context, *storage.Client, *storage.Token) bool {
	allowed := make(map[string]bool, len(clientIDs))
	for _, id := range clientIDs {
		allowed[id] = true
	}
	return func(ctx context.Context, caller *storage.Client, tok *storage.Token) bool {
		return allowed[caller.ID] || OwnTokens(ctx, caller, tok)
	}
}

// Name implements authserver.Endpoint.
func (*Endpoint) Name() string { return grantry.EndpointIntrospection }

// AuthMethods implements authserver.Endpoint.
func (e *Endpoint) AuthMethods() []grantry.AuthMethod { return e.cfg.AuthMethods }

// ServerMetadata implements authserver.MetadataProvider:
// introspection_endpoint (RFC 8414 §2).
func (e *Endpoint) ServerMetadata() map[string]any {
	if e.cfg.URL == "" {
		return nil
	}
	return map[string]any{"introspection_endpoint": e.cfg.URL}
}

// Respond implements authserver.Endpoint: it describes the token
// (RFC 7662 §2.2) to the authenticated caller.
func (e *Endpoint) Respond(ctx context.Context, req *authserver.EndpointRequest) ([]byte, error) {
	token := req.Get("token")
	if token == "" {
		return nil, grantry.InvalidRequest("missing token")
	}
	info := new(grantry.TokenInfo)
	tok, refresh, err := storage.FindToken(ctx, e.tokens, token, req.Get("token_type_hint"))
	switch {
	case errors.Is(err, storage.ErrNotFound):
	case err != nil:
		return nil, authserver.AsError(err)
	default:
		e.describe(ctx, req, tok, refresh, info)
	}
	return info.MarshalJSON()
}

// describe fills info for a found token: inactive when it cannot be used
// or the caller may not know of it (RFC 7662 §2.2).
func (e *Endpoint) describe(ctx context.Context, req *authserver.EndpointRequest, tok *storage.Token, refresh bool, info *grantry.TokenInfo) {
	if refresh {
		tok.RefreshInfo(info, e.cfg.Issuer, req.Time)
	} else {
		tok.AccessInfo(info, e.cfg.Issuer, req.Time)
	}
	if !info.Active {
		return
	}
	if !e.cfg.CheckPermission(ctx, req.Client, tok) {
		*info = grantry.TokenInfo{}
		return
	}
	if e.cfg.Describe != nil {
		e.cfg.Describe(ctx, tok, info)
	}
}
