package daemon

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// TestRefreshLifetimeFlags: --refresh-lifetime sets how long a refresh
// token lives; with --refresh-absolute a rotated one keeps the expiry of
// the first, so a sign-in cannot be refreshed past it.
func TestRefreshLifetimeFlags(t *testing.T) {
	tests := []struct {
		name     string
		absolute bool
	}{
		{"sliding", false},
		{"absolute", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) { c.RefreshLifetime, c.RefreshAbsolute = time.Hour, tt.absolute })
			c := h.browser()
			page := h.consentPage(c, authorizePath("scope", "profile"))
			r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
			first := jsonField(t, h.exchange(r.location(t).Query().Get("code")).body, "refresh_token")
			firstTok := h.refreshRecord(first)
			if got := firstTok.RefreshExpiresAt.Sub(firstTok.IssuedAt); got != time.Hour {
				t.Errorf("first refresh token lives %v, want 1h", got)
			}
			req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
				"grant_type": {"refresh_token"}, "refresh_token": {first},
			}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(testClient, h.secret)
			second := h.refreshRecord(jsonField(t, do(t, http.DefaultClient, req).body, "refresh_token"))
			if got := second.RefreshExpiresAt.Equal(firstTok.RefreshExpiresAt); got != tt.absolute {
				t.Errorf("rotated token expires %v, first %v: same expiry %v, want %v", second.RefreshExpiresAt, firstTok.RefreshExpiresAt, got, tt.absolute)
			}
		})
	}
}

// refreshRecord returns the stored token whose refresh token is rt.
func (h *harness) refreshRecord(rt string) *storage.Token {
	h.t.Helper()
	tok, err := h.store.TokenByRefresh(h.t.Context(), secret.Digest(rt))
	if err != nil {
		h.t.Fatalf("TokenByRefresh: %v", err)
	}
	return tok
}
