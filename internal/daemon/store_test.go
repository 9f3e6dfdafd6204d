package daemon

import (
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grantry/grantry/storage/redisstore"
)

func TestDSNKind(t *testing.T) {
	tests := []struct{ dsn, want, path string }{
		{"grantry.db", "sqlite", "grantry.db"},
		{"sqlite:/var/lib/grantry.db", "sqlite", "/var/lib/grantry.db"},
		{"file:/var/lib/grantry.db", "sqlite", "/var/lib/grantry.db"},
		{"postgres://u:p@db/grantry", "postgres", ""},
		{"postgresql://db/grantry", "postgres", ""},
		{"memory:", "memory", ""},
		{":memory:", "memory", ""},
		{"sqlite::memory:", "memory", ""},
		{"file::memory:", "memory", ""},
		{"file::memory:?cache=shared", "memory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			if got := dsnKind(tt.dsn); got != tt.want {
				t.Errorf("dsnKind(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
			if tt.path != "" && sqlitePath(tt.dsn) != tt.path {
				t.Errorf("sqlitePath(%q) = %q, want %q", tt.dsn, sqlitePath(tt.dsn), tt.path)
			}
		})
	}
}

// TestRedactDSN checks that no form of database password reaches the logs
// or the output of grantry migrate.
func TestRedactDSN(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"userinfo", "postgres://grantry:s3cret@db:5432/grantry", "postgres://grantry:xxxxx@db:5432/grantry"},
		{"password parameter", "postgres://grantry@db/grantry?password=s3cret", "postgres://grantry@db/grantry?password=xxxxx"},
		{"sslpassword parameter", "postgres://grantry@db/grantry?sslmode=verify-full&sslpassword=s3cret", "postgres://grantry@db/grantry?sslmode=verify-full&sslpassword=xxxxx"},
		{"no password", "postgres://grantry@db/grantry?sslmode=disable", "postgres://grantry@db/grantry?sslmode=disable"},
		{"unparsable", "postgres://grantry:s3cret@db:port/%zz", "(a DSN that does not parse as a URL)"},
		{"sqlite path", "sqlite:/var/lib/grantry.db", "sqlite:/var/lib/grantry.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redactDSN(tt.dsn); got != tt.want {
				t.Errorf("redactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
		})
	}
}

// TestSQLiteFileIsPrivate checks that a new SQLite database, which holds
// the password hashes, is readable by its
// owner only.
func TestSQLiteFileIsPrivate(t *testing.T) {
	for _, prefix := range []string{"", "sqlite:", "file:"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "grantry.db")
			b, err := openBackend(t.Context(), prefix+path, "")
			if err != nil {
				t.Fatalf("openBackend: %v", err)
			}
			if _, err := loadSessionKey(t, testConfig(t), b); err != nil {
				t.Fatal(err)
			}
			_ = b.close()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got&0o077 != 0 {
				t.Errorf("got file mode %v, want no access for group and others (0600): the file holds the password hashes", got)
			}
		})
	}
}

// loadSessionKey returns the session keys of cfg and b, as serve loads
// them.
func loadSessionKey(t *testing.T, cfg *serveConfig, b *backend) (*keyring, error) {
	t.Helper()
	k, err := cfg.kek.resolve(t.Context(), b)
	if err != nil {
		return nil, err
	}
	sk, err := newSettingKeys(b, k)
	if err != nil {
		return nil, err
	}
	return sessionKey(t.Context(), cfg, b, sk, slog.New(slog.DiscardHandler))
}

// TestSQLiteSessionKeyShared opens one SQLite file twice, as two processes
// would, and checks that both get the same session key.
func TestSQLiteSessionKeyShared(t *testing.T) {
	path := t.TempDir() + "/grantry.db"
	cfg := testConfig(t)
	keys := make([][]byte, 2)
	for i := range keys {
		b, err := openBackend(t.Context(), path, "")
		if err != nil {
			t.Fatalf("openBackend: %v", err)
		}
		ring, err := loadSessionKey(t, cfg, b)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = ring.Current
		_ = b.close()
	}
	if len(keys[0]) != 32 || string(keys[0]) != string(keys[1]) {
		t.Errorf("session keys %x and %x, want one 32-byte key shared through the database", keys[0], keys[1])
	}
}

