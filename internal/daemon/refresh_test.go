package daemon

import (
	"encoding/json"
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

// TestRefreshGraceFlag: with --refresh-grace the refresh token a refresh
// replaced, presented again at once, gets the same new tokens; without
// it, the default, it is a reuse that ends the sign-in.
func TestRefreshGraceFlag(t *testing.T) {
	tests := []struct {
		name  string
		grace time.Duration
		want  int
	}{
		{"default", 0, http.StatusBadRequest},
		{"one minute", time.Minute, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) { c.RefreshGrace = tt.grace })
			c := h.browser()
			page := h.consentPage(c, authorizePath("scope", "profile"))
			r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
			rt := jsonField(t, h.exchange(r.location(t).Query().Get("code")).body, "refresh_token")
			refresh := func() response {
				req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
					"grant_type": {"refresh_token"}, "refresh_token": {rt},
				}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(testClient, h.secret)
				return do(t, http.DefaultClient, req)
			}
			first, again := refresh(), refresh()
			if first.status != http.StatusOK || again.status != tt.want {
				t.Fatalf("refreshes: got %d then %d %s, want 200 then %d", first.status, again.status, again.body, tt.want)
			}
			if tt.want == http.StatusOK && again.body != first.body {
				t.Errorf("second answer: got %s, want the first %s", again.body, first.body)
			}
			next := h.refreshRecord(jsonField(t, first.body, "refresh_token"))
			if next.Revoked != (tt.want != http.StatusOK) {
				t.Errorf("new token: Revoked got %v, want %v", next.Revoked, tt.want != http.StatusOK)
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

// TestAccessTokenLifetime: access tokens of grantry serve live one hour
// unless --access-token-lifetime says otherwise, whatever the grant.
func TestAccessTokenLifetime(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration // 0: the default
		want     string
	}{
		{"default", 0, "3600"},
		{"five minutes", 5 * time.Minute, "300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) {
				if tt.lifetime > 0 {
					c.AccessTokenLifetime = tt.lifetime
				}
			})
			c := h.browser()
			page := h.consentPage(c, authorizePath("scope", "profile"))
			r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
			code := h.exchange(r.location(t).Query().Get("code"))
			refresh := jsonField(t, code.body, "refresh_token")
			req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(testClient, h.secret)
			cc := do(t, http.DefaultClient, req)
			req, _ = http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(testClient, h.secret)
			rt := do(t, http.DefaultClient, req)
			for name, body := range map[string]string{"authorization_code": code.body, "client_credentials": cc.body, "refresh_token": rt.body} {
				if got := jsonNumber(t, body, "expires_in"); got != tt.want {
					t.Errorf("%s: expires_in %s, want %s", name, got, tt.want)
				}
			}
		})
	}
}

// jsonNumber returns a number member of a JSON body as written.
func jsonNumber(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	return string(m[name])
}
