package daemon

import (
	"context"
	"log/slog"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/grant/implicit"
	"github.com/grantry/grantry/grant/password"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/storage"
)

// Client authentication methods accepted at the token endpoint. Each client
// still authenticates only with the one method it registered.
var (
	confidentialMethods = []grantry.AuthMethod{
		grantry.AuthClientSecretBasic, grantry.AuthClientSecretPost, grantry.AuthPrivateKeyJWT, grantry.AuthClientSecretJWT,
	}
	allMethods = append(slices.Clone(confidentialMethods), grantry.AuthNone)
)

// newAuthServer builds the authorization server with the configured
// grants. The metrics count the tokens it issues and, through noteFailure,
// the errors it answers.
func newAuthServer(cfg *serveConfig, b *backend, auth *userAuth, m *metrics, p *openid.Provider, keys func() *keyset.Set,
	sealer *keyset.Sealer, dp *authserver.DPoPConfig, log *slog.Logger) (*authserver.Server, error) {
	scopes, _ := grantry.ParseScope(cfg.Scopes)
	// One cache of the clients' keys verifies their request objects and
	// their client assertions.
	clientKeys := authserver.NewClientKeys(keyset.RemoteConfig{})
	var objects *authserver.RequestObjectConfig
	if cfg.RequestObjects {
		objects = &authserver.RequestObjectConfig{
			Keys:          clientKeys,
			RequireSigned: cfg.RequireSignedRequestObject,
		}
	}
	// JWT access tokens (RFC 9068) are signed with the keys of the ID
	// tokens, published at jwksPath; their default audience is the
	// issuer.
	jwts, err := accesstoken.NewJWTGenerator(accesstoken.JWTConfig{Issuer: cfg.Issuer, Keys: keys})
	if err != nil {
		return nil, err
	}
	srv, err := authserver.New(authserver.Config{
		RequestObjects:      objects,
		JWTAccessTokens:     jwts,
		AccessTokenFormat:   cfg.AccessTokenFormat,
		Issuer:              cfg.Issuer,
		Clients:             b.clients,
		Tokens:              b.tokens,
		Scopes:              scopes,
		RefreshLifetime:     cfg.RefreshLifetime,
		RefreshGracePeriod:  cfg.RefreshGrace,
		DPoP:                dp,
		AccessTokenLifetime: cfg.AccessTokenLifetime,
		Logger:              log,
		Endpoints:           authserver.EndpointURLs{Authorization: "/authorize", Token: "/token"},
		Events: authserver.Events{
			TokenIssued: func(_ context.Context, tok *storage.Token) { m.countToken(tok.GrantType) },
			Failed:      noteFailure,
		},
		ClientAssertions: authserver.ClientAssertionConfig{
			ReplayCache: b.replay,
			Keys:        clientKeys,
			Sealer:      sealer,
		},
	})
	if err != nil {
		return nil, err
	}
	grants, err := cfg.grantTypes()
	if err != nil {
		return nil, err
	}
	var code authserver.AuthorizationGrant
	for _, gt := range grants {
		var err error
		switch gt {
		case grantry.GrantJWTBearer:
			err = registerJWTBearer(srv, cfg, b)
		case grantry.GrantTokenExchange:
			err = registerTokenExchange(srv, cfg, b, keys)
		default:
			if g := registerGrant(srv, gt, cfg, b, auth); g != nil {
				code = g
			}
		}
		if err != nil {
			return nil, err
		}
	}
	registerOpenID(srv, p, code, grants)
	return srv, nil
}

// registerGrant registers the grant gt; it returns the code grant, whose
// codes the hybrid flows issue too.
func registerGrant(srv *authserver.Server, gt grantry.GrantType, cfg *serveConfig, b *backend, auth *userAuth) authserver.AuthorizationGrant {
	switch gt {
	case grantry.GrantAuthorizationCode:
		code := authcode.New(b.codes, authcode.Config{AuthMethods: allMethods})
		srv.RegisterGrant(code)
		srv.RegisterResponseType(code)
		srv.RegisterExtension(pkce.New(pkce.Config{Required: cfg.RequirePKCE, AllowPlain: cfg.AllowPKCEPlain}))
		return code
	case grantry.GrantRefreshToken:
		srv.RegisterGrant(refresh.New(b.tokens, refresh.Config{AuthMethods: allMethods, KeepExpiry: cfg.RefreshAbsolute}))
	case grantry.GrantClientCredentials:
		srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{AuthMethods: confidentialMethods}))
	case grantry.GrantPassword:
		srv.RegisterGrant(password.New(auth, password.Config{AuthMethods: confidentialMethods}))
	case grantry.GrantImplicit:
		srv.RegisterResponseType(implicit.New())
	}
	return nil
}
