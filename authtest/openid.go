package authtest

import (
	"context"
	"crypto/rand"
	"maps"
	"net/http"

	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
)

// registerOpenID makes the server an OpenID provider: an ES256 key signs
// and an RS256 key is published beside it, pairwise subjects are offered,
// and the implicit and hybrid response types are registered.
func (s *Server) registerOpenID(cfg Config, code authserver.AuthorizationGrant) error {
	es, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		return err
	}
	rs, err := keyset.GenerateKey(keyset.RS256)
	if err != nil {
		return err
	}
	if s.keys, err = keyset.NewSet(es, rs); err != nil {
		return err
	}
	if err := s.keys.ActivateSigner(rs.ID()); err != nil {
		return err
	}
	pairwise := make([]byte, 32)
	_, _ = rand.Read(pairwise)
	s.claims = make(map[string]map[string]any, len(cfg.Claims))
	for sub, c := range cfg.Claims {
		s.claims[sub] = maps.Clone(c)
	}
	s.openid, err = openid.New(openid.Config{
		Issuer: s.ts.URL, Keys: func() *keyset.Set { return s.keys }, Claims: claimSource{s},
		PairwiseSecret: pairwise, UserInfoEndpoint: UserInfoPath, JWKSURI: JWKSPath, Now: s.clock.Now,
	})
	if err != nil {
		return err
	}
	s.as.RegisterExtension(s.openid)
	for _, g := range openid.ResponseTypes(code) {
		s.as.RegisterResponseType(g)
	}
	return nil
}

// routeOpenID mounts UserInfo, the JWK Set and the discovery document.
func (s *Server) routeOpenID(mux *http.ServeMux) {
	ui := s.openid.UserInfo(openid.UserInfoConfig{Tokens: s.store, Clients: s.store})
	mux.Handle(UserInfoPath, ui)
	mux.Handle("GET "+JWKSPath, &keyset.Handler{Set: s.keys})
	mux.Handle(openid.DiscoveryPath, s.as.MetadataHandler())
}

// Keys returns the server's signing keys, to verify its ID tokens with.
func (s *Server) Keys() *keyset.Set { return s.keys }

// OpenID returns the server's OpenID provider.
func (s *Server) OpenID() *openid.Provider { return s.openid }

// claimSource serves Config.Claims.
type claimSource struct{ s *Server }

func (c claimSource) UserClaims(_ context.Context, subject string) (map[string]any, error) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	// Every subject is a user here; those without claims have none.
	return maps.Clone(c.s.claims[subject]), nil
}
