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
	storage.GraceRotator
	storage.Purger
}

// GraceStore is a token store whose rotations may keep a grace period.
type GraceStore interface {
	storage.TokenStore
	storage.GraceRotator
}

// Run runs the whole conformance suite as subtests of t. newStore is
// called once per subtest and must return a new, empty store; it may
// register cleanup with t.Cleanup. The subtests do not run in parallel
// with each other.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	RunClients(t, func(t *testing.T) storage.ClientRegistry { return newStore(t) })
	RunCodes(t, func(t *testing.T) storage.CodeStore { return newStore(t) })
	RunTokens(t, func(t *testing.T) storage.TokenStore { return newStore(t) })
	RunGrace(t, func(t *testing.T) GraceStore { return newStore(t) })
	runGroup(t, "Purge", purgeTests, newStore)
}

// RunClients runs the subtests of client administration (group
// "Clients"), for a backend that keeps clients only. What DeleteClient
// does to tokens, codes and consents is checked when the store also
// implements storage.TokenStore, storage.CodeStore or Consents, for each
// of them it implements.
func RunClients(t *testing.T, newStore func(t *testing.T) storage.ClientRegistry) {
	runGroup(t, "Clients", clientTests, newStore)
}

// RunCodes runs the subtests of authorization codes (group "Codes"), for a
// backend that keeps codes only, such as a cache with expiring keys.
func RunCodes(t *testing.T, newStore func(t *testing.T) storage.CodeStore) {
	runGroup(t, "Codes", codeTests, newStore)
}

// RunTokens runs the subtests of token lookup and revocation (group
// "Tokens"), of refresh-token rotation (group "Rotation") and of revoked
// families and refresh scopes (group "Families"), for a backend
// that keeps tokens only.
func RunTokens(t *testing.T, newStore func(t *testing.T) storage.TokenStore) {
	runGroup(t, "Tokens", tokenTests, newStore)
	runGroup(t, "Rotation", rotationTests, newStore)
	runGroup(t, "Families", familyTests, newStore)
}

// RunGrace runs the subtests of rotation with a grace period (group
// "Grace"), for a backend that keeps tokens only.
func RunGrace(t *testing.T, newStore func(t *testing.T) GraceStore) {
	runGroup(t, "Grace", graceTests, newStore)
}

// test is one named check, run against a new store.
type test[S any] struct {
	name string
	run  func(t *testing.T, s S)
}

// runGroup runs tests as subtests of a subtest named name, each against a
// new store.
func runGroup[S any](t *testing.T, name string, tests []test[S], newStore func(t *testing.T) S) {
	t.Run(name, func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) { tc.run(t, newStore(t)) })
		}
	})
}
