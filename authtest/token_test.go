package authtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
)

func TestIssueToken(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	conf := srv.AddClient(authtest.Client{})
	post := srv.AddClient(authtest.Client{AuthMethod: grantry.AuthClientSecretPost})
	public := srv.AddPublicClient()
	tests := []struct {
		name      string
		client    string
		subject   string
		scope     []string
		wantSub   string
		wantScope string
		refresh   bool
	}{
		{name: "client credentials", client: conf.ID, scope: []string{"read"}, wantScope: "read"},
		{name: "client credentials without scope", client: conf.ID},
		{name: "code flow", client: conf.ID, subject: "bob", scope: []string{"read", "write"}, wantSub: "bob", wantScope: "read write", refresh: true},
		{name: "code flow, client_secret_post", client: post.ID, subject: "bob", scope: []string{"email"}, wantSub: "bob", wantScope: "email", refresh: true},
		{name: "code flow, public client", client: public.ID, subject: "carol", scope: []string{"profile"}, wantSub: "carol", wantScope: "profile", refresh: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := issue(t, srv, tc.client, tc.subject, tc.scope...)
			if got := tok.Scope.String(); got != tc.wantScope {
				t.Errorf("scope: got %q, want %q", got, tc.wantScope)
			}
			if got := tok.RefreshToken != ""; got != tc.refresh {
				t.Errorf("has a refresh token: got %v, want %v", got, tc.refresh)
			}
			info, err := srv.Validator().ValidateToken(t.Context(), tok.AccessToken)
			if err != nil || !info.Active || info.Subject != tc.wantSub || info.ClientID != tc.client || info.Issuer != srv.Issuer() {
				t.Errorf("ValidateToken: got %+v, %v; want active, sub %q, client %q, iss %q", info, err, tc.wantSub, tc.client, srv.Issuer())
			}
		})
	}
}

func TestIssueTokenFails(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	conf := srv.AddClient(authtest.Client{})
	public := srv.AddPublicClient()
	tests := []struct {
		name     string
		decision authtest.Decision
		client   string
		subject  string
		scope    []string
		want     string // in the error
	}{
		{name: "unknown client", client: "nobody", want: "not registered"},
		{name: "public client without subject", client: public.ID, want: "invalid_client"},
		{name: "unknown scope", client: conf.ID, scope: []string{"admin"}, want: "invalid_scope"},
		{name: "unknown scope with subject", client: conf.ID, subject: "bob", scope: []string{"admin"}, want: "invalid_scope"},
		{name: "denied", decision: authtest.Deny, client: conf.ID, subject: "bob", want: "access_denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetDecision(tc.decision)
			tok, err := srv.IssueToken(t.Context(), tc.client, tc.subject, tc.scope...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("IssueToken: got %+v, %v; want an error with %q", tok, err, tc.want)
			}
		})
	}
}

// TestRefresh: refresh tokens rotate, and a reused one revokes its family
// (RFC 9700 §4.14.2).
func TestRefresh(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	c := srv.AddClient(authtest.Client{})
	first := issue(t, srv, c.ID, "alice", "read", "write")
	refresh := func(t *testing.T, rt string, scope string) (int, map[string]any) {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		if scope != "" {
			form.Set("scope", scope)
		}
		return post(t, srv, srv.Endpoints().Token, c, form)
	}
	var second map[string]any
	steps := []struct {
		name       string
		run        func(t *testing.T) (int, map[string]any)
		wantStatus int
		wantError  string
	}{
		{"rotate, narrowing the scope", func(t *testing.T) (int, map[string]any) {
			status, body := refresh(t, first.RefreshToken, "read")
			second = body
			return status, body
		}, http.StatusOK, ""},
		{"reuse the rotated token", func(t *testing.T) (int, map[string]any) { return refresh(t, first.RefreshToken, "") }, http.StatusBadRequest, "invalid_grant"},
		{"the family is revoked", func(t *testing.T) (int, map[string]any) { return refresh(t, str(second, "refresh_token"), "") }, http.StatusBadRequest, "invalid_grant"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			status, body := st.run(t)
			if status != st.wantStatus || errorCode(body) != st.wantError {
				t.Errorf("refresh: got %d %v, want %d %q", status, body, st.wantStatus, st.wantError)
			}
		})
	}
	if got := str(second, "scope"); got != "read" {
		t.Errorf("scope of the refreshed token: got %q, want %q", got, "read")
	}
	if ok, _ := active(t, srv, str(second, "access_token")); ok {
		t.Errorf("access token of the revoked family: got active, want inactive")
	}
}

