package storage_test

import (
	"slices"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

func TestClientClone(t *testing.T) {
	orig := &storage.Client{
		ID:                               "app",
		RedirectURIs:                     []string{"https://app.example/cb"},
		GrantTypes:                       []grantry.GrantType{grantry.GrantAuthorizationCode},
		ResponseTypes:                    []grantry.ResponseType{grantry.ResponseCode},
		Scope:                            grantry.Scope{"openid"},
		IDTokenSignedResponseAlg:         "ES256",
		SubjectType:                      storage.SubjectPairwise,
		SectorIdentifierURI:              "https://app.example/sector.json",
		PostLogoutRedirectURIs:           []string{"https://app.example/bye"},
		BackchannelLogoutURI:             "https://app.example/logout",
		BackchannelLogoutSessionRequired: true,
	}
	c := orig.Clone()
	if got, want := c.PostLogoutRedirectURIs, orig.PostLogoutRedirectURIs; !slices.Equal(got, want) {
		t.Fatalf("clone PostLogoutRedirectURIs: got %q, want %q", got, want)
	}
	if c.IDTokenSignedResponseAlg != "ES256" || c.SubjectType != "pairwise" || c.SectorIdentifierURI != orig.SectorIdentifierURI ||
		c.BackchannelLogoutURI != orig.BackchannelLogoutURI || !c.BackchannelLogoutSessionRequired {
		t.Errorf("clone: got %+v, want the metadata of %+v", c, orig)
	}
	c.RedirectURIs[0] = "x"
	c.GrantTypes[0] = "x"
	c.ResponseTypes[0] = "x"
	c.Scope[0] = "x"
	c.PostLogoutRedirectURIs[0] = "x"
	tests := []struct {
		name, got, want string
	}{
		{"RedirectURIs", orig.RedirectURIs[0], "https://app.example/cb"},
		{"GrantTypes", string(orig.GrantTypes[0]), "authorization_code"},
		{"ResponseTypes", string(orig.ResponseTypes[0]), "code"},
		{"Scope", orig.Scope[0], "openid"},
		{"PostLogoutRedirectURIs", orig.PostLogoutRedirectURIs[0], "https://app.example/bye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("original after changing the clone: got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
