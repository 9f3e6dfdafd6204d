package sqlstore_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/grantry/grantry/storage/sqlstore"
)

// postgresEnv names the variable that holds the DSN of the PostgreSQL
// server the tests use: scripts/lib.sh start_test_servers sets it.
const postgresEnv = "GRANTRY_TEST_POSTGRES_DSN"

// dialects are the databases every test runs against.
var dialects = []struct {
	name string
	d    sqlstore.Dialect
	open func(t testing.TB) *sql.DB
}{
	{"SQLite", sqlstore.SQLite, openSQLite},
	{"Postgres", sqlstore.Postgres, openPostgres},
}

// openSQLite opens a new SQLite database in a file of the test's temporary
// directory, with the DSN the package recommends.
func openSQLite(t testing.TB) *sql.DB {
	t.Helper()
	return openSQLiteFile(t, filepath.Join(t.TempDir(), "grantry.db"))
}

func openSQLiteFile(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqlstore.SQLiteDSN(path))
	if err != nil {
		t.Fatalf("sql.Open(sqlite): %v", err)
	}
	// SQLite has one writer at a time: a few connections serve the readers.
	db.SetMaxOpenConns(8)
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresDSN returns the DSN of the test server. Without one the test is
// skipped, except under CI=true, where it fails.
func postgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: under CI=true the PostgreSQL tests must run (scripts/lib.sh start_test_servers)", postgresEnv)
		}
		t.Skipf("%s is not set: start PostgreSQL with scripts/lib.sh start_test_servers", postgresEnv)
	}
	return dsn
}

var (
	adminOnce sync.Once
	adminDB   *sql.DB
)

// postgresAdmin returns a connection pool to the test database's default
// schema, shared by the tests, to create and drop their schemas.
func postgresAdmin(t testing.TB) *sql.DB {
	t.Helper()
	dsn := postgresDSN(t)
	adminOnce.Do(func() {
		db, err := sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(4)
			adminDB = db
		}
	})
	if adminDB == nil {
		t.Fatalf("cannot open %s", postgresEnv)
	}
	return adminDB
}

// newSchema creates a schema of its own for the test, dropped when it
// ends, and returns a DSN whose connections use it.
func newSchema(t testing.TB) string {
	t.Helper()
	admin := postgresAdmin(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(postgresDSN(t))
	if err != nil {
		t.Fatalf("%s: %v", postgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openPostgres opens a pool on a new, empty schema of the test database.
func openPostgres(t testing.TB) *sql.DB {
	t.Helper()
	return openPostgresDSN(t, newSchema(t))
}

func openPostgresDSN(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("sql.Open(pgx): %v", err)
	}
	// Stay well below the server's max_connections, which the 1,000
	// contenders of the races would otherwise exceed.
	db.SetMaxOpenConns(16)
	t.Cleanup(func() { db.Close() })
	return db
}

// openStore returns a migrated store over db.
func openStore(t testing.TB, db *sql.DB, d sqlstore.Dialect) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), db, d)
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	return s
}
