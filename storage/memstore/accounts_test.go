package memstore_test

import (
	"testing"

	"github.com/grantry/grantry/storage/memstore"
	"github.com/grantry/grantry/storage/storagetest"
)

func TestAccountsConformance(t *testing.T) {
	storagetest.RunAccounts(t, func(*testing.T) storagetest.Accounts {
		s := memstore.New()
		return storagetest.Accounts{Users: s, Admin: s, Consents: s}
	})
}
