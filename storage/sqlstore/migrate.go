package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFiles embed.FS

// migration is one versioned step of the schema.
type migration struct {
	version int
	name    string
	sql     string
}

// migrateLockKey is the PostgreSQL advisory lock that serialises
// migrations of one database: "grantry" in ASCII.
const migrateLockKey int64 = 0x6772616e747279

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at BIGINT NOT NULL
)`

// migrations returns the dialect's migrations in version order. Their
// files are named NNNN_name.sql.
func (d Dialect) migrations() ([]migration, error) {
	dir := path.Join("migrations", d.String())
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var list []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("sqlstore: misnamed migration %s", e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		list = append(list, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(list, func(a, b migration) int { return a.version - b.version })
	return list, nil
}

// SchemaVersion returns the version of the newest migration this package
// has, which Migrate brings a database to.
func SchemaVersion() int {
	list, err := SQLite.migrations()
	if err != nil || len(list) == 0 {
		return 0
	}
	return list[len(list)-1].version
}

// Migrate brings the schema to the newest version, applying in one
// transaction the migrations the table schema_migrations does not list,
// in version order: a migration numbered below one applied already, as
// from a branch merged later, is applied too.
// It is safe to run again, and from several processes at once: on
// PostgreSQL a transaction-scoped advisory lock serialises them, on SQLite
// the write lock of BEGIN IMMEDIATE does. A database migrated by a newer
// version of this package is left as it is.
func (s *Store) Migrate(ctx context.Context) error {
	list, err := s.d.migrations()
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(q querier) (error, error) {
		if s.d == Postgres {
			if _, err := q.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey); err != nil {
				return nil, err
			}
		}
		if _, err := q.ExecContext(ctx, createMigrationsTable); err != nil {
			return nil, err
		}
		applied, err := appliedVersions(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			if applied[m.version] {
				continue
			}
			if err := apply(ctx, q, m); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return wrap("migrate", err)
}

func apply(ctx context.Context, q querier, m migration) error {
	if _, err := q.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, micros(time.Now()))
	return err
}

// appliedVersions returns the versions schema_migrations lists.
func appliedVersions(ctx context.Context, q querier) (map[int]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	applied := make(map[int]bool)
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}
