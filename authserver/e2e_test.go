package authserver_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// e2eServer is a harness served over TLS (alice approves every
// authorization request), and a resource server whose /me accepts the
// harness's bearer tokens and answers with their subject.
type e2eServer struct {
	*harness
	api *httptest.Server
	// ctx makes golang.org/x/oauth2 use the harness's TLS client.
	ctx context.Context
}

func newE2EServer(t *testing.T) *e2eServer {
	t.Helper()
	h := newHarness(t, true)
	validator := h.Validator()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		access, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		info, err := validator.ValidateToken(r.Context(), access)
		if !ok || err != nil || !info.Active {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, info.Subject)
	}))
	t.Cleanup(api.Close)
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, h.HTTPClient())
	return &e2eServer{harness: h, api: api, ctx: ctx}
}

func (s *e2eServer) endpoint(style oauth2.AuthStyle) oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: s.Endpoints().Authorization, TokenURL: s.Endpoints().Token, AuthStyle: style}
}

// authorize follows the authorization URL as a browser would up to the
// redirect to the client, and returns the redirect's parameters.
func (s *e2eServer) authorize(t *testing.T, authURL, redirectURI string) url.Values {
	t.Helper()
	browser := *s.HTTPClient()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, redirectURI+"?") {
		t.Fatalf("authorization response %d to %q, want 302 to %s?...", res.StatusCode, loc, redirectURI)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if got := q.Get("iss"); got != s.Issuer() {
		t.Errorf("iss = %q, want %q (RFC 9207)", got, s.Issuer())
	}
	return q
}

// checkStored checks that the store holds the access token for the client,
// subject and scope, not revoked, under the given grant type.
func (s *e2eServer) checkStored(t *testing.T, tok *oauth2.Token, clientID, subject string, gt grantry.GrantType, scope string) *storage.Token {
	t.Helper()
	if tok.AccessToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token %q of type %q, want a Bearer token", tok.AccessToken, tok.TokenType)
	}
	if !tok.Expiry.After(time.Now()) {
		t.Errorf("Expiry = %v, want in the future", tok.Expiry)
	}
	if got, _ := tok.Extra("scope").(string); got != scope {
		t.Errorf("scope = %q, want %q", got, scope)
	}
	rec, err := s.Store().TokenByAccess(context.Background(), secret.Digest(tok.AccessToken))
	if err != nil {
		t.Fatalf("access token not stored: %v", err)
	}
	if rec.ClientID != clientID || rec.Subject != subject || rec.GrantType != gt || rec.Scope.String() != scope || rec.Revoked {
		t.Errorf("stored token = client %q subject %q grant %q scope %q revoked %v; want %q %q %q %q false",
			rec.ClientID, rec.Subject, rec.GrantType, rec.Scope, rec.Revoked, clientID, subject, gt, scope)
	}
	return rec
}

// retrieveErrorCode returns the OAuth error code of a token endpoint
// failure as golang.org/x/oauth2 reports it.
func retrieveErrorCode(t *testing.T, err error) grantry.ErrorCode {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("error %v is not an *oauth2.RetrieveError", err)
	}
	return grantry.ErrorCode(re.ErrorCode)
}

func TestEndToEndAuthorizationCode(t *testing.T) {
	s := newE2EServer(t)
	tests := []struct {
		name        string
		clientID    string
		style       oauth2.AuthStyle
		redirectURI string
	}{
		{"client_secret_basic", "web", oauth2.AuthStyleInHeader, "https://client.test/cb"},
		{"client_secret_post", "webpost", oauth2.AuthStyleInParams, "https://client.test/cb"},
		{"public client on loopback", "native", oauth2.AuthStyleInParams, "http://127.0.0.1:53682/cb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := &oauth2.Config{
				ClientID:     tt.clientID,
				ClientSecret: harnessClient(tt.clientID).Secret,
				Endpoint:     s.endpoint(tt.style),
				RedirectURL:  tt.redirectURI,
				Scopes:       []string{"profile"},
			}
			verifier := oauth2.GenerateVerifier()
			state := oauth2.GenerateVerifier()[:16]
			q := s.authorize(t, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), tt.redirectURI)
			if q.Get("state") != state || q.Get("code") == "" {
				t.Fatalf("redirect parameters %v, want a code and state %q", q, state)
			}

			tok, err := conf.Exchange(s.ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			first := s.checkStored(t, tok, tt.clientID, "alice", grantry.GrantAuthorizationCode, "profile")
			if tok.RefreshToken == "" {
				t.Fatal("no refresh token for a client allowed the refresh_token grant")
			}

			// The access token has expired on the client's side: the token
			// source refreshes it, and the refresh token rotates.
			old := *tok
			tok.Expiry = time.Now().Add(-time.Minute)
			refreshed, err := conf.TokenSource(s.ctx, tok).Token()
			if err != nil {
				t.Fatalf("refresh through the TokenSource: %v", err)
			}
			if refreshed.AccessToken == old.AccessToken || refreshed.RefreshToken == "" || refreshed.RefreshToken == old.RefreshToken {
				t.Errorf("refresh returned access %q refresh %q; want both new", refreshed.AccessToken, refreshed.RefreshToken)
			}
			second := s.checkStored(t, refreshed, tt.clientID, "alice", grantry.GrantRefreshToken, "profile")
			if second.FamilyID != first.FamilyID {
				t.Errorf("refreshed token family %q, want the code's family %q", second.FamilyID, first.FamilyID)
			}
			if rec, _ := s.Store().TokenByAccess(context.Background(), secret.Digest(old.AccessToken)); rec == nil || !rec.Revoked {
				t.Error("the rotated token is still active")
			}

			// The rotated refresh token is refused, and golang.org/x/oauth2
			// reports the RFC 6749 §5.2 error code.
			_, err = conf.TokenSource(s.ctx, &oauth2.Token{RefreshToken: old.RefreshToken, Expiry: time.Now().Add(-time.Minute)}).Token()
			if code := retrieveErrorCode(t, err); code != grantry.ErrInvalidGrant {
				t.Errorf("reusing the rotated refresh token: error %q, want invalid_grant", code)
			}

			// The same code is refused the second time.
			_, err = conf.Exchange(s.ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if code := retrieveErrorCode(t, err); code != grantry.ErrInvalidGrant {
				t.Errorf("second exchange of the code: error %q, want invalid_grant", code)
			}
		})
	}
}

