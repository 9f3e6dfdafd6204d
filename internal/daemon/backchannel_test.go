package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
)

// logoutInbox is a client's back-channel logout endpoint that hands each
// logout token to a channel.
type logoutInbox chan string

func (in logoutInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	in <- r.PostForm.Get("logout_token")
	w.WriteHeader(http.StatusOK)
}

// next waits for the next logout token, failing after a timeout.
func (in logoutInbox) next(t *testing.T) string {
	t.Helper()
	select {
	case tok := <-in:
		return tok
	case <-time.After(10 * time.Second):
		t.Fatal("no logout token arrived within 10s")
		return ""
	}
}

// serving starts the server's background loops, as grantry serve runs
// them, with the queued logouts drained every interval.
func (h *harness) serving(interval time.Duration) {
	h.t.Helper()
	h.app.logoutDrain = interval
	stop := h.app.background(context.Background())
	h.t.Cleanup(func() {
		stop()
		_ = h.app.logoutNotifier.Wait(context.Background())
	})
}

// TestLogoutFromCommandLine checks that sessions ended from the command
// line, by a process that cannot sign logout tokens, are sent to their
// clients by the running server (Back-Channel Logout 1.0 §2.5), signed with
// its keys, with the claims of §2.4.
func TestLogoutFromCommandLine(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  func(sid string) []string
	}{
		{"session revoke ID", "", func(sid string) []string { return []string{"session", "revoke", "--", sid} }},
		{"session revoke --user", "", func(string) []string { return []string{"session", "revoke", "--user", testUser} }},
		{"user set-password", "a new passw0rd\n", func(string) []string { return []string{"user", "set-password", testUser} }},
		{"user delete", "", func(string) []string { return []string{"user", "delete", testUser} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, b := memoryHarness(t)
			inbox := make(logoutInbox, 4)
			rs := httptest.NewServer(inbox)
			defer rs.Close()
			sec := h.addOIDCClient(rs.URL + "/bc")
			h.serving(5 * time.Millisecond)
			c := h.browser()
			code := h.approveCode(c, h.consentPage(c, oidcPath())).Get("code")
			sid := h.verifyID(h.exchangeOIDC(code, sec)["id_token"].(string))["sid"].(string)

			adminWithInput(t, b, tt.stdin, tt.args(sid)...)

			h.checkLogoutToken(inbox.next(t), sid)
			h.wantSignedIn(c, "browser after "+tt.name, false)
		})
	}
}

// TestQueuedLogoutSentAtStart checks that a logout queued while no server
// ran is sent when one starts, without waiting for the drain interval.
func TestQueuedLogoutSentAtStart(t *testing.T) {
	h, b := memoryHarness(t)
	inbox := make(logoutInbox, 4)
	rs := httptest.NewServer(inbox)
	defer rs.Close()
	sec := h.addOIDCClient(rs.URL + "/bc")
	c := h.browser()
	code := h.approveCode(c, h.consentPage(c, oidcPath())).Get("code")
	sid := h.verifyID(h.exchangeOIDC(code, sec)["id_token"].(string))["sid"].(string)
	adminOn(t, b, "session", "revoke", "--user", testUser)
	h.serving(time.Hour)
	h.checkLogoutToken(inbox.next(t), sid)
}

// TestLogoutFromCommandLineSQLite checks the same with the server and the
// command each opening the SQLite file, as two processes do.
func TestLogoutFromCommandLineSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grantry.db")
	b, err := openBackend(t.Context(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	inbox := make(logoutInbox, 4)
	rs := httptest.NewServer(inbox)
	defer rs.Close()
	rp, sec := oidcClientRecord(rs.URL + "/bc")
	u := &storage.User{ID: "id-" + testUser, Username: testUser, PasswordHash: secret.HashSecret(testPassword), CreatedAt: time.Now()}
	if err := errors.Join(b.clients.CreateClient(t.Context(), rp), b.accounts.CreateUser(t.Context(), u)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	cfg := testConfig(t, func(c *serveConfig) {
		c.db, c.Issuer, c.InsecureDev = path, "http://"+srv.Listener.Addr().String(), true
	})
	a, err := newApp(t.Context(), cfg, b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.handler()
	srv.Start()
	defer srv.Close()
	h := &harness{t: t, app: a, srv: srv, userID: u.ID}
	h.serving(5 * time.Millisecond)
	c := h.browser()
	code := h.approveCode(c, h.consentPage(c, oidcPath())).Get("code")
	sid := h.verifyID(h.exchangeOIDC(code, sec)["id_token"].(string))["sid"].(string)

	var out, errOut strings.Builder
	if code := Main(context.Background(), []string{"session", "revoke", "--db", path, "--user", testUser},
		strings.NewReader(""), &out, &errOut, envOf(nil)); code != 0 {
		t.Fatalf("grantry session revoke: exit %d, stderr %q", code, errOut.String())
	}

	h.checkLogoutToken(inbox.next(t), sid)
}

// checkLogoutToken verifies a logout token with the server's published
// keys and checks its claims (Back-Channel Logout 1.0 §2.4).
func (h *harness) checkLogoutToken(tok, sid string) {
	h.t.Helper()
	v, err := keyset.Verify(h.t.Context(), tok, h.app.signingKeys(), keyset.AsymmetricAlgorithms())
	if err != nil {
		h.t.Fatalf("logout token: %v", err)
	}
	var claims struct {
		Iss    string                    `json:"iss"`
		Aud    string                    `json:"aud"`
		Sub    string                    `json:"sub"`
		SID    string                    `json:"sid"`
		IAT    int64                     `json:"iat"`
		JTI    string                    `json:"jti"`
		Events map[string]map[string]any `json:"events"`
		Nonce  *string                   `json:"nonce"`
	}
	if err := json.Unmarshal(v.Payload, &claims); err != nil {
		h.t.Fatalf("logout token claims: %v", err)
	}
	_, event := claims.Events["http://schemas.openid.net/event/backchannel-logout"]
	checks := []struct {
		what      string
		got, want any
	}{
		{"typ", v.Header.Type, "logout+jwt"},
		{"iss", claims.Iss, h.app.cfg.Issuer},
		{"aud", claims.Aud, oidcClient},
		{"sub", claims.Sub, h.userID},
		{"sid", claims.SID, sid},
		{"backchannel-logout event", event, true},
		{"jti set", claims.JTI != "", true},
		{"iat set", claims.IAT > 0, true},
		{"nonce absent", claims.Nonce == nil, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			h.t.Errorf("logout token %s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}
