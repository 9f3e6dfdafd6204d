package authtest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
)

// TestCodeExpiry: advancing the clock past the code lifetime expires a
// code (RFC 6749 §4.1.2), without sleeping: it is refused from its
// expiry on.
func TestCodeExpiry(t *testing.T) {
	tests := []struct {
		name       string
		lifetime   time.Duration // Config.CodeLifetime
		wait       time.Duration
		wantStatus int
	}{
		{"default lifetime, in time", 0, 5*time.Minute - time.Second, http.StatusOK},
		{"default lifetime, late", 0, 5 * time.Minute, http.StatusBadRequest},
		{"configured lifetime, in time", time.Minute, time.Minute - time.Second, http.StatusOK},
		{"configured lifetime, late", time.Minute, time.Minute, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, authtest.Config{CodeLifetime: tc.lifetime})
			c := srv.AddClient(authtest.Client{})
			code := authorize(t, srv, authURL(srv, c)).Get("code")
			srv.Clock().Advance(tc.wait)
			if status, body := redeem(t, srv, c, code, rfcVerifier); status != tc.wantStatus {
				t.Errorf("redeem after %v: got %d %v, want %d", tc.wait, status, body, tc.wantStatus)
			}
		})
	}
}

// TestTokenExpiry: access and refresh tokens expire as the clock moves.
func TestTokenExpiry(t *testing.T) {
	cfg := authtest.Config{ExpiresIn: time.Hour, RefreshLifetime: 24 * time.Hour}
	tests := []struct {
		name        string
		wait        time.Duration
		wantActive  bool
		wantRefresh int
	}{
		{"fresh", 0, true, http.StatusOK},
		{"access token about to expire", time.Hour - time.Second, true, http.StatusOK},
		{"access token expired", time.Hour, false, http.StatusOK},
		{"refresh token expired", 24 * time.Hour, false, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, cfg)
			c := srv.AddClient(authtest.Client{})
			tok := issue(t, srv, c.ID, "alice", "read")
			if tok.ExpiresIn != 3600 {
				t.Errorf("expires_in: got %d, want 3600", tok.ExpiresIn)
			}
			srv.Clock().Advance(tc.wait)
			if ok, _ := active(t, srv, tok.AccessToken); ok != tc.wantActive {
				t.Errorf("access token after %v: got active %v, want %v", tc.wait, ok, tc.wantActive)
			}
			status, body := post(t, srv, srv.Endpoints().Token, c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
			if status != tc.wantRefresh {
				t.Errorf("refresh after %v: got %d %v, want %d", tc.wait, status, body, tc.wantRefresh)
			}
		})
	}
}
