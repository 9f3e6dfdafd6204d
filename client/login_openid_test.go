package client_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oidc"
	"github.com/grantry/grantry/keyset"
)

// OpenID Connect logins (loginSetup with openID set): the checks of the
// ID token (OpenID Connect Core 1.0 §3.1.3.7).

func TestOpenIDLogin(t *testing.T) {
	op, web := loginSetup(t, true, openIDConfig, client.RegistryConfig{})
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	nonce := seen(op, func(p *provider) string { return p.lastAuthorize.Get("nonce") })
	if login.IDToken == nil || login.IDToken.Subject != "alice" || login.Token.Subject != "alice" || len(nonce) < 43 || login.IDToken.Nonce != nonce {
		t.Fatalf("got ID token %+v, token subject %q, nonce sent %q; want alice's ID token with the nonce", login.IDToken, login.Token.Subject, nonce)
	}
	tests := []struct {
		name    string
		claims  func(map[string]any)
		filter  func(map[string]any)
		wantErr error
	}{
		{"other nonce", func(c map[string]any) { c["nonce"] = "replayed" }, nil, oidc.ErrNonce},
		{"other audience", func(c map[string]any) { c["aud"] = "someone-else" }, nil, oidc.ErrAudience},
		{"other issuer", func(c map[string]any) { c["iss"] = "https://evil.example" }, nil, oidc.ErrIssuer},
		{"expired", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, nil, oidc.ErrExpired},
		{"no ID token", nil, func(r map[string]any) { delete(r, "id_token") }, oidc.ErrNoIDToken},
		{"forged signature", nil, func(r map[string]any) { r["id_token"] = forge(r["id_token"].(string)) }, keyset.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.set(func(p *provider) { p.idClaims, p.tokenFilter = tt.claims, tt.filter })
			defer op.set(func(p *provider) { p.idClaims, p.tokenFilter = nil, nil })
			res := web.logIn(t, newBrowser(t, nil), "p")
			if !errors.Is(res.err, tt.wantErr) {
				t.Errorf("got %v, %v; want error %v", res.login, res.err, tt.wantErr)
			}
		})
	}
}

// forge changes the first character of a JWS's signature.
func forge(jws string) string {
	i := strings.LastIndexByte(jws, '.') + 1
	c := byte('A')
	if jws[i] == 'A' {
		c = 'B'
	}
	return jws[:i] + string(c) + jws[i+1:]
}

// TestOpenIDTrustedAudiences: an ID token naming an audience besides the
// client is refused unless the app's TrustedAudiences lists it (OpenID
// Connect Core 1.0 §3.1.3.7 steps 3 to 5).
func TestOpenIDTrustedAudiences(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		aud     []string
		azp     string
		wantErr error
	}{
		{"client only", nil, []string{"app"}, "", nil},
		{"another audience, untrusted", nil, []string{"app", "api"}, "app", oidc.ErrAudience},
		{"another audience, trusted", []string{"api"}, []string{"app", "api"}, "app", nil},
		{"trusted audience, azp another party", []string{"api"}, []string{"app", "api"}, "api", oidc.ErrAuthorizedParty},
		{"one trusted, one not", []string{"api"}, []string{"app", "api", "ads"}, "app", oidc.ErrAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, web := loginSetup(t, true, func(op *provider) client.Config {
				c := openIDConfig(op)
				c.TrustedAudiences = tt.trusted
				return c
			}, client.RegistryConfig{})
			op.set(func(p *provider) {
				p.idClaims = func(c map[string]any) {
					c["aud"] = tt.aud
					if tt.azp != "" {
						c["azp"] = tt.azp
					}
				}
			})
			res := web.logIn(t, newBrowser(t, nil), "p")
			if !errors.Is(res.err, tt.wantErr) {
				t.Errorf("got %v, want error %v", res.err, tt.wantErr)
			}
		})
	}
}

func TestOpenIDMaxAge(t *testing.T) {
	op, web := loginSetup(t, true, func(op *provider) client.Config {
		c := openIDConfig(op)
		c.AuthorizationParams = url.Values{"max_age": {"60"}}
		return c
	}, client.RegistryConfig{})
	if res := web.logIn(t, newBrowser(t, nil), "p"); !errors.Is(res.err, oidc.ErrAuthTime) {
		t.Errorf("max_age and no auth_time: got %v, want oidc.ErrAuthTime", res.err)
	}
	op.set(func(p *provider) {
		p.idClaims = func(c map[string]any) { c["auth_time"] = time.Now().Add(-10 * time.Minute).Unix() }
	})
	if res := web.logIn(t, newBrowser(t, nil), "p"); !errors.Is(res.err, oidc.ErrAuthTime) {
		t.Errorf("max_age=60 and auth_time 10 minutes ago: got %v, want oidc.ErrAuthTime", res.err)
	}
	op.set(func(p *provider) { p.idClaims = func(c map[string]any) { c["auth_time"] = time.Now().Unix() } })
	if res := web.logIn(t, newBrowser(t, nil), "p"); res.err != nil {
		t.Errorf("max_age=60 and auth_time now: %v", res.err)
	}
}
