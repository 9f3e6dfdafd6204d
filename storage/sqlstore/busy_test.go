package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// TestBusyTimeout holds SQLite's write lock from another connection for
// the whole test: a write waits out the busy timeout of the DSN once, not
// once more for every retry, then fails with storage.ErrUnavailable.
func TestBusyTimeout(t *testing.T) {
	const busyTimeout = 200 * time.Millisecond
	path := filepath.Join(t.TempDir(), "grantry.db")
	// The DSN the package recommends, with a shorter busy timeout.
	dsn := strings.Replace(sqlstore.SQLiteDSN(path), "busy_timeout(5000)", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()), 1)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatalf("sql.Open(sqlite): %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var ms int64
	if err := db.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&ms); err != nil || ms != busyTimeout.Milliseconds() {
		t.Fatalf("PRAGMA busy_timeout: got (%d, %v), want %d", ms, err, busyTimeout.Milliseconds())
	}
	s := openStore(t, db, sqlstore.SQLite)
	old := token("old", "fam")
	if err := s.CreateToken(t.Context(), old); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	holdWriteLock(t, path)

	tests := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateToken", func(ctx context.Context) error { return s.CreateToken(ctx, token("new", "fam")) }},
		{"RotateRefreshToken", func(ctx context.Context) error {
			return s.RotateRefreshToken(ctx, old.RefreshHash, token("next", "fam"))
		}},
		{"RevokeFamily", func(ctx context.Context) error { return s.RevokeFamily(ctx, "fam") }},
		{"Purge", func(ctx context.Context) error { _, err := s.Purge(ctx, time.Now()); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := tc.op(t.Context())
			elapsed := time.Since(start)
			if !errors.Is(err, storage.ErrUnavailable) {
				t.Errorf("got error %v, want ErrUnavailable", err)
			}
			if elapsed < busyTimeout || elapsed > 3*busyTimeout {
				t.Errorf("failed after %v, want about one busy timeout (%v)", elapsed.Round(time.Millisecond), busyTimeout)
			}
		})
	}
}

// holdWriteLock takes the write lock of the SQLite database at path on a
// connection of its own, until the test ends.
func holdWriteLock(t *testing.T, path string) {
	t.Helper()
	conn, err := openSQLiteFile(t, path).Conn(t.Context())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("BEGIN IMMEDIATE: %v", err)
	}
	t.Cleanup(func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
	})
}
