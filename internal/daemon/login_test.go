package daemon

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSafeReturn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/authorize?client_id=web&state=x", "/authorize?client_id=web&state=x"},
		{"", ""},
		{"/", ""},
		{"/login", ""},
		{"/authorize", ""},
		{"https://evil.example/authorize?x", ""},
		{"//evil.example/authorize?x", ""},
		{"/\\evil.example/authorize?x", ""},
		{"/authorize?x#frag", ""},
		{"/authorize?x\r\nLocation: https://evil.example", ""},
		{"javascript:alert(1)//authorize?", ""},
		{"/authorize/../..//evil.example?x", ""},
		{"/device", "/device"},
		{"/device?user_code=BCDF-GHJK", "/device?user_code=BCDF-GHJK"},
		{"/device/../authorize", ""},
		{"/devices", ""},
		{"/device#x", ""},
		{"/device?x#frag", ""},
		{"/device?x\r\nLocation: https://evil.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := safeReturn(tt.in); got != tt.want {
				t.Errorf("safeReturn(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLoginNeverRedirectsOffSite(t *testing.T) {
	h := newHarness(t)
	for _, ret := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example"} {
		t.Run(ret, func(t *testing.T) {
			c := h.browser()
			page := h.get(c, "/login?return="+url.QueryEscape(ret))
			r := h.post(c, "/login", url.Values{"csrf": {csrfOf(t, page.body)}, "username": {testUser}, "password": {testPassword}, "return": {ret}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
				t.Errorf("status %d, Location %q; want 303 to /", r.status, r.header.Get("Location"))
			}
		})
	}
}

func TestLoginFailures(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, user, pw string
		csrf           bool
		wantStatus     int
		wantText       string
	}{
		{"wrong password", testUser, "wrong password!", true, http.StatusBadRequest, "Wrong username or password"},
		{"unknown user", "mallory", testPassword, true, http.StatusBadRequest, "Wrong username or password"},
		{"no CSRF token", testUser, testPassword, false, http.StatusForbidden, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.browser()
			page := h.get(c, "/login")
			form := url.Values{"username": {tt.user}, "password": {tt.pw}}
			if tt.csrf {
				form.Set("csrf", csrfOf(t, page.body))
			}
			r := h.post(c, "/login", form)
			if r.status != tt.wantStatus || !strings.Contains(r.body, tt.wantText) {
				t.Errorf("status %d, want %d with %q", r.status, tt.wantStatus, tt.wantText)
			}
			if home := h.get(c, "/"); !strings.Contains(home.body, "not signed in") {
				t.Error("the failed sign-in signed the browser in")
			}
		})
	}
}

func TestLogout(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	h.consentPage(c, authorizePath())
	home := h.get(c, "/")
	if !strings.Contains(home.body, "signed in as alice") {
		t.Fatalf("home page after sign-in lacks the user:\n%s", home.body)
	}
	if r := h.post(c, "/logout", url.Values{}); r.status != http.StatusOK || !strings.Contains(r.body, "Sign out?") {
		t.Errorf("logout without CSRF token: status %d, want 200 and the confirmation", r.status)
	}
	if r := h.post(c, "/logout", url.Values{"csrf": {"forged"}}); r.status != http.StatusForbidden {
		t.Errorf("logout with a wrong CSRF token: status %d, want 403", r.status)
	}
	if still := h.get(c, "/"); !strings.Contains(still.body, "signed in as alice") {
		t.Fatal("a sign-out without a valid CSRF token signed the browser out")
	}
	r := h.post(c, "/logout", url.Values{"csrf": {csrfOf(t, home.body)}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "signed out") {
		t.Fatalf("logout: status %d, want 200 and the signed-out page", r.status)
	}
	if after := h.get(c, authorizePath()); after.status != http.StatusSeeOther || !strings.HasPrefix(after.header.Get("Location"), "/login") {
		t.Errorf("authorize after logout: status %d to %q, want the sign-in page", after.status, after.header.Get("Location"))
	}
}

func TestPagesHeaders(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/login", "/", "/nowhere"} {
		t.Run(path, func(t *testing.T) {
			r := h.get(h.browser(), path)
			for name, want := range map[string]string{
				"Content-Security-Policy": "frame-ancestors 'none'",
				"X-Frame-Options":         "DENY",
				"Cache-Control":           "no-store",
				"X-Content-Type-Options":  "nosniff",
			} {
				if !strings.Contains(r.header.Get(name), want) {
					t.Errorf("%s = %q, want %q", name, r.header.Get(name), want)
				}
			}
			if strings.Contains(r.body, "<script") {
				t.Error("the page holds a script, want none")
			}
		})
	}
}

// TestLogoutReturn: sign-out continues only to a same-site /authorize
// request, and its redirect counts no OAuth error in the metrics.
func TestLogoutReturn(t *testing.T) {
	tests := []struct {
		name, ret, wantLocation string
	}{
		{"authorize request", "/authorize?client_id=web&error=abcdefghij", "/authorize?client_id=web&error=abcdefghij"},
		{"another site", "//evil.example/authorize?x=1", ""},
		{"another path", "/login?x=1", ""},
		{"absolute URL", "https://evil.example/authorize?x=1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.browser()
			home := h.get(c, "/login")
			r := h.post(c, "/logout", url.Values{"csrf": {csrfOf(t, home.body)}, "return": {tt.ret}})
			if tt.wantLocation == "" {
				if r.status != http.StatusOK || r.header.Get("Location") != "" {
					t.Errorf("got %d to %q, want 200 and the signed-out page", r.status, r.header.Get("Location"))
				}
				return
			}
			if r.status != http.StatusSeeOther || r.header.Get("Location") != tt.wantLocation {
				t.Errorf("got %d to %q, want 303 to %q", r.status, r.header.Get("Location"), tt.wantLocation)
			}
			if m := h.adminGet("/metrics"); strings.Contains(m.body, `endpoint="logout",error=`) {
				t.Errorf("the sign-out redirect was counted as an OAuth error:\n%s", m.body)
			}
		})
	}
}
