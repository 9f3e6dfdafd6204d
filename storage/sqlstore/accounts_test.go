package sqlstore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
	"github.com/grantry/grantry/storage/storagetest"
)

func TestAccountsConformance(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			storagetest.RunAccounts(t, func(t *testing.T) storagetest.Accounts {
				s := openStore(t, tc.open(t), tc.d)
				return storagetest.Accounts{Users: s, Admin: s, Consents: s}
			})
		})
	}
}

func TestUserRefusesPlainPassword(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, tc.open(t), tc.d)
			u := &storage.User{ID: "1", Username: "alice", PasswordHash: "hunter22", CreatedAt: time.Now()}
			if err := s.CreateUser(t.Context(), u); !errors.Is(err, sqlstore.ErrPlainSecret) {
				t.Errorf("CreateUser with a plain password: got %v, want ErrPlainSecret", err)
			}
			u.PasswordHash = secret.HashSecret("x")
			if err := s.CreateUser(t.Context(), u); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if err := s.SetPasswordHash(t.Context(), "1", "hunter22"); !errors.Is(err, sqlstore.ErrPlainSecret) {
				t.Errorf("SetPasswordHash with a plain password: got %v, want ErrPlainSecret", err)
			}
		})
	}
}

// TestLoadOrStoreSetting checks that of many concurrent callers with
// different values, all get the one stored first, and later calls too.
func TestLoadOrStoreSetting(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, tc.open(t), tc.d)
			const n = 20
			got := make([]string, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { got[i], errs[i] = s.LoadOrStoreSetting(t.Context(), "session_key", fmt.Sprint("value-", i)) })
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil || got[i] != got[0] || got[0] == "" {
					t.Fatalf("caller %d: got (%q, %v), want (%q, nil) like every caller", i, got[i], errs[i], got[0])
				}
			}
			again, err := s.LoadOrStoreSetting(t.Context(), "session_key", "late")
			if err != nil || again != got[0] {
				t.Errorf("later call: got (%q, %v), want (%q, nil)", again, err, got[0])
			}
			other, err := s.LoadOrStoreSetting(t.Context(), "other", "v")
			if err != nil || other != "v" {
				t.Errorf("another setting: got (%q, %v), want (v, nil)", other, err)
			}
		})
	}
}

// TestCompareAndSwapSetting checks that of many concurrent swaps of one
// old value, exactly one succeeds, and that a swap of another value or of
// a missing setting does nothing.
func TestCompareAndSwapSetting(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, tc.open(t), tc.d)
			if _, err := s.LoadOrStoreSetting(t.Context(), "k", "old"); err != nil {
				t.Fatal(err)
			}
			const n = 10
			swapped := make([]bool, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { swapped[i], errs[i] = s.CompareAndSwapSetting(t.Context(), "k", "old", fmt.Sprint("new-", i)) })
			}
			wg.Wait()
			winners := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("swap %d: %v", i, errs[i])
				}
				if swapped[i] {
					winners++
				}
			}
			got, _ := s.LoadOrStoreSetting(t.Context(), "k", "x")
			if winners != 1 || !strings.HasPrefix(got, "new-") {
				t.Errorf("got %d swaps and value %q, want one swap and its value", winners, got)
			}
			for _, tt := range []struct{ name, old string }{{"k", "old"}, {"missing", ""}} {
				if ok, err := s.CompareAndSwapSetting(t.Context(), tt.name, tt.old, "v"); ok || err != nil {
					t.Errorf("swap of %s from %q: got (%v, %v), want (false, nil)", tt.name, tt.old, ok, err)
				}
			}
		})
	}
}

// TestUserMalformedClaims: a claims column that does not hold a JSON
// object is an error naming the user, never a user without claims.
func TestUserMalformedClaims(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			db := tc.open(t)
			s := openStore(t, db, tc.d)
			u := &storage.User{ID: "u1", Username: "alice", PasswordHash: secret.HashSecret("x"), CreatedAt: time.Now()}
			if err := s.CreateUser(t.Context(), u); err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if _, err := db.ExecContext(t.Context(), `UPDATE users SET claims = 'not JSON' WHERE id = 'u1'`); err != nil {
				t.Fatal(err)
			}
			reads := map[string]func() error{
				"GetUser":    func() error { _, err := s.GetUser(t.Context(), "u1"); return err },
				"UserByName": func() error { _, err := s.UserByName(t.Context(), "alice"); return err },
				"ListUsers":  func() error { _, err := s.ListUsers(t.Context()); return err },
			}
			for name, read := range reads {
				if err := read(); err == nil || errors.Is(err, storage.ErrNotFound) || !strings.Contains(err.Error(), `malformed claims of user "u1"`) {
					t.Errorf("%s: got error %v, want one about the malformed claims of u1", name, err)
				}
			}
		})
	}
}
