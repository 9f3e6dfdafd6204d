package daemon

import (
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"

	"github.com/grantry/grantry/internal/pgtest"
)

// postgresSchemaDSN returns a DSN of a schema of its own on the test
// PostgreSQL server (see pgtest.SchemaDSN).
func postgresSchemaDSN(t *testing.T) string { return pgtest.SchemaDSN(t, "daemon") }

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
