// Package password is the resource owner password credentials grant
// (RFC 6749 §4.3).
//
// RFC 9700 §2.4 says it must not be used; it remains for migrating
// existing systems. The application supplies an [Authenticator] that
// checks a user name and password.
package password

import (
	"context"
	"errors"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// ErrInvalidCredentials is returned by an Authenticator for an unknown user
// or a wrong password.
var ErrInvalidCredentials = errors.New("password: invalid credentials")

// Authenticator checks the resource owner's credentials.
type Authenticator interface {
	// AuthenticateUser returns the subject of the user, or
	// ErrInvalidCredentials. It should take the same time for an unknown
	// user as for a wrong password, so that user names cannot be probed.
	AuthenticateUser(ctx context.Context, username, password string) (subject string, err error)
}

// Config configures the grant.
type Config struct {
	// AuthMethods are the client authentication methods accepted; nil
	// means client_secret_basic.
	AuthMethods []grantry.AuthMethod
}

// Grant is the password grant.
type Grant struct {
	users Authenticator
	cfg   Config
}

// New returns the grant.
func New(users Authenticator, cfg Config) *Grant {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic}
	}
	return &Grant{users: users, cfg: cfg}
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantPassword }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// Token implements authserver.TokenGrant (RFC 6749 §4.3.2). Missing
// credentials are invalid_request; wrong ones invalid_grant
// (RFC 6749 §5.2). A refresh token is issued when the client may use the
// refresh_token grant.
func (g *Grant) Token(ctx context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	username, pw := req.Get("username"), req.Get("password")
	if username == "" {
		return nil, grantry.InvalidRequest("missing username")
	}
	if pw == "" {
		return nil, grantry.InvalidRequest("missing password")
	}
	sc, err := req.RequestedScope()
	if err != nil {
		return nil, err
	}
	subject, err := g.users.AuthenticateUser(ctx, username, pw)
	if errors.Is(err, ErrInvalidCredentials) {
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "invalid username or password")
	}
	if err != nil {
		return nil, authserver.AsError(err)
	}
	refresh := slices.Contains(req.Client.GrantTypes, grantry.GrantRefreshToken)
	return &authserver.Issue{Subject: subject, Scope: sc, Refresh: refresh}, nil
}