// TestSQLiteSessionsShared opens one SQLite file twice, as two processes
// behind a load balancer would: a session signed in through one is signed
// in through the other, and signing out through the other ends it for
// both.
func TestSQLiteSessionsShared(t *testing.T) {
	path := t.TempDir() + "/grantry.db"
	var procs [2]*sessions
	for i := range procs {
		b, err := openBackend(t.Context(), path, "")
		if err != nil {
			t.Fatalf("openBackend: %v", err)
		}
		t.Cleanup(func() { _ = b.close() })
		procs[i] = newTestSessions(t, b.sessions, 1, true, time.Now)
	}
	c, sess := signInCookie(t, procs[0], "user-1")
	if got := visit(t, procs[1], c); got == nil || got.rec == nil || got.rec.ID != sess.rec.ID {
		t.Fatalf("the other process: got %+v, want session %s signed in", got, sess.rec.ID)
	}
	if _, err := procs[1].signOut(t.Context(), visit(t, procs[1], c)); err != nil {
		t.Fatalf("signOut: %v", err)
	}
	for i, p := range procs {
		if got := visit(t, p, c); got == nil || got.rec != nil {
			t.Errorf("process %d after sign-out: got %+v, want signed out", i, got)
		}
	}
}

// TestRedisCodes runs the code flow with the codes in Redis.
func TestRedisCodes(t *testing.T) {
	h, b := redisHarness(t)
	if apart, ok := b.codes.(apartCodes); !ok {
		t.Fatalf("codes kept by %T, want apartCodes", b.codes)
	} else if _, ok := apart.CodeStore.(*redisstore.Store); !ok {
		t.Fatalf("codes kept by %T, want *redisstore.Store", apart.CodeStore)
	}
	c := h.browser()
	page := h.consentPage(c, authorizePath())
	r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}})
	code := r.location(t).Query().Get("code")
	if tok := h.exchange(code); tok.status != http.StatusOK {
		t.Fatalf("exchange: %d %s, want 200", tok.status, tok.body)
	}
	if again := h.exchange(code); again.status != http.StatusBadRequest || jsonField(t, again.body, "error") != "invalid_grant" {
		t.Errorf("replayed code: %d %s, want invalid_grant", again.status, again.body)
	}
	if r := h.get(h.browser(), "/readyz"); r.status != http.StatusOK {
		t.Errorf("/readyz with Redis: %d, want 200", r.status)
	}
}

// TestSQLiteFileMadePrivate: an existing database file, or its -wal
// file, that others may read is made private when it is opened, and
// that is reported.
func TestSQLiteFileMadePrivate(t *testing.T) {
	tests := []struct {
		name        string
		db, wal     os.FileMode
		wantWarning int
	}{
		{"private already", 0o600, 0o600, 0},
		{"world-readable file", 0o644, 0o600, 1},
		{"group-writable wal", 0o600, 0o660, 1},
		{"both", 0o666, 0o644, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "grantry.db")
			b, err := openBackend(t.Context(), path, "")
			if err != nil {
				t.Fatal(err)
			}
			_ = b.close()
			if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
				t.Fatal(err)
			}
			for p, m := range map[string]os.FileMode{path: tt.db, path + "-wal": tt.wal} {
				if err := os.Chmod(p, m); err != nil {
					t.Fatal(err)
				}
			}
			b, err = openBackend(t.Context(), path, "")
			if err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer b.close()
			if len(b.warnings) != tt.wantWarning {
				t.Errorf("warnings: got %q, want %d", b.warnings, tt.wantWarning)
			}
			for _, p := range []string{path, path + "-wal"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got&0o077 != 0 {
					t.Errorf("%s: mode %04o after opening, want 0600", filepath.Base(p), got)
				}
			}
		})
	}
}
