package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// batchCode returns an authorization code of client "app" whose hash is
// that of name.
func batchCode(name string) *storage.AuthorizationCode {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	return &storage.AuthorizationCode{
		Hash: secret.Digest(name), FamilyID: "grant-" + name, ClientID: "app",
		CreatedAt: now, ExpiresAt: now.Add(time.Minute),
	}
}

// batchCase is one write of TestConcurrentWritesFailAlone and the error
// it must end with (errAny: some error that is neither nil, ErrExists
// nor ErrNotFound).
type batchCase struct {
	name  string
	write func(ctx context.Context, s *sqlstore.Store) error
	want  error
}

var errAny = errors.New("any database error")

func batchCases() []batchCase {
	dupAccess := token("other", "other")
	dupAccess.AccessHash = token("taken", "taken").AccessHash
	consume := func(name string) func(ctx context.Context, s *sqlstore.Store) error {
		return func(ctx context.Context, s *sqlstore.Store) error {
			_, err := s.ConsumeAuthorizationCode(ctx, secret.Digest(name), "app", time.Now())
			return err
		}
	}
	cases := []batchCase{
		{"token with a taken ID", func(ctx context.Context, s *sqlstore.Store) error {
			t := token("taken", "taken")
			t.AccessHash, t.RefreshHash = secret.Digest("a"), secret.Digest("r")
			return s.CreateToken(ctx, t)
		}, storage.ErrExists},
		{"token with a taken access hash", func(ctx context.Context, s *sqlstore.Store) error {
			return s.CreateToken(ctx, dupAccess)
		}, storage.ErrExists},
		{"token the database refuses", func(ctx context.Context, s *sqlstore.Store) error {
			return s.CreateToken(ctx, token("poison", "poison"))
		}, errAny},
		{"token of a revoked family", func(ctx context.Context, s *sqlstore.Store) error {
			return s.CreateToken(ctx, token("late", "revoked"))
		}, nil},
		{"code with a taken hash", func(ctx context.Context, s *sqlstore.Store) error {
			return s.CreateAuthorizationCode(ctx, batchCode("fresh"))
		}, storage.ErrExists},
		{"new code", func(ctx context.Context, s *sqlstore.Store) error {
			return s.CreateAuthorizationCode(ctx, batchCode("new"))
		}, nil},
		{"unused code", consume("fresh"), nil},
		{"used code", consume("used"), storage.ErrCodeUsed},
		{"unknown code", consume("unknown"), storage.ErrNotFound},
	}
	for i := range 40 {
		cases = append(cases, batchCase{fmt.Sprint("new token ", i), func(ctx context.Context, s *sqlstore.Store) error {
			return s.CreateToken(ctx, token(fmt.Sprint("new", i), fmt.Sprint("new", i)))
		}, nil})
	}
	return cases
}

// TestConcurrentWritesFailAlone runs concurrent writes, which the group
// commit puts in shared transactions, some of which fail on their own
// account (taken keys, used or unknown codes) or are refused by the
// database: each write gets its own outcome, and every write reported
// done is stored.
func TestConcurrentWritesFailAlone(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			db := tc.open(t)
			s := openStore(t, db, tc.d)
			for _, stmt := range poisonTriggers[tc.d] {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("create trigger: %v", err)
				}
			}
			setup := []error{
				s.CreateToken(ctx, token("taken", "taken")),
				s.CreateToken(ctx, token("first", "revoked")),
				s.RevokeFamily(ctx, "revoked"),
				s.CreateAuthorizationCode(ctx, batchCode("fresh")),
				s.CreateAuthorizationCode(ctx, batchCode("used")),
			}
			_, err := s.ConsumeAuthorizationCode(ctx, secret.Digest("used"), "app", time.Now())
			for i, err := range append(setup, err) {
				if err != nil {
					t.Fatalf("setup step %d: %v", i, err)
				}
			}
			cases := batchCases()
			got := make([]error, len(cases))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, c := range cases {
				wg.Go(func() {
					<-start
					got[i] = c.write(ctx, s)
				})
			}
			close(start)
			wg.Wait()
			for i, c := range cases {
				checkOutcome(t, c, got[i])
			}
			checkStored(t, s)
		})
	}
}

func checkOutcome(t *testing.T, c batchCase, err error) {
	t.Helper()
	if c.want == errAny {
		if err == nil || errors.Is(err, storage.ErrExists) || errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: got error %v, want the database's error", c.name, err)
		}
		return
	}
	if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
		t.Errorf("%s: got error %v, want %v", c.name, err, c.want)
	}
}

// checkStored checks what TestConcurrentWritesFailAlone's writes left.
func checkStored(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := t.Context()
	for i := range 40 {
		if _, err := s.TokenByAccess(ctx, token(fmt.Sprint("new", i), "").AccessHash); err != nil {
			t.Errorf("token new%d: got error %v, want it stored", i, err)
		}
	}
	late, err := s.TokenByAccess(ctx, token("late", "").AccessHash)
	if err != nil || !late.Revoked {
		t.Errorf("token of a revoked family: got (%+v, %v), want it stored revoked", late, err)
	}
	if _, err := s.TokenByAccess(ctx, token("poison", "").AccessHash); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("refused token: got error %v, want ErrNotFound", err)
	}
	taken, err := s.TokenByRefresh(ctx, token("taken", "").RefreshHash)
	if err != nil || taken.FamilyID != "taken" {
		t.Errorf("token with the taken ID: got (%+v, %v), want the first one kept", taken, err)
	}
	_, err = s.ConsumeAuthorizationCode(ctx, secret.Digest("fresh"), "app", time.Now())
	if !errors.Is(err, storage.ErrCodeUsed) {
		t.Errorf("code consumed in the batch: got error %v, want ErrCodeUsed", err)
	}
	if _, err := s.ConsumeAuthorizationCode(ctx, secret.Digest("new"), "app", time.Now()); err != nil {
		t.Errorf("code stored in the batch: got error %v, want it stored", err)
	}
}
