// Package clientcredentials is the client credentials grant
// (RFC 6749 §4.4): a confidential client obtains a token for itself. No
// refresh token is issued (§4.4.3).
package clientcredentials

import (
	"context"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// Config configures the grant.
type Config struct {
	// AuthMethods are the client authentication methods accepted; nil
	// means client_secret_basic. "none" is never accepted: the grant is for
	// confidential clients only.
	AuthMethods []grantry.AuthMethod
}

// Grant is the client credentials grant.
type Grant struct{ cfg Config }

// New returns the grant.
func New(cfg Config) *Grant {
	if cfg.AuthMethods == nil {
		cfg.AuthMethods = []grantry.AuthMethod{grantry.AuthClientSecretBasic}
	}
	methods := make([]grantry.AuthMethod, 0, len(cfg.AuthMethods))
	for _, m := range cfg.AuthMethods {
		if m != grantry.AuthNone {
			methods = append(methods, m)
		}
	}
	cfg.AuthMethods = methods
	return &Grant{cfg: cfg}
}

// GrantType implements authserver.TokenGrant.
func (*Grant) GrantType() grantry.GrantType { return grantry.GrantClientCredentials }

// AuthMethods implements authserver.TokenGrant.
func (g *Grant) AuthMethods() []grantry.AuthMethod { return g.cfg.AuthMethods }

// Token implements authserver.TokenGrant (RFC 6749 §4.4.2): the scope
// must be within the client's; the token is the client's own.
func (*Grant) Token(_ context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	sc, err := req.RequestedScope()
	if err != nil {
		return nil, err
	}
	return &authserver.Issue{Scope: sc}, nil
}
