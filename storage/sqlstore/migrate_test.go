package sqlstore_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// migrations returns the versions schema_migrations lists, in order.
func migrations(t *testing.T, db *sql.DB) []int {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var list []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		list = append(list, v)
	}
	return list
}

// migrationFiles returns the versions of the migration files of a
// dialect, in order. Versions may have gaps: branches number their
// migrations apart.
func migrationFiles(t *testing.T, dialect string) []int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	var list []int
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		list = append(list, v)
	}
	slices.Sort(list)
	return list
}

func wantMigrated(t *testing.T, db *sql.DB) {
	t.Helper()
	got := migrations(t, db)
	want := migrationFiles(t, "sqlite")
	if !slices.Equal(got, want) || want[len(want)-1] != sqlstore.SchemaVersion() {
		t.Errorf("schema_migrations: got versions %v, want %v once each, up to %d", got, want, sqlstore.SchemaVersion())
	}
}

// TestMigrationFilesMatch checks that both dialects have the same
// migrations.
func TestMigrationFilesMatch(t *testing.T) {
	if got, want := migrationFiles(t, "postgres"), migrationFiles(t, "sqlite"); !slices.Equal(got, want) {
		t.Errorf("postgres migrations: got versions %v, want those of sqlite, %v", got, want)
	}
}

// TestMigrateFillsGap checks that a migration missing below the newest
// applied one, as one from a branch merged later, is applied.
func TestMigrateFillsGap(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			s := openStore(t, db, tc.d)
			for _, stmt := range []string{`DROP TABLE signing_keys`, `DELETE FROM schema_migrations WHERE version = 3`} {
				if _, err := db.ExecContext(t.Context(), stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("Migrate: got error %v, want nil", err)
			}
			wantMigrated(t, db)
			k := &storage.SigningKey{ID: "k1", Algorithm: "ES256", Ciphertext: []byte{1}}
			if err := s.CreateSigningKey(t.Context(), k); err != nil {
				t.Errorf("CreateSigningKey after filling the gap: got error %v, want nil", err)
			}
		})
	}
}

// TestMigrateTwice checks that a second migration changes nothing and
// keeps the data.
func TestMigrateTwice(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			s := openStore(t, db, tc.d)
			c := &storage.Client{ID: "kept", SecretHash: secret.HashSecret("s")}
			if err := s.CreateClient(t.Context(), c); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatalf("second Migrate: got error %v, want nil", err)
			}
			wantMigrated(t, db)
			if _, err := s.GetClient(t.Context(), "kept"); err != nil {
				t.Errorf("GetClient after the second migration: got error %v, want nil", err)
			}
		})
	}
}

// TestMigrateConcurrent migrates one new database from several goroutines
// over two connection pools at once, as two processes starting together
// would: every migration succeeds, and each version is applied once.
func TestMigrateConcurrent(t *testing.T) {
	opens := []struct {
		name string
		d    sqlstore.Dialect
		// pools returns two independent pools on one new database.
		pools func(t *testing.T) [2]*sql.DB
	}{
		{"SQLite", sqlstore.SQLite, func(t *testing.T) [2]*sql.DB {
			path := filepath.Join(t.TempDir(), "grantry.db")
			return [2]*sql.DB{openSQLiteFile(t, path), openSQLiteFile(t, path)}
		}},
		{"Postgres", sqlstore.Postgres, func(t *testing.T) [2]*sql.DB {
			dsn := newSchema(t)
			return [2]*sql.DB{openPostgresDSN(t, dsn), openPostgresDSN(t, dsn)}
		}},
	}
	for _, tc := range opens {
		t.Run(tc.name, func(t *testing.T) {
			pools := tc.pools(t)
			const perPool = 4
			errs := make([]error, 2*perPool)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					<-start
					errs[i] = sqlstore.New(pools[i%2], tc.d).Migrate(t.Context())
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Migrate %d: got error %v, want nil", i, err)
				}
			}
			wantMigrated(t, pools[0])
		})
	}
}

// TestMigrateClaims upgrades a database of schema version 3, holding a
// user, to the newest: the user has no claims, and claims can be set.
func TestMigrateClaims(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			applyUpTo(t, db, tc.d, 3)
			if _, err := db.ExecContext(t.Context(), `INSERT INTO users (id, username, password_hash, created_at) VALUES ('u1', 'alice', $1, 0)`, secret.HashSecret("pw")); err != nil {
				t.Fatalf("insert a user of version 3: %v", err)
			}
			s := openStore(t, db, tc.d)
			wantMigrated(t, db)
			u, err := s.GetUser(t.Context(), "u1")
			if err != nil || u.Claims != (storage.Claims{}) {
				t.Fatalf("GetUser after the upgrade: got (%+v, %v), want the user without claims", u, err)
			}
			if err := s.UpdateUserClaims(t.Context(), "u1", storage.Claims{Email: "alice@example.org"}); err != nil {
				t.Fatalf("UpdateUserClaims after the upgrade: got error %v, want nil", err)
			}
			if u, err := s.UserByName(t.Context(), "alice"); err != nil || u.Claims.Email != "alice@example.org" {
				t.Errorf("UserByName after UpdateUserClaims: got (%+v, %v), want email alice@example.org", u, err)
			}
		})
	}
}

// applyUpTo applies the dialect's migrations up to version last, as an
// older version of the package would have, reading them from the source
// tree. A later migration must exist.
func applyUpTo(t *testing.T, db *sql.DB, d sqlstore.Dialect, last int) {
	t.Helper()
	versions := migrationFiles(t, d.String())
	if len(versions) == 0 || versions[len(versions)-1] <= last {
		t.Fatalf("migration versions: got %v, want one after %d", versions, last)
	}
	if _, err := db.ExecContext(t.Context(), `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		if v <= last {
			applyFile(t, db, filepath.Join("migrations", d.String()), v)
		}
	}
}
