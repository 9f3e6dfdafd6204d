package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
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
func newProvider(ctx context.Context, cfg *serveConfig, b *backend, keys func() *keyset.Set, log *slog.Logger) (*openid.Provider, error) {
	secret, err := sharedSecret(ctx, b, "pairwise_secret",
		"this store cannot share a secret: pairwise subjects differ between processes", log)
	if err != nil {
		return nil, err
	}
	return openid.New(openid.Config{
		Issuer: cfg.Issuer, Keys: keys, Claims: userClaims{b.users}, PairwiseSecret: secret,
		UserInfoEndpoint: userInfoPath, JWKSURI: jwksPath, EndSessionEndpoint: logoutPath, BackchannelLogout: true,
		UILocales: pageLocales,
	})
}

// sharedSecret returns a 32-byte secret generated once and kept in the
// database under name, so that every process sharing the database uses
// it; a store without settings gets one for this process, and warns when
// other processes may share the store.
func sharedSecret(ctx context.Context, b *backend, name, warn string, log *slog.Logger) ([]byte, error) {
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	if b.settings == nil {
		if b.shared {
			log.Warn(warn)
		}
		return fresh, nil
	}
	stored, err := b.settings.LoadOrStoreSetting(ctx, name, base64.RawURLEncoding.EncodeToString(fresh))
	if err != nil {
		return nil, fmt.Errorf("loading the %s: %w", name, err)
	}
	k, err := base64.RawURLEncoding.DecodeString(stored)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("the stored %s is malformed", name)
	}
	return k, nil
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
