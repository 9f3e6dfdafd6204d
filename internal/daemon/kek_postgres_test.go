package daemon

import (
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
)

// postgresSchemaDSN returns a DSN of the test PostgreSQL server whose
// connections use a schema of their own, dropped when the test ends. Without
// a server the test is skipped, except under CI=true, where it fails.
func postgresSchemaDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("GRANTRY_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GRANTRY_TEST_POSTGRES_DSN is not set: under CI=true the PostgreSQL tests must run")
		}
		t.Skip("GRANTRY_TEST_POSTGRES_DSN is not set: start PostgreSQL with scripts/lib.sh start_test_servers")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "daemon_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresKEK starts servers on one PostgreSQL database, as several
// processes would: without a key-encryption key the start is refused, with
// one they share the keys, and with another one the start fails.
func TestPostgresKEK(t *testing.T) {
	dsn := postgresSchemaDSN(t)
	wrong := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		name    string
		kek     string
		wantErr string
	}{
		{"NoKey", "", "no key-encryption key"},
		{"FirstProcess", testKEK, ""},
		{"SecondProcess", testKEK, ""},
		{"WrongKey", wrong, "cannot open the keys sealed in the database"},
	}
	var first string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := openBackend(t.Context(), dsn, "")
			if err != nil {
				t.Fatalf("openBackend: %v", err)
			}
			defer func() { _ = b.close() }()
			cfg := testConfig(t, withKEK(tt.kek), func(c *serveConfig) { c.db, c.Issuer = dsn, "http://127.0.0.1:1" })
			a, err := newApp(t.Context(), cfg, b, slog.New(slog.DiscardHandler))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("newApp: got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("newApp: got error %v, want nil", err)
			}
			kid := a.signingKeys().Active().ID()
			if first == "" {
				first = kid
			} else if kid != first {
				t.Errorf("active key: got %s, want the first process's %s", kid, first)
			}
		})
	}
}
