package openid_test

import (
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/grantry/grantry/authtest"
	"golang.org/x/oauth2"
)

// TestGoOIDCVerifies checks Grantry's ID tokens with an independent
// relying-party library: go-oidc discovers the provider, fetches its JWK
// Set and verifies ID tokens of the code flow, signed with ES256.
func TestGoOIDCVerifies(t *testing.T) {
	p := newRP(t, authtest.Config{TLS: true, Claims: aliceClaims})
	ctx := oidc.ClientContext(t.Context(), p.srv.HTTPClient())
	provider, err := oidc.NewProvider(ctx, p.srv.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	now := authtest.DefaultTime
	verifier := provider.Verifier(&oidc.Config{ClientID: p.client.ID, Now: func() time.Time { return now }})
	got := p.authorize(map[string]string{"response_type": "code", "scope": "openid email", "nonce": "n-42"})
	resp := p.exchange(got.Get("code"))
	tok, err := verifier.Verify(ctx, str(resp["id_token"]))
	if err != nil {
		t.Fatalf("go-oidc Verify: %v", err)
	}
	if tok.Subject != authtest.DefaultSubject || tok.Nonce != "n-42" || tok.Issuer != p.srv.Issuer() {
		t.Errorf("ID token: got sub %q nonce %q iss %q", tok.Subject, tok.Nonce, tok.Issuer)
	}
	if err := tok.VerifyAccessToken(str(resp["access_token"])); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	info, err := provider.UserInfo(ctx, staticToken(str(resp["access_token"])))
	if err != nil {
		t.Fatalf("go-oidc UserInfo: %v", err)
	}
	if info.Subject != tok.Subject || info.Email != "alice@example.test" || !info.EmailVerified {
		t.Errorf("UserInfo: got sub %q email %q verified %v", info.Subject, info.Email, info.EmailVerified)
	}
	t.Run("another audience is refused", func(t *testing.T) {
		v := provider.Verifier(&oidc.Config{ClientID: "someone-else", Now: func() time.Time { return now }})
		if _, err := v.Verify(ctx, str(resp["id_token"])); err == nil {
			t.Error("Verify for another client: got no error")
		}
	})
}

func staticToken(access string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access, TokenType: "Bearer"})
}
