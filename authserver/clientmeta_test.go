package authserver_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/storage/memstore"
)

func TestCheckRedirectURI(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		insecure bool
		want     error
	}{
		{"https", "https://app.example/cb?x=1", false, nil},
		{"http on loopback IP", "http://127.0.0.1:9000/cb", false, nil},
		{"http on localhost", "http://localhost/cb", false, nil},
		{"http on another host", "http://app.example/cb", false, origin.ErrNotHTTPS},
		{"http on another host, insecure", "http://app.example/cb", true, nil},
		{"private-use scheme", "com.example.app:/cb", false, nil},
		{"fragment", "https://app.example/cb#x", false, authserver.ErrRedirectNotAbsolute},
		{"empty fragment", "https://app.example/cb#", false, authserver.ErrRedirectNotAbsolute},
		{"relative", "/cb", false, authserver.ErrRedirectNotAbsolute},
		{"javascript", "javascript:alert(1)", false, authserver.ErrRedirectScheme},
		{"data", "DATA:text/html,x", false, authserver.ErrRedirectScheme},
		{"user information", "https://u@app.example/cb", false, origin.ErrUserInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authserver.CheckRedirectURI(tt.raw, tt.insecure)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("CheckRedirectURI(%q, %v): got %v, want %v", tt.raw, tt.insecure, err, tt.want)
			}
		})
	}
}

func TestGrantAndResponseTypes(t *testing.T) {
	tests := []struct {
		rt   grantry.ResponseType
		want []grantry.GrantType
	}{
		{grantry.ResponseCode, []grantry.GrantType{grantry.GrantAuthorizationCode}},
		{grantry.ResponseToken, []grantry.GrantType{grantry.GrantImplicit}},
		{grantry.ResponseIDToken, []grantry.GrantType{grantry.GrantImplicit}},
		{grantry.ResponseCodeIDTokenToken, []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantImplicit}},
		{"none", nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.rt), func(t *testing.T) {
			if got := authserver.GrantTypesFor(tt.rt); !slices.Equal(got, tt.want) {
				t.Errorf("GrantTypesFor: got %v, want %v", got, tt.want)
			}
		})
	}
	both := authserver.ResponseTypesFor([]grantry.GrantType{grantry.GrantImplicit, grantry.GrantAuthorizationCode})
	if len(both) != 7 || both[0] != grantry.ResponseCode {
		t.Errorf("ResponseTypesFor(code, implicit): got %v, want the 7 types, code first", both)
	}
	for _, rt := range both {
		for _, gt := range authserver.GrantTypesFor(rt) {
			if gt != grantry.GrantImplicit && gt != grantry.GrantAuthorizationCode {
				t.Errorf("GrantTypesFor(%q): got %v", rt, gt)
			}
		}
	}
}

type metaHandler struct{ http.HandlerFunc }

func (metaHandler) ServerMetadata() map[string]any {
	return map[string]any{"registration_endpoint": "/register"}
}

func TestMountHandlerMetadata(t *testing.T) {
	store := memstore.New()
	srv, err := authserver.New(authserver.Config{Issuer: "https://as.example", Clients: store, Tokens: store})
	if err != nil {
		t.Fatal(err)
	}
	h := metaHandler{func(http.ResponseWriter, *http.Request) {}}
	if got := srv.MountHandler("registration", h); got == nil {
		t.Fatal("MountHandler: got nil handler")
	}
	if got, want := srv.Metadata()["registration_endpoint"], "https://as.example/register"; got != want {
		t.Errorf("registration_endpoint: got %v, want %q", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("MountHandler twice: got no panic, want one")
		}
	}()
	srv.MountHandler("registration", h)
}
