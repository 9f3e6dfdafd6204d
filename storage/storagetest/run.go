package storagetest

import (
	"testing"

	"github.com/grantry/grantry/storage"
)

// Store is what a complete backend implements.
type Store interface {
	storage.ClientRegistry
	storage.CodeStore
	storage.TokenStore
	storage.Purger
}

// Run runs the conformance suite as subtests of t. newStore is called once
// per subtest and must return a new, empty store; it may register cleanup
// with t.Cleanup. The subtests do not run in parallel with each other.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Clients", clientTests},
		{"Codes", codeTests},
		{"Tokens", tokenTests},
		{"Rotation", rotationTests},
		{"Purge", purgeTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
			}
		})
	}
}

// test is one named check, run against a new store.
type test struct {
	name string
	run  func(t *testing.T, s Store)
}
