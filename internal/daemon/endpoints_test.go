package daemon

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/grantry/grantry"
)

func TestMetadataRevocationIntrospection(t *testing.T) {
	h := newHarness(t)
	r := h.get(h.browser(), "/.well-known/oauth-authorization-server")
	var md map[string]any
	if err := json.Unmarshal([]byte(r.body), &md); r.status != http.StatusOK || err != nil {
		t.Fatalf("metadata: %d %v", r.status, err)
	}
	iss := h.app.cfg.Issuer
	for name, want := range map[string]string{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"revocation_endpoint": iss + "/revoke", "introspection_endpoint": iss + "/introspect",
	} {
		if md[name] != want {
			t.Errorf("metadata %s = %v, want %q", name, md[name], want)
		}
	}
	if gts, _ := json.Marshal(md["grant_types_supported"]); strings.Contains(string(gts), "implicit") || strings.Contains(string(gts), "password") {
		t.Errorf("grant_types_supported = %s, want neither implicit nor password", gts)
	}

	post := func(path string, form url.Values) response {
		req, _ := http.NewRequest(http.MethodPost, h.url(path), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClient, h.secret)
		return do(t, http.DefaultClient, req)
	}
	tok := jsonField(t, post("/token", url.Values{"grant_type": {"client_credentials"}}).body, "access_token")
	if r := post("/introspect", url.Values{"token": {tok}}); !strings.Contains(r.body, `"active":true`) {
		t.Errorf("introspection of a live token: %d %s, want active", r.status, r.body)
	}
	if r := post("/revoke", url.Values{"token": {tok}}); r.status != http.StatusOK {
		t.Errorf("revocation: %d %s, want 200", r.status, r.body)
	}
	if r := post("/introspect", url.Values{"token": {tok}}); r.body != `{"active":false}` {
		t.Errorf("introspection of a revoked token: %s, want {\"active\":false}", r.body)
	}
}

// TestIntrospectionPermission checks that a client introspects its own
// tokens, and another client's only when --introspectors names it.
func TestIntrospectionPermission(t *testing.T) {
	tests := []struct {
		name          string
		introspectors []string
		caller        string
		wantActive    bool
	}{
		{"own token", nil, testClient, true},
		{"another client's token", nil, "api", false},
		{"another client's token, caller named in --introspectors", []string{"api"}, "api", true},
		{"another client's token, another client named", []string{"other"}, "api", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *serveConfig) { c.Introspectors = newList(tt.introspectors...) })
			secrets := map[string]string{testClient: h.secret, "api": h.addClient("api", "API", grantry.AuthClientSecretBasic, testCallback)}
			post := func(client, path string, form url.Values) response {
				req, _ := http.NewRequest(http.MethodPost, h.url(path), strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(client, secrets[client])
				return do(t, http.DefaultClient, req)
			}
			tok := jsonField(t, post(testClient, "/token", url.Values{"grant_type": {"client_credentials"}}).body, "access_token")
			r := post(tt.caller, "/introspect", url.Values{"token": {tok}})
			if got := strings.Contains(r.body, `"active":true`); r.status != http.StatusOK || got != tt.wantActive {
				t.Errorf("introspection by %s: got %d %s, want 200 with active %v", tt.caller, r.status, r.body, tt.wantActive)
			}
		})
	}
}
