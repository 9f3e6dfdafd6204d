package sqlstore_test

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// TestRevokeFamilyWhileStoring races RevokeFamily against tokens being
// stored in the family, by CreateToken and by rotations, as a replayed
// authorization code races its first exchange (RFC 6749 §4.1.2), or a
// reused refresh token a rotation: whatever the interleaving, every token
// of the family ends revoked. A rotation either stored its next token or,
// finding the old one revoked with the family, reports the reuse and
// stores nothing.
func TestRevokeFamilyWhileStoring(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, tc.open(t), tc.d)
			const writers, rotations = 200, 100
			for i := range rotations {
				if err := s.CreateToken(t.Context(), token(fmt.Sprint("r", i), "fam")); err != nil {
					t.Fatalf("CreateToken: %v", err)
				}
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make([]error, writers+1)
			rotated := make([]error, rotations)
			for i := range writers {
				wg.Go(func() {
					<-start
					errs[i] = s.CreateToken(t.Context(), token(fmt.Sprint("t", i), "fam"))
				})
			}
			for i := range rotations {
				wg.Go(func() {
					<-start
					old := token(fmt.Sprint("r", i), "fam")
					rotated[i] = s.RotateRefreshToken(t.Context(), old.RefreshHash, token(fmt.Sprint("n", i), "fam"))
				})
			}
			wg.Go(func() {
				<-start
				errs[writers] = s.RevokeFamily(t.Context(), "fam")
			})
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("call %d: got error %v, want nil", i, err)
				}
			}
			for i := range writers {
				wantRevoked(t, s, token(fmt.Sprint("t", i), "fam"))
			}
			for i, err := range rotated {
				wantRevoked(t, s, token(fmt.Sprint("r", i), "fam"))
				wantRotatedInRevoked(t, s, token(fmt.Sprint("n", i), "fam"), err)
			}
		})
	}
}

// wantRotatedInRevoked checks the outcome of a rotation into next that
// raced the revocation of next's family: stored and revoked when it
// succeeded, not stored when it found the old token revoked.
func wantRotatedInRevoked(t *testing.T, s storage.TokenStore, next *storage.Token, err error) {
	t.Helper()
	switch {
	case err == nil:
		wantRevoked(t, s, next)
	case errors.Is(err, storage.ErrRefreshReused):
		if _, err := s.TokenByAccess(t.Context(), next.AccessHash); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("token %s of a rotation reported reused: got error %v, want ErrNotFound", next.ID, err)
		}
	default:
		t.Errorf("rotation into %s: got error %v, want nil or ErrRefreshReused", next.ID, err)
	}
}

// wantRevoked checks that tok is stored, revoked.
func wantRevoked(t *testing.T, s storage.TokenStore, tok *storage.Token) {
	t.Helper()
	got, err := s.TokenByAccess(t.Context(), tok.AccessHash)
	if err != nil || !got.Revoked {
		t.Errorf("token %s: got (revoked %t, %v), want revoked with its family", tok.ID, got != nil && got.Revoked, err)
	}
}

// slowInsertTrigger makes PostgreSQL pause for a while in the insert of a
// token whose ID begins with "slow", between the start of its transaction
// and its commit.
var slowInsertTrigger = []string{
	`CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN IF NEW.id LIKE 'slow%' THEN PERFORM pg_sleep(0.3); END IF; RETURN NEW; END $$`,
	`CREATE TRIGGER slow_insert BEFORE INSERT ON tokens FOR EACH ROW EXECUTE FUNCTION slow_insert()`,
}

// TestRevokeFamilyDuringInsert revokes, on PostgreSQL, a family while a
// token of it is being stored, paused inside its transaction: whether by
// CreateToken or by a rotation, the token ends revoked, with no later
// call to revoke it again.
func TestRevokeFamilyDuringInsert(t *testing.T) {
	db := openPostgres(t)
	s := openStore(t, db, sqlstore.Postgres)
	for _, stmt := range slowInsertTrigger {
		if _, err := db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatalf("create trigger: %v", err)
		}
	}
	tests := []struct {
		name  string
		store func(next *storage.Token) error
	}{
		{"CreateToken", func(next *storage.Token) error { return s.CreateToken(t.Context(), next) }},
		{"RotateRefreshToken", func(next *storage.Token) error {
			old := token("old-"+next.FamilyID, next.FamilyID)
			if err := s.CreateToken(t.Context(), old); err != nil {
				return err
			}
			return s.RotateRefreshToken(t.Context(), old.RefreshHash, next)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := token("slow-"+tc.name, "fam-"+tc.name)
			done := make(chan error, 1)
			go func() { done <- tc.store(next) }()
			waitForSleep(t, db)
			if err := s.RevokeFamily(t.Context(), next.FamilyID); err != nil {
				t.Fatalf("RevokeFamily: got error %v, want nil", err)
			}
			if err := <-done; err != nil {
				t.Fatalf("storing %s: got error %v, want nil", next.ID, err)
			}
			wantRevoked(t, s, next)
		})
	}
}

// waitForSleep returns once a session of the server is paused by
// slowInsertTrigger.
func waitForSleep(t *testing.T, db *sql.DB) {
	t.Helper()
	const query = `SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'INSERT INTO tokens%'`
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var n int
		if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
			t.Fatalf("pg_stat_activity: %v", err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("no insert paused by the trigger after 10s")
}
