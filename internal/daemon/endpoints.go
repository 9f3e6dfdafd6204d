package daemon

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/endpoint/introspection"
	"github.com/grantry/grantry/endpoint/par"
	"github.com/grantry/grantry/endpoint/registration"
	"github.com/grantry/grantry/endpoint/revocation"
	"github.com/grantry/grantry/storage"
)

// Paths of the optional endpoints.
const (
	revocationPath    = "/revoke"
	introspectionPath = "/introspect"
	registrationPath  = "/register"
	parPath           = "/par"
)

// pageRequestLifetime is how long a request kept by reference for the
// sign-in and consent pages may be used: time for a person to sign in.
const pageRequestLifetime = 30 * time.Minute

// registerPAR makes the keeper of pushed authorization requests
// (RFC 9126): mounted at /par with --par, otherwise only the resolver of
// the request_uri values the pages use to refer to a pushed or signed
// request. It returns the endpoint's handler, or nil.
func (a *app) registerPAR() http.Handler {
	a.par = par.New(a.oauth, a.store.pushed, par.Config{
		URL: parPath, Lifetime: a.cfg.PARLifetime, AuthMethods: allMethods, Require: a.cfg.RequirePAR,
	})
	if !a.cfg.PAR {
		a.oauth.SetRequestURIResolver(a.par)
		return nil
	}
	return a.oauth.Mount(a.par)
}

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

// registerRegistration registers dynamic client registration (RFC 7591)
// and its management (RFC 7592) unless --registration is off, so that the
// metadata lists it, and returns its handler; nil when it is off.
func (a *app) registerRegistration() (http.Handler, error) {
	if a.cfg.Registration == registrationOff {
		return nil, nil
	}
	cfg := registration.Config{URL: registrationPath, SectorHTTPClient: sectorHTTPClient,
		SealSecret: func(id, plain string) (string, error) { return authserver.SealClientSecret(a.sealer, id, plain) }}
	if a.cfg.Registration == registrationToken {
		if a.store.initialTokens == nil {
			return nil, errors.New("--registration token: this store keeps no initial access tokens")
		}
		cfg.InitialAccessTokens = registration.StoredInitialTokens(a.store.initialTokens)
	}
	reg, err := registration.New(a.oauth, a.store.clients, cfg)
	if err != nil {
		return nil, err
	}
	return a.oauth.MountHandler(grantry.EndpointRegistration, reg), nil
}

// mountEndpoints mounts revocation, introspection, registration, pushed
// authorization requests and the device authorization grant's endpoint
// and verification page when on, and the server metadata
// (RFC 8414 §3).
func (a *app) mountEndpoints(handle func(pattern, endpoint string, h http.HandlerFunc)) {
	handle(revocationPath, "revocation", a.revoke.ServeHTTP)
	handle(introspectionPath, "introspection", a.introspect.ServeHTTP)
	if a.register != nil {
		handle(registrationPath, "registration", a.register.ServeHTTP)
		handle(registrationPath+"/", "registration", a.register.ServeHTTP)
	}
	if a.pushAuth != nil {
		handle(parPath, "par", a.pushAuth.ServeHTTP)
	}
	if a.deviceAuth != nil {
		handle(deviceAuthorizationPath, "device_authorization", a.deviceAuth.ServeHTTP)
		handle(devicePath, "device", a.serveDevice)
	}
	handle(a.oauth.MetadataPath(), "metadata", a.metadata.ServeHTTP)
}
