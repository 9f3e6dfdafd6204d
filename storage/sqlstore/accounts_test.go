package sqlstore_test

import (
	"errors"
	"fmt"
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
