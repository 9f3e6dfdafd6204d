package daemon

import (
	"net/url"
	"testing"

	"github.com/grantry/grantry/client/oauth2"
	"github.com/grantry/grantry/client/oidc"
)

// TestRelyingPartyLogsIn signs in with Grantry's own relying party against
// grantry serve: discovery, the code flow with PKCE, the ID token checked
// with the provider's published keys, then UserInfo.
func TestRelyingPartyLogsIn(t *testing.T) {
	o := newOIDF(t)
	ctx := t.Context()
	provider, err := oidc.Discover(ctx, o.app.cfg.Issuer, oidc.ProviderConfig{})
	if err != nil {
		t.Fatalf("Discover(%s): %v", o.app.cfg.Issuer, err)
	}
	if got := provider.Metadata().AuthorizationEndpoint; got != o.srv.URL+"/authorize" {
		t.Errorf("got authorization_endpoint %q, want %q", got, o.srv.URL+"/authorize")
	}
	rp, err := oidc.NewClient(provider, oidc.ClientConfig{OAuth2: oauth2.Config{
		ClientID: oidfClient, ClientSecret: o.secret, RedirectURL: oidfCallback,
		Scopes: []string{"email", "profile"},
	}})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	ar, err := rp.AuthorizationURL(oauth2.SetParam("max_age", "3600"))
	if err != nil {
		t.Fatalf("AuthorizationURL: %v", err)
	}
	u, err := url.Parse(ar.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" {
		t.Errorf("authorization request %v, want S256 PKCE and a nonce", q)
	}
	f := o.authorize(o.browser(), q)
	if !f.signedIn || !f.consented {
		t.Errorf("got sign-in %t, consent %t; want both pages", f.signedIn, f.consented)
	}
	cb := o.callback(f, false)
	login, err := rp.Callback(ctx, cb, ar)
	if err != nil {
		t.Fatalf("Callback(%v): %v", cb, err)
	}
	idt := login.IDToken
	if idt.Issuer != o.app.cfg.Issuer || idt.Nonce != ar.Nonce || idt.Subject == "" || idt.AuthTime.IsZero() {
		t.Errorf("got ID token iss %q nonce %q sub %q auth_time %v, want iss %q, the request's nonce, a subject and auth_time",
			idt.Issuer, idt.Nonce, idt.Subject, idt.AuthTime, o.app.cfg.Issuer)
	}
	if login.Token.RefreshToken == "" {
		t.Errorf("got no refresh token, want one (the client has the refresh grant)")
	}
	info, err := rp.UserInfo(ctx, idt)
	if err != nil {
		t.Fatalf("UserInfo: %v", err)
	}
	if info.Subject != idt.Subject || info.Email != oidfClaims.Email || !info.EmailVerified || info.Name != oidfClaims.Name || info.PreferredUsername != oidfUser {
		t.Errorf("got UserInfo sub %q email %q verified %t name %q preferred_username %q, want %q %q true %q %q",
			info.Subject, info.Email, info.EmailVerified, info.Name, info.PreferredUsername, idt.Subject, oidfClaims.Email, oidfClaims.Name, oidfUser)
	}

	// A callback replayed with the same code is refused.
	if _, err := rp.Callback(ctx, cb, ar); err == nil {
		t.Error("a second Callback with the same code: got no error, want one")
	}
}
