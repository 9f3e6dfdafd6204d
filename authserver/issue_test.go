package authserver_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// issueGrant answers its grant type with the Issue of a function.
type issueGrant func(req *authserver.TokenRequest) *authserver.Issue

func (issueGrant) GrantType() grantry.GrantType { return ticketGrantType }

func (issueGrant) AuthMethods() []grantry.AuthMethod {
	return []grantry.AuthMethod{grantry.AuthClientSecretBasic}
}

func (g issueGrant) Token(_ context.Context, req *authserver.TokenRequest) (*authserver.Issue, error) {
	return g(req), nil
}

// Issue.NotAfter caps the access token's expiry, and Issue.Params are
// added to the response without replacing a standard parameter.
func TestIssueNotAfterAndParams(t *testing.T) {
	tests := []struct {
		name     string
		notAfter time.Time
		wantExp  int64
	}{
		{"no cap", time.Time{}, 3600},
		{"cap before the lifetime", fixStart.Add(5 * time.Minute), 300},
		{"cap after the lifetime", fixStart.Add(2 * time.Hour), 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			var format string
			f.srv.RegisterGrant(issueGrant(func(req *authserver.TokenRequest) *authserver.Issue {
				format = req.AccessTokenFormat()
				return &authserver.Issue{Subject: "alice", ExpiresIn: time.Hour, NotAfter: tt.notAfter,
					Params: map[string]any{"issued_token_type": "urn:x", "token_type": "replaced"}}
			}))
			res := f.token(t, asClient(tokenRequest(url.Values{"grant_type": {string(ticketGrantType)}}), "tk1"))
			body := jsonBody(t, res)
			tok := mustToken(t, res)
			if tok.ExpiresIn != tt.wantExp || body["issued_token_type"] != "urn:x" || tok.TokenType != "Bearer" {
				t.Errorf("response: got expires_in %d, %v, want %d, issued_token_type urn:x, token_type Bearer", tok.ExpiresIn, body, tt.wantExp)
			}
			stored, err := f.store.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken))
			if err != nil {
				t.Fatal(err)
			}
			if want := fixStart.Add(time.Duration(tt.wantExp) * time.Second); !stored.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt: got %v, want %v", stored.ExpiresAt, want)
			}
			if format != storage.AccessTokenOpaque {
				t.Errorf("AccessTokenFormat: got %q, want %q", format, storage.AccessTokenOpaque)
			}
		})
	}
}

// The default opaque access token and the refresh token begin with the
// token's ID and a dot, and are stored under keys that begin with it too.
func TestOpaqueTokensBeginWithID(t *testing.T) {
	f := newFixture(t)
	f.srv.RegisterGrant(issueGrant(func(*authserver.TokenRequest) *authserver.Issue {
		return &authserver.Issue{Subject: "alice", Refresh: true}
	}))
	res := f.token(t, asClient(tokenRequest(url.Values{"grant_type": {string(ticketGrantType)}}), "tk1"))
	tok := mustToken(t, res)
	stored, err := f.store.TokenByAccess(t.Context(), secret.Digest(tok.AccessToken))
	if err != nil {
		t.Fatalf("TokenByAccess: got error %v, want nil", err)
	}
	tests := []struct {
		name, token, key string
	}{
		{"access token", tok.AccessToken, stored.AccessHash},
		{"refresh token", tok.RefreshToken, stored.RefreshHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prefix := stored.ID + "."
			if len(tc.token) != 66 || tc.token[:23] != prefix {
				t.Errorf("token: got %q, want 66 characters beginning with %q", tc.token, prefix)
			}
			if len(tc.key) != 66 || tc.key[:23] != prefix || tc.key != secret.Digest(tc.token) {
				t.Errorf("stored key: got %q, want the digest of the token, beginning with %q", tc.key, prefix)
			}
		})
	}
	if got, err := f.store.TokenByRefresh(t.Context(), secret.Digest(tok.RefreshToken)); err != nil || got.ID != stored.ID {
		t.Errorf("TokenByRefresh: got (%v, %v), want the token %s", got, err, stored.ID)
	}
}
