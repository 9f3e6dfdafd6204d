package authtest_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
)

func TestAddClient(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{Users: map[string]string{}})
	code := grantry.GrantAuthorizationCode
	tests := []struct {
		name       string
		in         authtest.Client
		wantID     string
		wantSecret bool
		wantMethod grantry.AuthMethod
		wantGrants []grantry.GrantType
		wantRedir  []string
		wantScope  grantry.Scope
	}{
		{
			name: "zero", wantID: "client-1", wantSecret: true, wantMethod: grantry.AuthClientSecretBasic,
			wantGrants: []grantry.GrantType{code, grantry.GrantRefreshToken, grantry.GrantClientCredentials, grantry.GrantPassword},
			wantRedir:  []string{authtest.DefaultRedirectURI}, wantScope: authtest.DefaultScopes,
		},
		{
			name: "public", in: authtest.Client{Public: true, Secret: "ignored"}, wantID: "client-2", wantMethod: grantry.AuthNone,
			wantGrants: []grantry.GrantType{code, grantry.GrantRefreshToken},
			wantRedir:  []string{authtest.DefaultRedirectURI}, wantScope: authtest.DefaultScopes,
		},
		{
			name: "explicit", wantID: "web", wantSecret: true, wantMethod: grantry.AuthClientSecretPost,
			in: authtest.Client{
				ID: "web", Secret: "s3cret", AuthMethod: grantry.AuthClientSecretPost, RedirectURIs: []string{"https://web.test/cb"},
				Scope: grantry.Scope{"read"}, GrantTypes: []grantry.GrantType{code},
			},
			wantGrants: []grantry.GrantType{code}, wantRedir: []string{"https://web.test/cb"}, wantScope: grantry.Scope{"read"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.AddClient(tc.in)
			if c.ID != tc.wantID {
				t.Errorf("ID: got %q, want %q", c.ID, tc.wantID)
			}
			if got := c.Secret != ""; got != tc.wantSecret {
				t.Errorf("has a secret: got %v, want %v", got, tc.wantSecret)
			}
			if tc.in.Secret != "" && tc.wantSecret && c.Secret != tc.in.Secret {
				t.Errorf("Secret: got %q, want %q", c.Secret, tc.in.Secret)
			}
			if c.AuthMethod != tc.wantMethod {
				t.Errorf("AuthMethod: got %q, want %q", c.AuthMethod, tc.wantMethod)
			}
			if !slices.Equal(c.GrantTypes, tc.wantGrants) || !slices.Equal(c.RedirectURIs, tc.wantRedir) || !c.Scope.Equal(tc.wantScope) {
				t.Errorf("got grants %q, redirects %q, scope %q; want %q, %q, %q",
					c.GrantTypes, c.RedirectURIs, c.Scope, tc.wantGrants, tc.wantRedir, tc.wantScope)
			}
			stored, err := srv.Store().GetClient(t.Context(), c.ID)
			if err != nil {
				t.Fatalf("GetClient(%q): %v", c.ID, err)
			}
			if got := stored.Public(); got != (c.Secret == "") {
				t.Errorf("stored client Public: got %v, want %v", got, c.Secret == "")
			}
		})
	}
}

func TestAddPublicClient(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	tests := []struct {
		name string
		uris []string
		want []string
	}{
		{"default redirect", nil, []string{authtest.DefaultRedirectURI}},
		{"own redirects", []string{"com.example.app:/cb", "http://[::1]/cb"}, []string{"com.example.app:/cb", "http://[::1]/cb"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := srv.AddPublicClient(tc.uris...)
			if !c.Public || c.Secret != "" || c.AuthMethod != grantry.AuthNone || !slices.Equal(c.RedirectURIs, tc.want) {
				t.Errorf("got %+v, want a public client with redirect URIs %q", c, tc.want)
			}
		})
	}
}

func TestAddClientDuplicatePanics(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	srv.AddClient(authtest.Client{ID: "dup"})
	defer func() {
		if got := fmt.Sprint(recover()); got == "<nil>" {
			t.Errorf("second AddClient(dup): got no panic, want one")
		}
	}()
	srv.AddClient(authtest.Client{ID: "dup"})
}

// TestAddClientSkipsTakenIDs: a generated ID never collides with one the
// test chose.
func TestAddClientSkipsTakenIDs(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	srv.AddClient(authtest.Client{ID: "client-1"})
	if got := srv.AddClient(authtest.Client{}).ID; got != "client-2" {
		t.Errorf("generated ID: got %q, want %q", got, "client-2")
	}
}
