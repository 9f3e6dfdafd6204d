package sqlstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// importedHash is the argon2id hash of an imported secret, made once: it
// is slow by design.
var importedHash = sync.OnceValue(func() string { return secret.HashPassword("imported-secret") })

// countingCache returns a cache over a store holding the given clients,
// a clock the test moves, and a counter of the slow verifications.
func countingCache(t *testing.T, cfg SecretCacheConfig, clients ...*storage.ClientRecord) (*SecretCache, *time.Time, *int) {
	t.Helper()
	store := memstore.New()
	for _, c := range clients {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	cfg.Now = func() time.Time { return now }
	c := NewSecretCache(store, cfg)
	calls := 0
	verify := c.verify
	c.verify = func(rec *storage.ClientRecord, s string) bool {
		calls++
		return verify(rec, s)
	}
	return c, &now, &calls
}

func checkSecret(t *testing.T, c *SecretCache, id, secret string) bool {
	t.Helper()
	cl, err := c.GetClient(t.Context(), id)
	if err != nil {
		t.Fatalf("GetClient(%q): got error %v, want nil", id, err)
	}
	return cl.CheckSecret(secret)
}

func TestSecretCache(t *testing.T) {
	imported := &storage.ClientRecord{ID: "imported", SecretHash: importedHash()}
	tests := []struct {
		name string
		// run presents secrets and returns the results in order.
		run       func(t *testing.T, c *SecretCache, now *time.Time) []bool
		want      []bool
		wantCalls int
	}{
		{"verified-once", func(t *testing.T, c *SecretCache, _ *time.Time) []bool {
			var got []bool
			for range 5 {
				got = append(got, checkSecret(t, c, "imported", "imported-secret"))
			}
			return got
		}, []bool{true, true, true, true, true}, 1},
		{"wrong-secret-never-cached", func(t *testing.T, c *SecretCache, _ *time.Time) []bool {
			return []bool{
				checkSecret(t, c, "imported", "guess"),
				checkSecret(t, c, "imported", "guess"),
				checkSecret(t, c, "imported", "imported-secret"),
				checkSecret(t, c, "imported", "guess"),
			}
		}, []bool{false, false, true, false}, 4},
		{"expires-after-ttl", func(t *testing.T, c *SecretCache, now *time.Time) []bool {
			a := checkSecret(t, c, "imported", "imported-secret")
			*now = now.Add(time.Minute - time.Nanosecond)
			b := checkSecret(t, c, "imported", "imported-secret")
			*now = now.Add(time.Nanosecond)
			return []bool{a, b, checkSecret(t, c, "imported", "imported-secret")}
		}, []bool{true, true, true}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, now, calls := countingCache(t, SecretCacheConfig{TTL: time.Minute}, imported)
			got := tc.run(t, c, now)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("CheckSecret results: got %v, want %v", got, tc.want)
			}
			if *calls != tc.wantCalls {
				t.Errorf("slow verifications: got %d, want %d", *calls, tc.wantCalls)
			}
		})
	}
}

// TestSecretCacheNewSecret checks that a cached verification does not
// outlive the secret: once the client's hash changes, the old secret is
// verified against the new hash, and fails.
func TestSecretCacheNewSecret(t *testing.T) {
	store := memstore.New()
	rec := &storage.ClientRecord{ID: "imported", SecretHash: importedHash()}
	if err := store.CreateClient(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	c := NewSecretCache(store, SecretCacheConfig{})
	if !checkSecret(t, c, "imported", "imported-secret") {
		t.Fatalf("CheckSecret before the change: got false, want true")
	}
	rec.SecretHash = secret.HashSecret("generated-secret")
	if err := store.UpdateClient(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	if checkSecret(t, c, "imported", "imported-secret") {
		t.Errorf("CheckSecret of the old secret after the change: got true, want false")
	}
	if !checkSecret(t, c, "imported", "generated-secret") {
		t.Errorf("CheckSecret of the new secret: got false, want true")
	}
	if err := store.DeleteClient(t.Context(), "imported"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetClient(t.Context(), "imported"); err != storage.ErrNotFound {
		t.Errorf("GetClient of a deleted client: got error %v, want ErrNotFound", err)
	}
}

// TestSecretCacheBounded checks that the cache never holds more than Size
// entries, and that a fast hash is not cached at all.
func TestSecretCacheBounded(t *testing.T) {
	var clients []*storage.ClientRecord
	for i := range 5 {
		clients = append(clients, &storage.ClientRecord{ID: fmt.Sprint("imported-", i), SecretHash: importedHash()})
	}
	fast := &storage.ClientRecord{ID: "generated", SecretHash: secret.HashSecret("generated-secret")}
	c, _, calls := countingCache(t, SecretCacheConfig{Size: 3}, append(clients, fast)...)
	for _, cl := range clients {
		if !checkSecret(t, c, cl.ID, "imported-secret") {
			t.Fatalf("CheckSecret(%s): got false, want true", cl.ID)
		}
		if n := c.Len(); n > 3 {
			t.Fatalf("entries after %s: got %d, want at most 3", cl.ID, n)
		}
	}
	before := c.Len()
	cl, err := c.GetClient(t.Context(), "generated")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cl.(*storage.ClientRecord); !ok {
		t.Errorf("client with a SHA-256 secret hash: got %T, want *storage.ClientRecord", cl)
	}
	if !cl.CheckSecret("generated-secret") || c.Len() != before || *calls != len(clients) {
		t.Errorf("fast hash: got %d entries and %d slow verifications, want %d and %d", c.Len(), *calls, before, len(clients))
	}
}
