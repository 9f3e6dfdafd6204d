package storagetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
	"github.com/grantry/grantry/storage/storagetest"
)

// As for Run, RunAccounts is checked against flawed variants of the
// in-memory store, one per rule, named by accountsVariantEnv.
const accountsVariantEnv = "STORAGETEST_ACCOUNTS_VARIANT"

var accountsVariants = map[string]func() accountsStore{
	"claims-dropped":         func() accountsStore { return claimsDropped{memstore.New()} },
	"claims-time-given":      func() accountsStore { return claimsTimeGiven{memstore.New()} },
	"update-creates":         func() accountsStore { return updateCreates{memstore.New()} },
	"consent-claims-dropped": func() accountsStore { return consentClaimsDropped{memstore.New()} },
	"consent-claims-kept":    func() accountsStore { return consentClaimsKept{memstore.New()} },
}

// accountsStore is a store of users and consents.
type accountsStore interface {
	storagetest.Users
	storagetest.UserAdmin
	storagetest.Consents
}

func TestAccountsVariant(t *testing.T) {
	name := os.Getenv(accountsVariantEnv)
	newStore := func() accountsStore { return memstore.New() }
	if name != "" {
		v, ok := accountsVariants[name]
		if !ok {
			t.Fatalf("unknown variant %q", name)
		}
		newStore = v
	}
	storagetest.RunAccounts(t, func(*testing.T) storagetest.Accounts {
		s := newStore()
		return storagetest.Accounts{Users: s, Admin: s, Consents: s}
	})
}

func TestAccountsSuiteCatchesFlaws(t *testing.T) {
	tests := []struct {
		variant string
		fails   []string // subtests of TestAccountsVariant that must fail
	}{
		{"claims-dropped", []string{"Users/CreateGet", "Claims/EveryRead", "Claims/Text"}},
		{"claims-time-given", []string{"Claims/Update", "Claims/UpdateClears"}},
		{"update-creates", []string{"Claims/UpdateUnknown"}},
		{"consent-claims-dropped", []string{"Consents/SaveGet", "Consents/Claims/standard", "Consents/Claims/awkward",
			"Consents/SaveReplacesClaims", "Consents/CopyIsolation", "Users/DeleteRevokesAndForgets"}},
		{"consent-claims-kept", []string{"Consents/SaveReplacesClaims"}},
	}
	if len(tests) != len(accountsVariants) {
		t.Fatalf("got %d cases for %d variants, want one each", len(tests), len(accountsVariants))
	}
	for _, tc := range tests {
		t.Run(tc.variant, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestAccountsVariant$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), accountsVariantEnv+"="+tc.variant)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("suite run: got error %v, want a failing exit status\n%s", err, out)
			}
			for _, sub := range tc.fails {
				if !strings.Contains(string(out), "--- FAIL: TestAccountsVariant/"+sub+" ") {
					t.Errorf("subtest %s: did not fail, want it to fail\n%s", sub, out)
				}
			}
		})
	}
}

// claimsDropped stores users without their claims, as a backend that
// forgot the column would.
type claimsDropped struct{ *memstore.Store }

func (s claimsDropped) CreateUser(ctx context.Context, u *storage.User) error {
	d := u.Clone()
	d.Claims = storage.Claims{}
	return s.Store.CreateUser(ctx, d)
}

// claimsTimeGiven keeps the UpdatedAt it is given instead of setting it,
// replacing the user to do so.
type claimsTimeGiven struct{ *memstore.Store }

func (s claimsTimeGiven) UpdateUserClaims(ctx context.Context, id string, c storage.Claims) error {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if err := s.DeleteUser(ctx, id); err != nil {
		return err
	}
	u.Claims = c
	return s.CreateUser(ctx, u)
}

// updateCreates reports success when asked to update an unknown user.
type updateCreates struct{ *memstore.Store }

func (s updateCreates) UpdateUserClaims(ctx context.Context, id string, c storage.Claims) error {
	if err := s.Store.UpdateUserClaims(ctx, id, c); !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// consentClaimsDropped stores consents without their claims, as a backend
// that forgot the column would.
type consentClaimsDropped struct{ *memstore.Store }

func (s consentClaimsDropped) SaveConsent(ctx context.Context, c *storage.Consent) error {
	d := c.Clone()
	d.Claims = nil
	return s.Store.SaveConsent(ctx, d)
}

// consentClaimsKept keeps, when a consent is replaced, the claims stored
// before, as an upsert that forgets to update the column would.
type consentClaimsKept struct{ *memstore.Store }

func (s consentClaimsKept) SaveConsent(ctx context.Context, c *storage.Consent) error {
	old, err := s.GetConsent(ctx, c.Subject, c.ClientID)
	if errors.Is(err, storage.ErrNotFound) {
		return s.Store.SaveConsent(ctx, c)
	}
	if err != nil {
		return err
	}
	d := c.Clone()
	d.Claims = old.Claims
	return s.Store.SaveConsent(ctx, d)
}
