package openid_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/openid"
)

// TestNext checks what prompt, max_age and id_token_hint ask of the user
// (Core §3.1.2.1) and the errors of prompt=none (§3.1.2.6).
func TestNext(t *testing.T) {
	p := newRP(t, authtest.Config{})
	hint := p.idToken(p.client.ID)
	now := authtest.DefaultTime
	alice := &openid.Session{Subject: authtest.DefaultSubject, AuthTime: now.Add(-time.Hour)}
	fresh := &openid.Session{Subject: authtest.DefaultSubject, AuthTime: now, Fresh: true}
	bob := &openid.Session{Subject: "bob", AuthTime: now}
	tests := []struct {
		name      string
		params    map[string]string
		s         *openid.Session
		consented bool
		want      openid.Step
		wantErr   grantry.ErrorCode
	}{
		{"signed in, consented", nil, alice, true, openid.StepAnswer, ""},
		{"signed in, not consented", nil, alice, false, openid.StepConsent, ""},
		{"nobody signed in", nil, nil, true, openid.StepLogin, ""},
		{"prompt=none, nobody signed in", map[string]string{"prompt": "none"}, nil, true, 0, grantry.ErrLoginRequired},
		{"prompt=none, not consented", map[string]string{"prompt": "none"}, alice, false, 0, grantry.ErrConsentRequired},
		{"prompt=none, all set", map[string]string{"prompt": "none"}, alice, true, openid.StepAnswer, ""},
		{"prompt=login", map[string]string{"prompt": "login"}, alice, true, openid.StepLogin, ""},
		{"prompt=login, just signed in", map[string]string{"prompt": "login"}, fresh, true, openid.StepAnswer, ""},
		{"prompt=select_account", map[string]string{"prompt": "select_account"}, alice, true, openid.StepLogin, ""},
		{"prompt=consent, consented", map[string]string{"prompt": "consent"}, alice, true, openid.StepConsent, ""},
		{"max_age passed", map[string]string{"max_age": "60"}, alice, true, openid.StepLogin, ""},
		{"max_age kept", map[string]string{"max_age": "7200"}, alice, true, openid.StepAnswer, ""},
		{"max_age=0", map[string]string{"max_age": "0"}, alice, true, openid.StepLogin, ""},
		{"max_age passed, prompt=none", map[string]string{"max_age": "60", "prompt": "none"}, alice, true, 0, grantry.ErrLoginRequired},
		{"hint of the signed-in user", map[string]string{"id_token_hint": hint}, alice, true, openid.StepAnswer, ""},
		{"hint of another user", map[string]string{"id_token_hint": hint}, bob, true, openid.StepLogin, ""},
		{"hint of another user, prompt=none", map[string]string{"id_token_hint": hint, "prompt": "none"}, bob, true, 0, grantry.ErrLoginRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			params := map[string]string{"response_type": "code", "scope": "openid"}
			for k, v := range tc.params {
				params[k] = v
			}
			r := httptest.NewRequest("GET", p.authURL(params), nil)
			req, err := p.srv.AuthServer().ValidateAuthorizationRequest(r)
			if err != nil {
				t.Fatalf("ValidateAuthorizationRequest: %v", err)
			}
			got, err := p.srv.OpenID().Next(t.Context(), req, tc.s, tc.consented)
			if tc.wantErr != "" {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error: got %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Next: got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
