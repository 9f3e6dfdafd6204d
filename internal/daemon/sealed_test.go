package daemon

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/keyset"
)

// plainSettings stores in b, as earlier versions did, a session key and a
// pairwise secret in clear, and returns them.
func plainSettings(t *testing.T, b *backend) (sessionKey, pairwise []byte) {
	t.Helper()
	sessionKey, pairwise = bytes.Repeat([]byte{0x5e}, 32), bytes.Repeat([]byte{0x9a}, 32)
	for name, k := range map[string][]byte{settingSessionKey: sessionKey, settingPairwiseSecret: pairwise} {
		if _, err := b.settings.LoadOrStoreSetting(t.Context(), name, base64.RawURLEncoding.EncodeToString(k)); err != nil {
			t.Fatal(err)
		}
	}
	return sessionKey, pairwise
}

// fileHolds reports whether any of the files of the SQLite database at
// path holds k, raw or base64url encoded.
func fileHolds(t *testing.T, path string, k []byte) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-journal"} {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, k) || bytes.Contains(data, []byte(base64.RawURLEncoding.EncodeToString(k))) {
			return true
		}
	}
	return false
}

// TestSettingKeysSealedAtRest starts the server on a database where an
// earlier version kept the session key and the pairwise secret in clear:
// both are sealed in place with their values unchanged, the database files
// no longer hold them, and a copy of the database without the
// key-encryption key recovers neither.
func TestSettingKeysSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "grantry.db")
	b, err := openBackend(t.Context(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	master, pairwise := plainSettings(t, b)
	if !fileHolds(t, path, pairwise) {
		t.Fatal("the test setup left no key in clear in the database")
	}
	a, err := newApp(t.Context(), testConfig(t, func(c *serveConfig) { c.db, c.Issuer = path, "http://127.0.0.1:9" }), b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	sess := &session{token: "cookie-token"}
	wantCSRF, _ := csrfKey(master)
	if got, want := a.sessions.csrfToken(sess), csrfMAC(wantCSRF, sess); got != want {
		t.Errorf("CSRF token %q, want the one of the session key kept in clear, %q (forms must survive the upgrade)", got, want)
	}
	for name, want := range map[string][]byte{settingSessionKey: master, settingPairwiseSecret: pairwise} {
		raw, _ := b.settings.LoadOrStoreSetting(t.Context(), name, "unused")
		ring, _, sealed, err := a.sessionKeys.load(t.Context(), name)
		if !strings.HasPrefix(raw, sealedPrefix) || err != nil || sealed || !bytes.Equal(ring.Current, want) {
			t.Errorf("%s: stored %q, loaded %x, %v; want it sealed and its value unchanged", name, raw, ring, err)
		}
	}
	_ = b.close()
	for name, k := range map[string][]byte{"session key": master, "pairwise secret": pairwise} {
		if fileHolds(t, path, k) {
			t.Errorf("the database files still hold the %s in clear", name)
		}
	}

	// A copy of the database, without the key-encryption key file.
	stolen := filepath.Join(t.TempDir(), "copy.db")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stolen, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := openBackend(t.Context(), stolen, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cb.close()
	thief, err := newSettingKeys(cb, &kek{key: bytes.Repeat([]byte{1}, keyset.SealingKeySize), source: "guess"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{settingSessionKey, settingPairwiseSecret} {
		if ring, _, _, err := thief.load(t.Context(), name); !errors.Is(err, keyset.ErrSealed) || ring != nil {
			t.Errorf("%s from a copy with another key-encryption key: got %v, %v; want ErrSealed", name, ring, err)
		}
	}
	if _, err := newApp(t.Context(), testConfig(t, func(c *serveConfig) { c.db, c.Issuer = stolen, "http://127.0.0.1:9" }), cb, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("the server started on a copy of the database without its key-encryption key, want an error")
	}
}

// TestSealedSettingsWrongKEK: a server given another key-encryption key
// than the one the settings were sealed with does not start, and says why.
func TestSealedSettingsWrongKEK(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grantry.db")
	b, err := openBackend(t.Context(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if _, err := newApp(t.Context(), testConfig(t, func(c *serveConfig) { c.db, c.Issuer = path, "http://127.0.0.1:9" }), b, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	wrong := testConfig(t, func(c *serveConfig) { c.db, c.Issuer, c.kek.env = path, "http://127.0.0.1:9", strings.Repeat("B", 43) })
	_, err = newApp(t.Context(), wrong, b, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "cannot open the keys sealed in the database's settings") {
		t.Errorf("newApp with another key-encryption key: got %v, want it to say the settings do not open", err)
	}
}

// TestRotateSessionKey rotates the session key with the command while a
// server runs: the server signs forms with the new key after its reload,
// accepts those signed with the old one for --grace, then refuses them;
// the pairwise secret does not change.
func TestRotateSessionKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grantry.db")
	b, err := openBackend(t.Context(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	a, err := newApp(t.Context(), testConfig(t, func(c *serveConfig) { c.db, c.Issuer = path, "http://127.0.0.1:9" }), b, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	pairwise, _, _, _ := a.sessionKeys.load(t.Context(), settingPairwiseSecret)
	sess := &session{token: "cookie-token"}
	old := a.sessions.csrfToken(sess)

	var stdout, stderr strings.Builder
	if code := Main(t.Context(), []string{"keys", "rotate-session-key", "--db", path, "--grace", "2h"}, strings.NewReader(""), &stdout, &stderr, envOf(nil)); code != 0 {
		t.Fatalf("keys rotate-session-key: exit %d, %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "rotated the session key") {
		t.Errorf("stdout %q, want the rotation reported", stdout.String())
	}
	a.reloadSessionKeys(t.Context())
	fresh := a.sessions.csrfToken(sess)
	start := time.Now()
	tests := []struct {
		name  string
		at    time.Duration
		token string
		want  bool
	}{
		{"new token", 0, fresh, true},
		{"old token within the grace period", time.Hour, old, true},
		{"old token after the grace period", 3 * time.Hour, old, false},
		{"new token after the grace period", 3 * time.Hour, fresh, true},
		{"another session's token", 0, a.sessions.csrfToken(&session{token: "other"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.sessions.now = func() time.Time { return start.Add(tt.at) }
			if got := a.sessions.checkCSRF(sess, tt.token); got != tt.want {
				t.Errorf("checkCSRF: got %v, want %v", got, tt.want)
			}
		})
	}
	if fresh == old {
		t.Error("the CSRF token did not change with the session key")
	}
	after, _, _, _ := a.sessionKeys.load(t.Context(), settingPairwiseSecret)
	if !bytes.Equal(after.Current, pairwise.Current) {
		t.Error("the pairwise secret changed with the session key")
	}
}

func TestRotateSessionKeyRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"memory store", []string{"keys", "rotate-session-key", "--db", "memory:"}, "lives as long as the process"},
		{"negative grace", []string{"keys", "rotate-session-key", "--db", "memory:", "--grace", "-1h"}, "--grace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			code := Main(context.Background(), tt.args, strings.NewReader(""), io.Discard, &stderr, envOf(nil))
			if code != 1 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}

// FuzzSettingKeysOpen feeds arbitrary stored values to the opening of a
// sealed setting: only a value sealed for its name opens, and nothing
// panics.
func FuzzSettingKeysOpen(f *testing.F) {
	sealer, err := keyset.NewSealer(bytes.Repeat([]byte{3}, keyset.SealingKeySize))
	if err != nil {
		f.Fatal(err)
	}
	sk := &settingKeys{sealer: sealer, now: time.Now}
	good, err := sk.seal(settingSessionKey, &keyring{Current: bytes.Repeat([]byte{4}, 32)})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{good, sealedPrefix, sealedPrefix + "AAAA", "plain", good + "A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ring, err := sk.open(settingSessionKey, raw)
		if err == nil && (len(ring.Current) != settingKeySize || raw != good && !strings.HasPrefix(raw, sealedPrefix)) {
			t.Errorf("open(%q) = %x, want an error", raw, ring.Current)
		}
		if _, err := plainKey(settingSessionKey, raw); err == nil && len(raw) != 43 {
			t.Errorf("plainKey(%q) read a key from a value of %d characters", raw, len(raw))
		}
	})
}
