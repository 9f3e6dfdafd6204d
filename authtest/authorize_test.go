package authtest_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/pkce"
)

// TestAuthorize covers the authorization endpoint's decisions, the
// signed-in user and PKCE.
func TestAuthorize(t *testing.T) {
	tests := []struct {
		name      string
		cfg       authtest.Config
		public    bool
		pairs     []string // edits of the request
		wantError string   // error in the redirect; "" wants a code
		wantSub   string
		wantScope string
	}{
		{name: "approve", wantSub: "alice", wantScope: "read write"},
		{name: "login hint", pairs: []string{"login_hint", "bob"}, wantSub: "bob", wantScope: "read write"},
		{name: "configured subject", cfg: authtest.Config{Subject: "carol"}, wantSub: "carol", wantScope: "read write"},
		{name: "deny", cfg: authtest.Config{Decision: authtest.Deny}, wantError: "access_denied"},
		{name: "approve part of the scope", cfg: authtest.Config{Decision: authtest.ApproveScope("read", "email")}, wantSub: "alice", wantScope: "read"},
		{name: "approve none of the scope", cfg: authtest.Config{Decision: authtest.ApproveScope("email")}, wantError: "access_denied"},
		{name: "own decision", wantSub: "dave", wantScope: "write", cfg: authtest.Config{Decision: func(*authserver.AuthorizationRequest) *authserver.Consent {
			return &authserver.Consent{Subject: "dave", Scope: grantry.Scope{"write"}}
		}}},
		{name: "unknown scope", pairs: []string{"scope", "admin"}, wantError: "invalid_scope"},
		{name: "public client with PKCE", public: true, wantSub: "alice", wantScope: "read write"},
		{name: "public client without PKCE", public: true, pairs: []string{"code_challenge", "", "code_challenge_method", ""}, wantError: "invalid_request"},
		{name: "public client with plain PKCE", public: true, pairs: []string{"code_challenge", rfcVerifier, "code_challenge_method", pkce.MethodPlain}, wantError: "invalid_request"},
		{name: "confidential client without PKCE", pairs: []string{"code_challenge", "", "code_challenge_method", ""}, wantSub: "alice", wantScope: "read write"},
		{name: "PKCE required of all", cfg: authtest.Config{PKCE: pkce.Config{Required: true}}, pairs: []string{"code_challenge", "", "code_challenge_method", ""}, wantError: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, tc.cfg)
			c := srv.AddClient(authtest.Client{Public: tc.public})
			q := authorize(t, srv, authURL(srv, c, tc.pairs...))
			if got := q.Get("state"); got != "st-1" {
				t.Errorf("state: got %q, want %q", got, "st-1")
			}
			if got := q.Get("iss"); got != srv.Issuer() {
				t.Errorf("iss: got %q, want %q (RFC 9207)", got, srv.Issuer())
			}
			if got := q.Get("error"); got != tc.wantError {
				t.Fatalf("error: got %q, want %q (%s)", got, tc.wantError, q.Get("error_description"))
			}
			if tc.wantError != "" {
				return
			}
			verifier := rfcVerifier
			if slices.Contains(tc.pairs, "code_challenge") {
				verifier = "" // the request had none
			}
			checkRedeem(t, srv, c, q.Get("code"), verifier, tc.wantSub, tc.wantScope)
		})
	}
}

// checkRedeem exchanges a code and checks whose token it gives.
func checkRedeem(t *testing.T, srv *authtest.Server, c authtest.Client, code, verifier, wantSub, wantScope string) {
	t.Helper()
	status, body := redeem(t, srv, c, code, verifier)
	if status != http.StatusOK {
		t.Fatalf("token: got %d %v, want 200", status, body)
	}
	if got := str(body, "scope"); got != wantScope {
		t.Errorf("scope: got %q, want %q", got, wantScope)
	}
	if ok, sub := active(t, srv, str(body, "access_token")); !ok || sub != wantSub {
		t.Errorf("token: got active %v, subject %q; want active, %q", ok, sub, wantSub)
	}
}

// TestAuthorizeUntrusted: errors before the client and redirect URI are
// trusted are not redirected (RFC 6749 §4.1.2.1), so Authorize fails.
func TestAuthorizeUntrusted(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	c := srv.AddClient(authtest.Client{})
	tests := []struct {
		name  string
		pairs []string
	}{
		{"unknown client", []string{"client_id", "nobody"}},
		{"unregistered redirect URI", []string{"redirect_uri", "https://evil.test/cb"}},
		{"no client", []string{"client_id", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := srv.Authorize(t.Context(), authURL(srv, c, tc.pairs...))
			if err == nil {
				t.Errorf("Authorize: got redirect %v, want an error", q)
			}
		})
	}
}

// TestSetDecision changes the decision of a running server.
func TestSetDecision(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	c := srv.AddClient(authtest.Client{})
	steps := []struct {
		name      string
		decision  authtest.Decision
		wantError string
	}{
		{"approve by default", nil, ""},
		{"deny", authtest.Deny, "access_denied"},
		{"nil restores approve", nil, ""},
		{"approve scope", authtest.ApproveScope("read"), ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.name != "approve by default" {
				srv.SetDecision(st.decision)
			}
			q := authorize(t, srv, authURL(srv, c))
			if got := q.Get("error"); got != st.wantError {
				t.Errorf("error: got %q, want %q", got, st.wantError)
			}
			if st.wantError == "" && q.Get("code") == "" {
				t.Errorf("code: got none, want one")
			}
		})
	}
}
