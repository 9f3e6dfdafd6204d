// Package pgtest gives tests a PostgreSQL schema of their own on the test
// server that scripts/lib.sh starts (start_test_servers), named by
// GRANTRY_TEST_POSTGRES_DSN.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// SchemaDSN returns a DSN of the test PostgreSQL server whose connections
// use a new schema, named from prefix and dropped when the test ends.
// Without a server the test is skipped, except under CI=true, where it
// fails.
func SchemaDSN(t testing.TB, prefix string) string {
	t.Helper()
	dsn := os.Getenv("GRANTRY_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GRANTRY_TEST_POSTGRES_DSN is not set: under CI=true the PostgreSQL tests must run")
		}
		t.Skip("GRANTRY_TEST_POSTGRES_DSN is not set: start PostgreSQL with scripts/lib.sh start_test_servers")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("GRANTRY_TEST_POSTGRES_DSN: %v", err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	schema := prefix + "_" + strings.ToLower(rand.Text()[:16])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
