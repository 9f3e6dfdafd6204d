package daemon

import (
	"net/http"
	"strings"
	"testing"
)

// A form body over the limit is answered 413, not 400.
func TestOversizedForms(t *testing.T) {
	h := newHarness(t)
	big := "csrf=x&username=" + strings.Repeat("a", 10<<20)
	small := "csrf=%zz"
	tests := []struct {
		name, path, body string
		want             int
	}{
		{"login", "/login", big, http.StatusRequestEntityTooLarge},
		{"authorize", authorizePath(), big, http.StatusRequestEntityTooLarge},
		{"logout", "/logout", big, http.StatusRequestEntityTooLarge},
		{"login, malformed", "/login", small, http.StatusBadRequest},
		{"authorize, malformed", authorizePath(), small, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, h.url(tt.path), strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r := do(t, h.browser(), req)
			if r.status != tt.want {
				t.Errorf("status: got %d, want %d", r.status, tt.want)
			}
		})
	}
}

// Strict-Transport-Security is sent when users reach the server over
// https, and only then (RFC 6797 §7.2: never over plain http).
func TestHSTS(t *testing.T) {
	tests := []struct {
		name string
		set  func(*serveConfig)
		want string
	}{
		{"http issuer", func(*serveConfig) {}, ""},
		{"https issuer behind a proxy", func(c *serveConfig) { c.Issuer = "https://as.example" }, hstsPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.set)
			for _, path := range []string{"/healthz", "/login", "/token", "/.well-known/oauth-authorization-server"} {
				if got := h.get(h.browser(), path).header.Get("Strict-Transport-Security"); got != tt.want {
					t.Errorf("GET %s: Strict-Transport-Security %q, want %q", path, got, tt.want)
				}
			}
		})
	}
}
