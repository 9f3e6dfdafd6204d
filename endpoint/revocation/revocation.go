package revocation

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
	// (revocation_endpoint): an absolute URL, or a path joined to the
	// issuer. Empty leaves the endpoint's URL out of the metadata.
	URL string
	// AuthMethods are the client authentication methods accepted; nil
	// means DefaultAuthMethods.
	AuthMethods []grantry.AuthMethod
	// Revoked, when set, is called once the store has revoked a token,
	// for audit logs and metrics. With family true, every token of
	// tok.FamilyID was revoked (a refresh token was presented); otherwise
	// only tok's record. It is not called when nothing was revoked: an
	// unknown token, a token of another client, or an access token
	// revoked already.
	Revoked func(ctx context.Context, tok *storage.Token, family bool)
}

// Tokens is what the endpoint needs of the token store.
// storage.TokenStore satisfies it.
type Tokens interface {
	storage.TokenFinder
	storage.TokenRevoker
}

// Endpoint is the revocation endpoint, an authserver.Endpoint: mount it
// with Server.Mount.
type Endpoint struct {
	tokens Tokens
	cfg    Config
}

// New returns the endpoint over the store the server issues tokens into.
func New(tokens Tokens, cfg Config) *Endpoint {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = DefaultAuthMethods
	}
	return &Endpoint{tokens: tokens, cfg: cfg}
}

// Name implements authserver.Endpoint.
func (*Endpoint) Name() string { return grantry.EndpointRevocation }

// AuthMethods implements authserver.Endpoint.
func (e *Endpoint) AuthMethods() []grantry.AuthMethod { return e.cfg.AuthMethods }

// ServerMetadata implements authserver.MetadataProvider:
// revocation_endpoint (RFC 8414 §2).
func (e *Endpoint) ServerMetadata() map[string]any {
	if e.cfg.URL == "" {
		return nil
	}
	return map[string]any{"revocation_endpoint": e.cfg.URL}
}

// Respond implements authserver.Endpoint (RFC 7009 §2.1): it revokes the
// token when it is the client's own, and answers 200 with no body.
func (e *Endpoint) Respond(ctx context.Context, req *authserver.EndpointRequest) ([]byte, error) {
	token, hint, err := checkParams(req.Params)
	if err != nil {
		return nil, err
	}
	tok, refresh, err := storage.FindToken(ctx, e.tokens, token, hint)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil // RFC 7009 §2.2: an invalid token is no error.
	case err != nil:
		return nil, authserver.AsError(err)
	case tok.ClientID != req.Client.ID:
		return nil, nil // RFC 7009 §2.1: only the client's own tokens.
	case tok.Revoked && !refresh:
		return nil, nil
	}
	if err := e.revoke(ctx, tok, refresh); err != nil {
		return nil, authserver.AsError(err)
	}
	return nil, nil
}

// revoke revokes a token's record, or with family every token of its
// family: RFC 7009 §2.1 asks that revoking a refresh token revoke the
// access tokens issued with it, and in the family are both the refresh
// token's own record and every token issued from the same grant. A token
// without a family is revoked alone either way. On success tok.Revoked is
// set.
func (e *Endpoint) revoke(ctx context.Context, tok *storage.Token, family bool) error {
	family = family && tok.FamilyID != ""
	var err error
	if family {
		err = e.tokens.RevokeFamily(ctx, tok.FamilyID)
	} else {
		err = e.tokens.RevokeToken(ctx, tok.ID)
	}
	if err != nil {
		return err
	}
	tok.Revoked = true
	if e.cfg.Revoked != nil {
		e.cfg.Revoked(ctx, tok, family)
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