// TestEndToEndClientRefreshesOnDemand calls a resource through the
// http.Client of golang.org/x/oauth2 with an expired token: the client
// refreshes it by itself and the resource accepts the new token.
func TestEndToEndClientRefreshesOnDemand(t *testing.T) {
	s := newE2EServer(t)
	conf := &oauth2.Config{
		ClientID:     "web",
		ClientSecret: "web-secret",
		Endpoint:     s.endpoint(oauth2.AuthStyleInHeader),
		Scopes:       []string{"profile", "email"},
	}
	tok, err := conf.PasswordCredentialsToken(s.ctx, "alice", "wonderland")
	if err != nil {
		t.Fatal(err)
	}
	tok.Expiry = time.Now().Add(-time.Second)
	src := oauth2.ReuseTokenSource(nil, conf.TokenSource(s.ctx, tok))
	client := oauth2.NewClient(s.ctx, src)
	res, err := client.Get(s.api.URL + "/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "alice" {
		t.Fatalf("GET /me: %d %q, want 200 alice", res.StatusCode, body)
	}
	now, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if now.AccessToken == tok.AccessToken {
		t.Error("the client used the expired token, want a refreshed one")
	}
	s.checkStored(t, now, "web", "alice", grantry.GrantRefreshToken, "profile email")
}

func TestEndToEndClientCredentials(t *testing.T) {
	s := newE2EServer(t)
	tests := []struct {
		name     string
		clientID string
		style    oauth2.AuthStyle
		scopes   []string
		want     string
	}{
		{"client_secret_basic", "svc", oauth2.AuthStyleInHeader, []string{"api:read"}, "api:read"},
		{"client_secret_basic, no scope", "svc", oauth2.AuthStyleInHeader, nil, ""},
		{"client_secret_basic, form-encoded ID and secret", "odd id:é", oauth2.AuthStyleInHeader, []string{"api:read"}, "api:read"},
		{"client_secret_post", "webpost", oauth2.AuthStyleInParams, []string{"email", "profile"}, "email profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := &clientcredentials.Config{
				ClientID:     tt.clientID,
				ClientSecret: harnessClient(tt.clientID).Secret,
				TokenURL:     s.Endpoints().Token,
				Scopes:       tt.scopes,
				AuthStyle:    tt.style,
			}
			tok, err := conf.Token(s.ctx)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			s.checkStored(t, tok, tt.clientID, "", grantry.GrantClientCredentials, tt.want)
			if tok.RefreshToken != "" {
				t.Errorf("refresh token %q issued to client_credentials (RFC 6749 §4.4.3)", tok.RefreshToken)
			}
		})
	}

	t.Run("scope beyond the client's", func(t *testing.T) {
		conf := &clientcredentials.Config{ClientID: "svc", ClientSecret: "svc-secret", TokenURL: s.Endpoints().Token,
			Scopes: []string{"api:admin"}, AuthStyle: oauth2.AuthStyleInHeader}
		_, err := conf.Token(s.ctx)
		if code := retrieveErrorCode(t, err); code != grantry.ErrInvalidScope {
			t.Errorf("error %q, want invalid_scope", code)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		conf := &clientcredentials.Config{ClientID: "svc", ClientSecret: "nope", TokenURL: s.Endpoints().Token,
			AuthStyle: oauth2.AuthStyleInHeader}
		_, err := conf.Token(s.ctx)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != string(grantry.ErrInvalidClient) || re.Response.StatusCode != http.StatusUnauthorized {
			t.Errorf("error %v, want invalid_client with status 401", err)
		}
	})
}

func TestEndToEndPassword(t *testing.T) {
	s := newE2EServer(t)
	tests := []struct {
		name     string
		clientID string
		style    oauth2.AuthStyle
	}{
		{"client_secret_basic", "web", oauth2.AuthStyleInHeader},
		{"client_secret_post", "webpost", oauth2.AuthStyleInParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := &oauth2.Config{
				ClientID:     tt.clientID,
				ClientSecret: harnessClient(tt.clientID).Secret,
				Endpoint:     s.endpoint(tt.style),
				Scopes:       []string{"email"},
			}
			tok, err := conf.PasswordCredentialsToken(s.ctx, "alice", "wonderland")
			if err != nil {
				t.Fatalf("PasswordCredentialsToken: %v", err)
			}
			s.checkStored(t, tok, tt.clientID, "alice", grantry.GrantPassword, "email")
			if tok.RefreshToken == "" {
				t.Error("no refresh token for a client allowed the refresh_token grant")
			}

			_, err = conf.PasswordCredentialsToken(s.ctx, "alice", "looking-glass")
			if code := retrieveErrorCode(t, err); code != grantry.ErrInvalidGrant {
				t.Errorf("wrong password: error %q, want invalid_grant (RFC 6749 §5.2)", code)
			}
		})
	}
}
