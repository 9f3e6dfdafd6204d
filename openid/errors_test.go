package openid_test

import (
	"testing"

	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/keyset"
)

// TestAuthorizationErrors checks that bad OpenID Connect requests are
// redirected back with the error code of the spec, and no code or token.
func TestAuthorizationErrors(t *testing.T) {
	p := newRP(t, authtest.Config{})
	other := p.srv.AddClient(authtest.Client{ResponseTypes: allResponseTypes})
	good := p.idToken(p.client.ID)
	forged := forgedIDToken(t, p)
	expired := p.idToken(p.client.ID)
	p.srv.Clock().Advance(48 * 3600e9)
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"nonce missing, id_token", map[string]string{"response_type": "id_token", "scope": "openid"}, "invalid_request"},
		{"nonce missing, id_token token", map[string]string{"response_type": "id_token token", "scope": "openid"}, "invalid_request"},
		{"nonce missing, code id_token", map[string]string{"response_type": "code id_token", "scope": "openid"}, "invalid_request"},
		{"nonce missing, code token", map[string]string{"response_type": "code token", "scope": "openid"}, "invalid_request"},
		{"id_token without openid", map[string]string{"response_type": "id_token", "scope": "read", "nonce": "n"}, "invalid_scope"},
		{"prompt none with login", map[string]string{"response_type": "code", "scope": "openid", "prompt": "none login"}, "invalid_request"},
		{"unknown prompt", map[string]string{"response_type": "code", "scope": "openid", "prompt": "sometimes"}, "invalid_request"},
		{"negative max_age", map[string]string{"response_type": "code", "scope": "openid", "max_age": "-1"}, "invalid_request"},
		{"max_age not a number", map[string]string{"response_type": "code", "scope": "openid", "max_age": "1h"}, "invalid_request"},
		{"claims not JSON", map[string]string{"response_type": "code", "scope": "openid", "claims": "{"}, "invalid_request"},
		{"claims member not an object", map[string]string{"response_type": "code", "scope": "openid", "claims": `{"userinfo":[1]}`}, "invalid_request"},
		{"request object", map[string]string{"response_type": "code", "scope": "openid", "request": "e30.e30."}, "request_not_supported"},
		{"request_uri", map[string]string{"response_type": "code", "scope": "openid", "request_uri": "https://rp.test/r"}, "request_uri_not_supported"},
		{"registration", map[string]string{"response_type": "code", "scope": "openid", "registration": "{}"}, "registration_not_supported"},
		{"id_token_hint garbage", map[string]string{"response_type": "code", "scope": "openid", "id_token_hint": "abc"}, "invalid_request"},
		{"id_token_hint unknown kid", map[string]string{"response_type": "code", "scope": "openid", "id_token_hint": forged}, "invalid_request"},
		{"id_token_hint of another client", map[string]string{"response_type": "code", "scope": "openid", "id_token_hint": p.idTokenFor(other)}, "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.authorize(tc.params)
			if got.Get("error") != tc.want {
				t.Errorf("error: got %q (%s), want %q", got.Get("error"), got.Get("error_description"), tc.want)
			}
			for _, name := range []string{"code", "access_token", "id_token"} {
				if got.Get(name) != "" {
					t.Errorf("%s: got %q, want none in an error response", name, got.Get(name))
				}
			}
			if got.Get("state") != "xyz" {
				t.Errorf("state: got %q, want xyz", got.Get("state"))
			}
		})
	}
	t.Run("expired id_token_hint is accepted", func(t *testing.T) {
		got := p.authorize(map[string]string{"response_type": "code", "scope": "openid", "id_token_hint": expired})
		if got.Get("code") == "" {
			t.Errorf("got %v, want a code", got)
		}
	})
	t.Run("valid id_token_hint", func(t *testing.T) {
		got := p.authorize(map[string]string{"response_type": "code", "scope": "openid", "id_token_hint": good})
		if got.Get("code") == "" {
			t.Errorf("got %v, want a code", got)
		}
	})
}

// idToken gets an ID token of the default user for the client.
func (p *rp) idToken(clientID string) string {
	p.t.Helper()
	got := p.authorize(map[string]string{"client_id": clientID, "response_type": "id_token", "scope": "openid", "nonce": "n"})
	if got.Get("id_token") == "" {
		p.t.Fatalf("no ID token: %v", got)
	}
	return got.Get("id_token")
}

func (p *rp) idTokenFor(c authtest.Client) string {
	saved := p.client
	p.client = c
	defer func() { p.client = saved }()
	return p.idToken(c.ID)
}

// forgedIDToken is an ID token with the right claims signed by a key the
// provider does not have.
func forgedIDToken(t *testing.T, p *rp) string {
	t.Helper()
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		t.Fatal(err)
	}
	now := authtest.DefaultTime.Unix()
	tok, err := k.SignJWT(map[string]any{"iss": p.srv.Issuer(), "sub": authtest.DefaultSubject, "aud": p.client.ID,
		"iat": now, "exp": now + 3600}, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