func TestRevocation(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	conf := srv.AddClient(authtest.Client{})
	other := srv.AddClient(authtest.Client{})
	public := srv.AddPublicClient()
	tests := []struct {
		name       string
		owner      authtest.Client
		caller     authtest.Client
		refresh    bool // revoke the refresh token
		wantStatus int
		wantActive bool
	}{
		{"own access token", conf, conf, false, http.StatusOK, false},
		{"own refresh token revokes the access token", conf, conf, true, http.StatusOK, false},
		{"public client", public, public, false, http.StatusOK, false},
		{"another client's token", conf, other, false, http.StatusOK, true},
		{"no client authentication", conf, authtest.Client{}, false, http.StatusUnauthorized, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := issue(t, srv, tc.owner.ID, "alice", "read")
			presented := tok.AccessToken
			if tc.refresh {
				presented = tok.RefreshToken
			}
			status, body := post(t, srv, srv.Endpoints().Revocation, tc.caller, url.Values{"token": {presented}})
			if status != tc.wantStatus {
				t.Errorf("revoke: got %d %v, want %d", status, body, tc.wantStatus)
			}
			if ok, _ := active(t, srv, tok.AccessToken); ok != tc.wantActive {
				t.Errorf("access token after revocation: got active %v, want %v", ok, tc.wantActive)
			}
		})
	}
}

func TestIntrospection(t *testing.T) {
	srv := authtest.NewServer(t, authtest.Config{})
	owner := srv.AddClient(authtest.Client{})
	other := srv.AddClient(authtest.Client{})
	api := srv.AddClient(authtest.Client{Introspect: true, GrantTypes: []grantry.GrantType{}})
	tok := issue(t, srv, owner.ID, "alice", "read")
	tests := []struct {
		name       string
		caller     authtest.Client
		token      string
		wantStatus int
		wantActive bool
	}{
		{"own token", owner, tok.AccessToken, http.StatusOK, true},
		{"own refresh token", owner, tok.RefreshToken, http.StatusOK, true},
		{"another client's token", other, tok.AccessToken, http.StatusOK, false},
		{"resource server", api, tok.AccessToken, http.StatusOK, true},
		{"unknown token", api, "nope", http.StatusOK, false},
		{"no client authentication", authtest.Client{}, tok.AccessToken, http.StatusUnauthorized, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, srv, srv.Endpoints().Introspection, tc.caller, url.Values{"token": {tc.token}})
			if got, _ := body["active"].(bool); status != tc.wantStatus || got != tc.wantActive {
				t.Fatalf("introspect: got %d %v, want %d active %v", status, body, tc.wantStatus, tc.wantActive)
			}
			if tc.wantActive && (str(body, "sub") != "alice" || str(body, "iss") != srv.Issuer()) {
				t.Errorf("introspect: got sub %v, iss %v; want alice, %q", body["sub"], body["iss"], srv.Issuer())
			}
		})
	}
}

func TestPassword(t *testing.T) {
	users := map[string]string{"bob": "hunter2"}
	tests := []struct {
		name       string
		users      map[string]string
		username   string
		password   string
		wantStatus int
		wantError  string
	}{
		{"right password", users, "bob", "hunter2", http.StatusOK, ""},
		{"wrong password", users, "bob", "nope", http.StatusBadRequest, "invalid_grant"},
		{"unknown user", users, "eve", "hunter2", http.StatusBadRequest, "invalid_grant"},
		{"no users", nil, "bob", "hunter2", http.StatusBadRequest, "unsupported_grant_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, authtest.Config{Users: tc.users})
			c := srv.AddClient(authtest.Client{GrantTypes: []grantry.GrantType{grantry.GrantPassword}})
			status, body := post(t, srv, srv.Endpoints().Token, c, url.Values{
				"grant_type": {"password"}, "username": {tc.username}, "password": {tc.password},
			})
			if status != tc.wantStatus || errorCode(body) != tc.wantError {
				t.Fatalf("token: got %d %v, want %d %q", status, body, tc.wantStatus, tc.wantError)
			}
			if tc.wantError == "" {
				if ok, sub := active(t, srv, str(body, "access_token")); !ok || sub != tc.username {
					t.Errorf("token: got active %v, subject %q; want active, %q", ok, sub, tc.username)
				}
			}
		})
	}
}
