package keyset_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage/memstore"
)

// A server keeps its signing keys in its store, sealed with a key kept
// outside the database, and rotates them: the next key is published a day
// before it signs.
func ExampleManager() {
	ctx := context.Background()
	kek := make([]byte, keyset.SealingKeySize) // in production: read from a 0600 file or the environment
	rand.Read(kek)
	sealer, _ := keyset.NewSealer(kek)

	now := time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)
	m := keyset.NewManager(memstore.New(), sealer, keyset.ManagerConfig{
		Now: func() time.Time { return now },
	})

	// First start: an ES256 key signs, an RS256 key is published too.
	set, _ := m.Load(ctx)
	first := set.Active().ID()
	fmt.Println("signs with", set.Active().Algorithm(), "publishes", len(set.JWKS().Keys), "keys")

	set, _ = m.Rotate(ctx)
	fmt.Println("after Rotate: publishes", len(set.JWKS().Keys), "keys, same signer:", set.Active().ID() == first)

	now = now.Add(keyset.DefaultPublicationDelay)
	set, _ = m.Load(ctx)
	fmt.Println("a day later: same signer:", set.Active().ID() == first, "old key published:", set.Key(first) != nil)
	// Output:
	// signs with ES256 publishes 2 keys
	// after Rotate: publishes 4 keys, same signer: true
	// a day later: same signer: false old key published: true
}
