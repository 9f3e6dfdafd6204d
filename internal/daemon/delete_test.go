package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/grantry/grantry/storage/memstore"
)

// adminOn runs a grantry command against the backend of a running server
// and returns what it printed.
func adminOn(t *testing.T, b *backend, args ...string) string {
	t.Helper()
	return adminWithInput(t, b, "", args...)
}

// adminWithInput is adminOn with stdin.
func adminWithInput(t *testing.T, b *backend, stdin string, args ...string) string {
	t.Helper()
	shared := *b
	shared.close = func() error { return nil } // the server still uses it
	old := openStore
	openStore = func(context.Context, string, string) (*backend, error) { return &shared, nil }
	defer func() { openStore = old }()
	var out, errOut strings.Builder
	if code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errOut, envOf(nil)); code != 0 {
		t.Fatalf("grantry %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut.String())
	}
	return out.String()
}

// postAs posts form to path with HTTP basic authentication.
func (h *harness) postAs(id, secret, path string, form url.Values) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	return do(h.t, http.DefaultClient, req)
}

// approvedCode signs alice in with c, approves the consent page of path
// and returns the code.
func (h *harness) approvedCode(c *http.Client, path string) string {
	h.t.Helper()
	page := h.consentPage(c, path)
	r := h.post(c, consentAction(h.t, page.body), url.Values{"csrf": {csrfOf(h.t, page.body)}, "decision": {"approve"}})
	code := r.location(h.t).Query().Get("code")
	if code == "" {
		h.t.Fatalf("approve: status %d, Location %q, want a code", r.status, r.header.Get("Location"))
	}
	return code
}

// memoryHarness is newHarness, with the backend it runs on.
func memoryHarness(t *testing.T) (*harness, *backend) {
	store := memstore.New()
	b := memoryBackend(store)
	return newHarnessOn(t, store, b), b
}

// TestUserDeleteRevokesTokens: once a user is deleted, their refresh token
// is refused and their tokens introspect as inactive.
func TestUserDeleteRevokesTokens(t *testing.T) {
	h, b := memoryHarness(t)
	tok := h.exchange(h.approvedCode(h.browser(), authorizePath()))
	access, refresh := jsonField(t, tok.body, "access_token"), jsonField(t, tok.body, "refresh_token")
	if tok.status != http.StatusOK || access == "" || refresh == "" {
		t.Fatalf("exchange: got %d %s, want 200 with an access and a refresh token", tok.status, tok.body)
	}

	adminOn(t, b, "user", "delete", testUser)

	r := h.postAs(testClient, h.secret, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if r.status != http.StatusBadRequest || jsonField(t, r.body, "error") != "invalid_grant" {
		t.Errorf("refresh after user delete: got %d %s, want 400 invalid_grant", r.status, r.body)
	}
	for name, token := range map[string]string{"access": access, "refresh": refresh} {
		r := h.postAs(testClient, h.secret, "/introspect", url.Values{"token": {token}})
		if r.status != http.StatusOK || strings.TrimSpace(r.body) != `{"active":false}` {
			t.Errorf("introspection of the %s token after user delete: got %d %s, want 200 {\"active\":false}", name, r.status, r.body)
		}
	}
}

// TestClientDeleteForgetsConsent: a client deleted and created again with
// the same ID gets the consent page again, even for a new redirect URI,
// and its predecessor's tokens introspect as inactive.
func TestClientDeleteForgetsConsent(t *testing.T) {
	h, b := memoryHarness(t)
	c := h.browser()
	access := jsonField(t, h.exchange(h.approvedCode(c, authorizePath())).body, "access_token")
	if r := h.get(c, authorizePath()); r.status != http.StatusFound || r.location(t).Query().Get("code") == "" {
		t.Fatalf("second authorization before delete: got %d, want 302 with a code, the consent remembered", r.status)
	}

	adminOn(t, b, "client", "delete", testClient)
	const newCallback = "http://127.0.0.1:9/new"
	var created clientJSON
	out := adminOn(t, b, "client", "create", "--id", testClient, "--redirect-uri", newCallback, "--scope", "profile email", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("client create --json printed %q: %v", out, err)
	}

	r := h.get(c, authorizePath("redirect_uri", newCallback))
	if r.status != http.StatusOK || !strings.Contains(r.body, `action="/authorize?`) {
		t.Errorf("authorization of the client created again: got %d, Location %q, want 200 and the consent page", r.status, r.header.Get("Location"))
	}
	r = h.postAs(testClient, created.ClientSecret, "/introspect", url.Values{"token": {access}})
	if r.status != http.StatusOK || strings.TrimSpace(r.body) != `{"active":false}` {
		t.Errorf("introspection of the deleted client's token: got %d %s, want 200 {\"active\":false}", r.status, r.body)
	}
}

// redisHarness is newHarness with the codes in Redis. Under CI=true Redis
// must be there; elsewhere the test skips without it.
func redisHarness(t *testing.T) (*harness, *backend) {
	t.Helper()
	addr := os.Getenv("GRANTRY_TEST_REDIS_ADDR")
	if addr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GRANTRY_TEST_REDIS_ADDR is not set: under CI=true the Redis test must run")
		}
		t.Skip("GRANTRY_TEST_REDIS_ADDR is not set: start Redis with scripts/lib.sh start_test_servers")
	}
	store := memstore.New()
	b := memoryBackend(store)
	if err := addRedis(context.Background(), b, "redis://"+addr+"/0"); err != nil {
		t.Fatalf("addRedis: %v", err)
	}
	t.Cleanup(func() { _ = b.close() })
	return newHarnessOn(t, store, b), b
}

// TestRedisCodesOfDeletedOwners: a code kept in Redis is refused once its
// user is deleted, or its client deleted and created again with the same
// ID, though Redis still holds it.
func TestRedisCodesOfDeletedOwners(t *testing.T) {
	tests := []struct {
		name   string
		delete func(t *testing.T, b *backend) (secret string)
	}{
		{"user deleted", func(t *testing.T, b *backend) string {
			adminOn(t, b, "user", "delete", testUser)
			return ""
		}},
		{"client created again", func(t *testing.T, b *backend) string {
			adminOn(t, b, "client", "delete", testClient)
			var created clientJSON
			out := adminOn(t, b, "client", "create", "--id", testClient, "--redirect-uri", testCallback, "--scope", "profile email", "--json")
			if err := json.Unmarshal([]byte(out), &created); err != nil {
				t.Fatalf("client create --json printed %q: %v", out, err)
			}
			return created.ClientSecret
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b := redisHarness(t)
			code := h.approvedCode(h.browser(), authorizePath())
			secret := h.secret
			if s := tt.delete(t, b); s != "" {
				secret = s
			}
			r := exchangeAs(t, h, testClient, secret, testCallback, code)
			if r.status != http.StatusBadRequest || jsonField(t, r.body, "error") != "invalid_grant" {
				t.Errorf("exchange of the code: got %d %s, want 400 invalid_grant", r.status, r.body)
			}
		})
	}
}
