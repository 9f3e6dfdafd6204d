// Package authcode is the authorization code grant (RFC 6749 §4.1).
//
// Register it with the PKCE extension (package pkce), which RFC 9700 §2.1.1
// makes the norm:
//
//	srv.RegisterGrant(authcode.New(store, authcode.Config{}), pkce.New(pkce.Config{}))
//
// Codes carry 256 random bits, are stored as digests, live
// Server.CodeLifetime (five minutes by default) and are single use: a
// replayed code is refused with invalid_grant and every token issued from
// it is revoked (RFC 6749 §4.1.2).
package authcode

import (
	"context"
	"errors"
	"net/url"

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
}

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
	return &Grant{codes: codes, cfg: cfg}
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantAuthorizationCode }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// ResponseType implements authserver.AuthorizationGrant.
func (*Grant) ResponseType() grantry.ResponseType { return grantry.ResponseCode }

// DefaultResponseMode implements authserver.AuthorizationGrant.
func (*Grant) DefaultResponseMode() string { return authserver.ModeQuery }

// ValidateAuthorizationRequest implements authserver.AuthorizationGrant;
// the server's checks are all the code grant needs.
func (*Grant) ValidateAuthorizationRequest(context.Context, *authserver.AuthorizationRequest) error {
	return nil
}

// Authorize implements authserver.AuthorizationGrant: it stores a new code
// and returns it (RFC 6749 §4.1.2).
func (g *Grant) Authorize(ctx context.Context, req *authserver.AuthorizationRequest, c *authserver.Consent) (url.Values, error) {
	code, rec := newCode(req, c)
	if err := g.codes.CreateAuthorizationCode(ctx, rec); err != nil {
		return nil, authserver.AsError(err)
	}
	return url.Values{"code": {code}}, nil
}

// ValidateTokenRequest implements authserver.TokenGrant (RFC 6749 §4.1.3).
// The code is consumed first, so a failed check still burns it and a
// verifier cannot be guessed against one code.
func (g *Grant) ValidateTokenRequest(ctx context.Context, req *authserver.TokenRequest) error {
	raw := req.Get("code")
	if raw == "" {
		return grantry.InvalidRequest("missing code")
	}
	code, err := g.consume(ctx, req, raw)
	if err != nil {
		return err
	}
	if err := checkCode(req, code); err != nil {
		return err
	}
	req.Code, req.Subject, req.Scope, req.FamilyID = code, code.Subject, code.Scope, code.FamilyID
	return nil
}

// consume redeems the code once. A replay revokes what the code issued
// (RFC 6749 §4.1.2).
func (g *Grant) consume(ctx context.Context, req *authserver.TokenRequest, raw string) (*storage.AuthorizationCode, error) {
	code, err := g.codes.ConsumeAuthorizationCode(ctx, secret.Digest(raw), req.Server().Now())
	switch {
	case err == nil:
		return code, nil
	case errors.Is(err, storage.ErrNotFound):
		return nil, invalidCode()
	case errors.Is(err, storage.ErrCodeUsed):
		if code != nil {
			if err := req.Server().RevokeFamily(ctx, code.FamilyID, code.ClientID); err != nil {
				return nil, authserver.AsError(err)
			}
		}
		return nil, invalidCode()
	}
	return nil, authserver.AsError(err)
}

// checkCode binds the code to the request: not expired, issued to this
// client, and the same redirect_uri (RFC 6749 §4.1.3).
func checkCode(req *authserver.TokenRequest, code *storage.AuthorizationCode) error {
	if code.Expired(req.Server().Now()) || code.ClientID != req.Client.ClientID() {
		return invalidCode()
	}
	uri := req.Get("redirect_uri")
	want := code.RedirectURI
	if want == "" && uri != "" {
		want = req.Client.DefaultRedirectURI()
	}
	if uri != want {
		return grantry.NewError(grantry.ErrInvalidGrant, "redirect_uri does not match the authorization request")
	}
	return nil
}

func invalidCode() *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidGrant, "the authorization code is invalid, expired or used")
}

// CreateTokenResponse implements authserver.TokenGrant. A refresh token is
// issued when the client may use the refresh_token grant. The code is
// spent by now, so an outage here is answered 503 temporarily_unavailable
// without Retry-After, asking the client to start the authorization again.
func (*Grant) CreateTokenResponse(ctx context.Context, req *authserver.TokenRequest) (*grantry.TokenResponse, error) {
	resp, err := req.IssueToken(ctx, authserver.Issue{Refresh: req.Client.CheckGrantType(grantry.GrantRefreshToken)})
	if err != nil {
		return nil, spentCodeError(err)
	}
	return resp, nil
}

// spentCodeError adapts an outage met once the code is consumed. The
// request cannot succeed if repeated: the code is spent, and presenting it
// again is a replay. So the answer is still temporarily_unavailable, but
// without Retry-After (RFC 9110 §10.2.3), and it tells the client to start
// the authorization again. Any other error is returned as it is.
func spentCodeError(err error) error {
	e := authserver.AsError(err)
	if e.Code != grantry.ErrTemporarilyUnavailable {
		return err
	}
	out := *e
	out.Description = "the authorization code can no longer be used; start the authorization again"
	out.Header = e.Header.Clone()
	out.Header.Del("Retry-After")
	return &out
}
