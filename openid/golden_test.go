package openid_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/grantry/grantry/internal/golden"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/storage/memstore"
)

type noClaims struct{}

func (noClaims) UserClaims(context.Context, string) (map[string]any, error) { return nil, nil }

// TestDiscoveryGolden checks the whole discovery document of a provider
// with every feature on, as it goes on the wire.
func TestDiscoveryGolden(t *testing.T) {
	store := memstore.New()
	as, err := authserver.New(authserver.Config{Issuer: "https://op.example", Clients: store, Tokens: store,
		Scopes:    grantry.Scope{"openid", "profile", "email", "address", "phone"},
		Endpoints: authserver.EndpointURLs{Authorization: "/authorize", Token: "/token"}})
	if err != nil {
		t.Fatal(err)
	}
	code := authcode.New(store, authcode.Config{})
	as.RegisterGrant(code)
	as.RegisterResponseType(code)
	as.RegisterGrant(refresh.New(store, refresh.Config{}))
	as.RegisterExtension(pkce.New(pkce.Config{}))
	es, _ := keyset.GenerateKey(keyset.ES256)
	rs, _ := keyset.GenerateKey(keyset.RS256)
	set, _ := keyset.NewSet(es, rs)
	if err := set.ActivateSigner(rs.ID()); err != nil {
		t.Fatal(err)
	}
	p, err := openid.New(openid.Config{Issuer: "https://op.example", Keys: func() *keyset.Set { return set },
		Claims: noClaims{}, PairwiseSecret: make([]byte, 32), ACRValues: []string{"urn:grantry:acr:password"},
		UserInfoEndpoint: "/userinfo", JWKSURI: "/jwks.json", EndSessionEndpoint: "/logout", BackchannelLogout: true,
		UILocales: []string{"en", "fr", "de"}})
	if err != nil {
		t.Fatal(err)
	}
	as.RegisterExtension(p)
	for _, g := range openid.ResponseTypes(code) {
		as.RegisterResponseType(g)
	}
	rec := httptest.NewRecorder()
	as.MetadataHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, openid.DiscoveryPath, nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(doc, "", "  ")
	golden.Check(t, "discovery.json", append(got, '\n'))
}
