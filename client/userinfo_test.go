package client_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/client/oidc"
)

func TestUserInfoOpenID(t *testing.T) {
	op, web := loginSetup(t, true, openIDConfig, client.RegistryConfig{})
	app := web.reg.App("p")
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	info, err := app.UserInfo(bg, login.Token)
	if err != nil || info.Subject != "alice" || info.Name != "Alice Liddell" || info.Email != "alice@example.com" {
		t.Fatalf("UserInfo: got %+v, %v; want alice's claims", info, err)
	}
	var extra map[string]any
	if err := info.Claims(&extra); err != nil || extra["name"] != "Alice Liddell" {
		t.Errorf("Claims: got %v, %v", extra, err)
	}

	noSubject := &client.Token{OAuth2: login.Token.OAuth2}
	revoked := &client.Token{OAuth2: &oauth2.Token{AccessToken: "unknown"}, Subject: "alice"}
	tests := []struct {
		name     string
		userinfo func(string) any
		tok      *client.Token
		wantErr  error
		wantCode grantry.ErrorCode
	}{
		{"another user's claims", func(string) any { return map[string]any{"sub": "mallory"} }, login.Token, oidc.ErrSubject, ""},
		{"token without subject", nil, noSubject, oidc.ErrSubject, ""},
		{"no sub", func(string) any { return map[string]any{"name": "x"} }, login.Token, oidc.ErrUserInfo, ""},
		{"revoked token", nil, revoked, nil, "invalid_token"},
		{"no token", nil, nil, client.ErrNoToken, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.set(func(p *provider) { p.userinfo = tt.userinfo })
			defer op.set(func(p *provider) { p.userinfo = nil })
			info, err := app.UserInfo(bg, tt.tok)
			var oe *oauth2.Error
			switch {
			case tt.wantCode != "":
				if !errors.As(err, &oe) || oe.Code != tt.wantCode || oe.StatusCode != 401 {
					t.Errorf("got %+v, %v; want a 401 *oauth2.Error %s", info, err, tt.wantCode)
				}
			case !errors.Is(err, tt.wantErr) || info != nil:
				t.Errorf("got %+v, %v; want error %v", info, err, tt.wantErr)
			}
		})
	}
}

// TestUserInfoRenewsToken checks that UserInfo renews an expired token
// first, as API calls do.
func TestUserInfoRenewsToken(t *testing.T) {
	clk := authtest.NewClock(time.Now())
	store := newTokenStore()
	op, web := loginSetup(t, true, openIDConfig, client.RegistryConfig{Now: clk.Now, UpdateToken: store.update})
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	clk.Advance(2 * time.Hour)
	info, err := web.reg.App("p").UserInfo(bg, login.Token)
	if err != nil || info.Subject != "alice" {
		t.Fatalf("UserInfo with an expired token: got %+v, %v", info, err)
	}
	if u := store.updated(); len(u) != 1 || u[0].tok.Subject != "alice" || seen(op, func(p *provider) int { return p.refreshes }) != 1 {
		t.Errorf("got %d updates, want one, for alice's token", len(u))
	}
}

func TestUserInfoGitHubStyle(t *testing.T) {
	_, web := loginSetup(t, false, func(op *provider) client.Config {
		c := oauth2Config(op)
		c.UserInfoEndpoint = "user"
		c.UserInfoFix = func(claims map[string]any) (map[string]any, error) {
			claims["sub"] = fmt.Sprint(claims["id"])
			claims["preferred_username"] = claims["login"]
			return claims, nil
		}
		return c
	}, client.RegistryConfig{})
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	info, err := web.reg.App("p").UserInfo(bg, login.Token)
	if err != nil || info.Subject != "42" || info.PreferredUsername != "octocat" || info.Name != "The Octocat" {
		t.Errorf("UserInfo: got %+v, %v; want 42, octocat, The Octocat", info, err)
	}
}

func TestUserInfoErrors(t *testing.T) {
	op := newProvider(false)
	defer op.Close()
	reg := client.NewRegistry(client.RegistryConfig{})
	plain, err := reg.Register("plain", oauth2Config(op))
	if err != nil {
		t.Fatal(err)
	}
	withoutFix := oauth2Config(op)
	withoutFix.UserInfoEndpoint = op.URL + "/api/user"
	unfixed, err := reg.Register("unfixed", withoutFix)
	if err != nil {
		t.Fatal(err)
	}
	at := &client.Token{OAuth2: &oauth2.Token{AccessToken: "x"}}
	if _, err := plain.UserInfo(bg, at); !errors.Is(err, client.ErrNoUserInfo) {
		t.Errorf("app without a UserInfo endpoint: got %v, want ErrNoUserInfo", err)
	}
	op.set(func(p *provider) { p.access["x"] = "alice" })
	if _, err := unfixed.UserInfo(bg, at); !errors.Is(err, oidc.ErrUserInfo) {
		t.Errorf("a user document without sub and no fix: got %v, want oidc.ErrUserInfo", err)
	}
}
