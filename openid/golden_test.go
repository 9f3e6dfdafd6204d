package openid_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/authcode"
	"github.com/grantry/grantry/grant/refresh"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/openid"
	"github.com/grantry/grantry/pkce"
	"github.com/grantry/grantry/storage/memstore"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the openid testdata/*.golden files")

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
	checkGolden(t, "discovery.json", append(got, '\n'))
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update-golden to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
	}
}
