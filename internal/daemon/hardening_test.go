package daemon

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
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

// A public client's consent is asked every time: another program can send
// its client_id with a PKCE pair and a loopback port of its own, so a
// remembered consent would hand it a code silently (RFC 8252 §8.6). A
// confidential client's consent is remembered.
func TestPublicClientConsentAskedEveryTime(t *testing.T) {
	h := newHarness(t)
	h.addClient("native", "Native App", grantry.AuthNone, "http://127.0.0.1/cb")
	pkce := []string{"code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method", "S256"}
	native := func(extra ...string) string {
		v := url.Values{"response_type": {"code"}, "client_id": {"native"}, "redirect_uri": {"http://127.0.0.1:51234/cb"},
			"scope": {"profile"}, "state": {"s"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return "/authorize?" + v.Encode()
	}
	c := h.browser()
	page := h.consentPage(c, native(pkce...))
	r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	if code := r.location(t).Query().Get("code"); code == "" {
		t.Fatalf("first consent: no code in %s", r.header.Get("Location"))
	}
	// A second request, from another loopback port, by whoever holds the
	// client_id: the page again, not a code.
	again := h.get(c, strings.Replace(native(pkce...), "51234", "40000", 1))
	if again.status != http.StatusOK || !strings.Contains(again.body, `value="approve"`) {
		t.Errorf("second request of the public client: status %d, Location %q; want the consent page", again.status, again.header.Get("Location"))
	}

	// The confidential client's consent is remembered.
	c2 := h.browser()
	page = h.consentPage(c2, authorizePath())
	h.post(c2, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	if r := h.get(c2, authorizePath()); r.status/100 != 3 || r.location(t).Query().Get("code") == "" {
		t.Errorf("second request of the confidential client: status %d, want a redirect with a code", r.status)
	}
}

// /metrics and the profiler are served on the admin listener only, the
// profiler only with --pprof.
func TestAdminListener(t *testing.T) {
	tests := []struct {
		name       string
		pprof      bool
		wantPprof  int
		wantPublic int
	}{
		{"default", false, http.StatusNotFound, http.StatusNotFound},
		{"pprof", true, http.StatusOK, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) { c.Pprof = tt.pprof })
			if r := h.adminGet("/metrics"); r.status != http.StatusOK || !strings.Contains(r.body, "grantry_http_requests_total") {
				t.Errorf("admin /metrics: status %d, want 200 with the metrics", r.status)
			}
			if r := h.adminGet("/healthz"); r.status != http.StatusOK {
				t.Errorf("admin /healthz: status %d, want 200", r.status)
			}
			if r := h.adminGet("/debug/pprof/"); r.status != tt.wantPprof {
				t.Errorf("admin /debug/pprof/: status %d, want %d", r.status, tt.wantPprof)
			}
			for _, path := range []string{"/metrics", "/debug/pprof/"} {
				if r := h.get(h.browser(), path); r.status != tt.wantPublic {
					t.Errorf("public %s: status %d, want %d", path, r.status, tt.wantPublic)
				}
			}
		})
	}
}

func TestAdminAddrChecked(t *testing.T) {
	tests := []struct {
		name    string
		set     func(*serveConfig)
		wantErr string
	}{
		{"default", func(*serveConfig) {}, ""},
		{"off", func(c *serveConfig) { c.AdminAddr = "" }, ""},
		{"malformed", func(c *serveConfig) { c.AdminAddr = "9464" }, "--admin-addr"},
		{"pprof without admin listener", func(c *serveConfig) { c.AdminAddr, c.Pprof = "", true }, "--pprof"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := testConfig(t, tt.set).check()
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("check: got %v, want an error holding %q", err, tt.wantErr)
			}
		})
	}
	if got := testConfig(t).AdminAddr; got != "127.0.0.1:9464" {
		t.Errorf("default --admin-addr: got %q, want loopback 127.0.0.1:9464", got)
	}
}
