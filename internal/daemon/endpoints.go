package daemon

import (
	"context"
	"net/http"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/storage"
)

// Paths of the optional endpoints.
const (
	revocationPath    = "/revoke"
	introspectionPath = "/introspect"
)

// registerEndpoints registers revocation (RFC 7009) and introspection
// (RFC 7662) on the server, so that the metadata lists them, and returns
// their handlers.
func (a *app) registerEndpoints() (revoke, introspect http.Handler) {
	rev := revocation.New(a.store.tokens, revocation.Config{URL: revocationPath, AuthMethods: allMethods})
	in := introspection.New(a.store.tokens, introspection.Config{
		URL:             introspectionPath,
		AuthMethods:     confidentialMethods,
		Issuer:          a.cfg.Issuer,
		CheckPermission: introspection.Callers(a.cfg.Introspectors.vals...),
		Describe:        a.describeToken,
	})
	return a.oauth.Mount(rev), a.oauth.Mount(in)
}

// describeToken adds the user name to the introspection of a user's token.
func (a *app) describeToken(ctx context.Context, tok *storage.Token, info *grantry.TokenInfo) {
	if tok.Subject == "" {
		return
	}
	if u, err := a.store.users.GetUser(ctx, tok.Subject); err == nil {
		info.Username = u.Username
	}
}

// mountEndpoints mounts revocation, introspection and the server metadata
// (RFC 8414 §3).
func (a *app) mountEndpoints(handle func(pattern, endpoint string, h http.HandlerFunc)) {
	handle(revocationPath, "revocation", a.revoke.ServeHTTP)
	handle(introspectionPath, "introspection", a.introspect.ServeHTTP)
	handle(a.oauth.MetadataPath(), "metadata", a.metadata.ServeHTTP)
}
