package daemon

import (
	"context"
	"log/slog"
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
)

// Paths of the OpenID Connect endpoints.
const (
	userInfoPath = "/userinfo"
	logoutPath   = "/logout"
)

// newProvider makes the OpenID provider of the server: ID tokens signed
// with keys, claims from the user records, pairwise subjects keyed by a
// secret shared through the database, RP-Initiated and Back-Channel
// Logout at logoutPath.
func newProvider(ctx context.Context, cfg *serveConfig, b *backend, sk *settingKeys, keys func() *keyset.Set, log *slog.Logger) (*openid.Provider, error) {
	ring, err := sharedKeys(ctx, b, sk, settingPairwiseSecret,
		"this store cannot share a secret: pairwise subjects differ between processes", log)
	if err != nil {
		return nil, err
	}
	return openid.New(openid.Config{
		Issuer: cfg.Issuer, Keys: keys, Claims: userClaims{b.users}, PairwiseSecret: ring.Current,
		UserInfoEndpoint: userInfoPath, JWKSURI: jwksPath, EndSessionEndpoint: logoutPath, BackchannelLogout: true,
		UILocales: pageLocales,
	})
}

// sharedKeys returns the 32-byte keys generated once and kept, sealed, in
// the database under name, so that every process sharing the database
// uses them; a store without settings gets a key for this process, and
// warns when other processes may share the store.
func sharedKeys(ctx context.Context, b *backend, sk *settingKeys, name, warn string, log *slog.Logger) (*keyring, error) {
	if b.settings == nil {
		if b.shared {
			log.Warn(warn)
		}
		return &keyring{Current: randomKey()}, nil
	}
	ring, _, sealed, err := sk.load(ctx, name)
	if err != nil {
		return nil, explainSealedSetting(err, sk.kek)
	}
	if sealed {
		sk.sealedNow = true
		log.Info("sealed a key that an earlier version kept in clear in the database", slog.String("setting", name))
	}
	return ring, nil
}

// registerOpenID adds the provider and the response types of the OpenID
// Connect implicit and hybrid flows that the enabled grants allow
// (RFC 7591 §2.1): those without a code need the implicit grant, those
// with one the authorization code grant too.
func registerOpenID(srv *authserver.Server, p *openid.Provider, code authserver.AuthorizationGrant, grants []grantry.GrantType) {
	srv.RegisterExtension(p)
	if !slices.Contains(grants, grantry.GrantImplicit) {
		return
	}
	for _, g := range openid.ResponseTypes(code) {
		if code != nil || !hasCode(g.ResponseType()) {
			srv.RegisterResponseType(g)
		}
	}
}

func hasCode(rt grantry.ResponseType) bool {
	return rt == grantry.ResponseCodeIDToken || rt == grantry.ResponseCodeToken || rt == grantry.ResponseCodeIDTokenToken
}

// userClaims gives the provider the claims of the users.
type userClaims struct{ users userFinder }

// UserClaims implements openid.ClaimSource: the user's standard claims,
// with preferred_username their username unless set.
func (u userClaims) UserClaims(ctx context.Context, subject string) (map[string]any, error) {
	user, err := u.users.GetUser(ctx, subject)
	if err != nil {
		return nil, err
	}
	claims := user.Claims.Map()
	if _, ok := claims["preferred_username"]; !ok {
		claims["preferred_username"] = user.Username
	}
	return claims, nil
}
