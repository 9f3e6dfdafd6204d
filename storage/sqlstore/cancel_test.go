package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// TestCanceledRotation cancels rotations at varied instants, some of which
// fall just after SQLite began or committed the transaction, where the
// driver reports the end of the context for a statement that ran. A
// rotation that failed must have changed nothing, so that trying it again
// is no reuse, and its connection must not go back to the pool in the
// middle of the transaction, where the next one would fail to begin and
// the writes that follow would be reported saved and never be committed.
func TestCanceledRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grantry.db")
	db := openSQLiteFile(t, path)
	db.SetMaxOpenConns(1) // every call meets the connection the canceled one used
	s := openStore(t, db, sqlstore.SQLite)
	const rounds, tries = 300, 8
	for i := range rounds {
		old, next := token(fmt.Sprint("old", i), fmt.Sprint("fam", i)), token(fmt.Sprint("next", i), fmt.Sprint("fam", i))
		if err := s.CreateToken(t.Context(), old); err != nil {
			t.Fatalf("round %d: CreateToken: got error %v, want nil", i, err)
		}
		err := context.Canceled
		for j := 0; j < tries && err != nil; j++ {
			err = rotateCanceled(s, old.RefreshHash, next, time.Duration((i*tries+j)%61)*time.Microsecond)
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("round %d: rotation %d canceled after %d µs: got error %v, want nil or context.Canceled", i, j, (i*tries+j)%61, err)
			}
		}
		if err != nil {
			if err := s.RotateRefreshToken(t.Context(), old.RefreshHash, next); err != nil {
				t.Fatalf("round %d: rotation after canceled ones: got error %v, want nil", i, err)
			}
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	var n int
	if err := openSQLiteFile(t, path).QueryRowContext(t.Context(), "SELECT count(*) FROM tokens").Scan(&n); err != nil {
		t.Fatalf("count tokens: %v", err)
	}
	if n != 2*rounds {
		t.Errorf("tokens stored after reopening: got %d, want %d", n, 2*rounds)
	}
}

// rotateCanceled rotates oldHash into next with a context canceled after d.
func rotateCanceled(s *sqlstore.Store, oldHash string, next *storage.Token, d time.Duration) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	timer := time.AfterFunc(d, cancel)
	defer timer.Stop()
	return s.RotateRefreshToken(ctx, oldHash, next)
}
