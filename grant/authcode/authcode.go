// Package authcode is the authorization code grant (RFC 6749 §4.1).
//
// Register it with the PKCE extension (package pkce), which RFC 9700 §2.1.1
// makes the norm:
//
//	code := authcode.New(store, authcode.Config{})
//	srv.RegisterGrant(code)        // grant_type=authorization_code
//	srv.RegisterResponseType(code) // response_type=code
//	srv.RegisterExtension(pkce.New(pkce.Config{}))
//
// Codes carry 256 random bits, are stored as digests, live
// Config.Lifetime (five minutes by default) and are single use: a replayed
// code is refused with invalid_grant and every token issued from it is
// revoked (RFC 6749 §4.1.2).
package authcode

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// Config configures the grant. The zero value is ready to use.
type Config struct {
	// AuthMethods are the client authentication methods accepted at the
	// token endpoint; nil means client_secret_basic, client_secret_post
	// and none.
	AuthMethods []grantry.AuthMethod
	// Lifetime is how long a code may be exchanged; zero means
	// DefaultLifetime.
	Lifetime time.Duration
}

// DefaultLifetime is how long a code may be exchanged when
// Config.Lifetime is zero (RFC 6749 §4.1.2 recommends at most ten
// minutes).
const DefaultLifetime = 5 * time.Minute

// DefaultAuthMethods are the methods accepted when Config.AuthMethods is nil.
var DefaultAuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthNone}

// Grant is the authorization code grant. It answers response_type=code at
// the authorization endpoint and grant_type=authorization_code at the
// token endpoint.
type Grant struct {
	codes storage.CodeStore
	cfg   Config
}

// New returns the grant over a code store.
func New(codes storage.CodeStore, cfg Config) *Grant {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = DefaultAuthMethods
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultLifetime
	}
	return &Grant{codes: codes, cfg: cfg}
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantAuthorizationCode }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// ResponseType implements authserver.AuthorizationGrant.
func (*Grant) ResponseType() grantry.ResponseType { return grantry.ResponseCode }

// ValidateAuthorization implements authserver.AuthorizationGrant; the
// server's checks are all the code grant needs.
func (*Grant) ValidateAuthorization(context.Context, *authserver.AuthorizationRequest) error {
	return nil
}

// Authorize implements authserver.AuthorizationGrant: it stores a new code
// and returns it (RFC 6749 §4.1.2).
func (g *Grant) Authorize(ctx context.Context, req *authserver.AuthorizationRequest, c *authserver.Consent) (*authserver.Authorization, error) {
	code, rec := newCode(req, c, g.cfg.Lifetime)
	if err := g.codes.CreateAuthorizationCode(ctx, rec); err != nil {
		return nil, authserver.AsError(err)
	}
	return &authserver.Authorization{Params: url.Values{"code": {code}}}, nil
}

// Token implements authserver.TokenGrant (RFC 6749 §4.1.3). The code is
// consumed first, so a failed check still burns it and a verifier cannot
// be guessed against one code. A refresh token is issued when the client
// may use the refresh_token grant.
func (g *Grant) Token(ctx context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	raw := req.Get("code")
	if raw == "" {
		return nil, grantry.InvalidRequest("missing code")
	}
	code, err := g.consume(ctx, req, raw)
	if err != nil {
		return nil, err
	}
	if err := checkCode(req, code); err != nil {
		return nil, err
	}
	return &authserver.Issue{
		Subject:  code.Subject,
		Scope:    code.Scope,
		FamilyID: code.FamilyID,
		Refresh:  slices.Contains(req.Client.GrantTypes, grantry.GrantRefreshToken),
		Code:     code,
		Spent:    true,
	}, nil
}

// consume redeems the code once. A replay revokes what the code issued
// (RFC 6749 §4.1.2).
func (g *Grant) consume(ctx context.Context, req *authserver.TokenRequest, raw string) (*storage.AuthorizationCode, error) {
	code, err := g.codes.ConsumeAuthorizationCode(ctx, secret.Digest(raw), req.Client.ID, req.Time)
	switch {
	case err == nil:
		return code, nil
	case errors.Is(err, storage.ErrNotFound):
		return nil, invalidCode()
	case errors.Is(err, storage.ErrCodeUsed) && code != nil:
		return nil, &authserver.Replay{FamilyID: code.FamilyID, ClientID: code.ClientID, Err: invalidCode()}
	case errors.Is(err, storage.ErrCodeUsed):
		return nil, invalidCode()
	}
	return nil, authserver.AsError(err)
}

// checkCode binds the code to the request: not expired, issued to this
// client, and the same redirect_uri (RFC 6749 §4.1.3).
func checkCode(req *authserver.TokenRequest, code *storage.AuthorizationCode) error {
	if code.Expired(req.Time) || code.ClientID != req.Client.ID {
		return invalidCode()
	}
	uri := req.Get("redirect_uri")
	want := code.RedirectURI
	if want == "" && uri != "" && len(req.Client.RedirectURIs) == 1 {
		want = req.Client.RedirectURIs[0]
	}
	if uri != want {
		return grantry.NewError(grantry.ErrInvalidGrant, "redirect_uri does not match the authorization request")
	}
	return nil
}

func invalidCode() *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidGrant, "the authorization code is invalid, expired or used")
}
