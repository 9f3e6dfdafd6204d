package secret

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// importedHash is the argon2id hash of an imported secret, made once: it
// is slow by design.
var importedHash = sync.OnceValue(func() string { return HashPassword("imported-secret") })

// countingCache returns a cache, a clock the test moves, and a counter of
// the verifications that reached the hash.
func countingCache(cfg CacheConfig) (*Cache, *time.Time, *int) {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	cfg.Now = func() time.Time { return now }
	c := NewCache(cfg)
	calls := 0
	c.verify = func(hash, s string) bool {
		calls++
		return Verify(hash, s)
	}
	return c, &now, &calls
}

func TestCache(t *testing.T) {
	hash := importedHash()
	tests := []struct {
		name string
		// run presents secrets and returns the results in order.
		run       func(c *Cache, now *time.Time) []bool
		want      []bool
		wantCalls int
	}{
		{"verified-once", func(c *Cache, _ *time.Time) []bool {
			var got []bool
			for range 5 {
				got = append(got, c.Verify("imported", hash, "imported-secret"))
			}
			return got
		}, []bool{true, true, true, true, true}, 1},
		{"wrong-secret-never-cached", func(c *Cache, _ *time.Time) []bool {
			return []bool{
				c.Verify("imported", hash, "guess"),
				c.Verify("imported", hash, "guess"),
				c.Verify("imported", hash, "imported-secret"),
				c.Verify("imported", hash, "guess"),
			}
		}, []bool{false, false, true, false}, 4},
		{"expires-after-ttl", func(c *Cache, now *time.Time) []bool {
			a := c.Verify("imported", hash, "imported-secret")
			*now = now.Add(time.Minute - time.Nanosecond)
			b := c.Verify("imported", hash, "imported-secret")
			*now = now.Add(time.Nanosecond)
			return []bool{a, b, c.Verify("imported", hash, "imported-secret")}
		}, []bool{true, true, true}, 2},
		{"another-client-with-the-same-hash", func(c *Cache, _ *time.Time) []bool {
			return []bool{c.Verify("imported", hash, "imported-secret"), c.Verify("other", hash, "imported-secret")}
		}, []bool{true, true}, 2},
		{"a-new-hash-is-verified", func(c *Cache, _ *time.Time) []bool {
			return []bool{
				c.Verify("imported", hash, "imported-secret"),
				c.Verify("imported", HashSecret("generated-secret"), "imported-secret"),
			}
		}, []bool{true, false}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, now, calls := countingCache(CacheConfig{TTL: time.Minute})
			got := tc.run(c, now)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Verify results: got %v, want %v", got, tc.want)
			}
			if *calls != tc.wantCalls {
				t.Errorf("verifications against the hash: got %d, want %d", *calls, tc.wantCalls)
			}
		})
	}
}

// TestCacheBounded checks that the cache never holds more than Size
// entries, and that a fast hash is not cached at all.
func TestCacheBounded(t *testing.T) {
	c, _, calls := countingCache(CacheConfig{Size: 3})
	for i := range 5 {
		id := fmt.Sprint("imported-", i)
		if !c.Verify(id, importedHash(), "imported-secret") {
			t.Fatalf("Verify(%s): got false, want true", id)
		}
		if n := c.Len(); n > 3 {
			t.Fatalf("entries after %s: got %d, want at most 3", id, n)
		}
	}
	before := c.Len()
	if !c.Verify("generated", HashSecret("generated-secret"), "generated-secret") || c.Len() != before || *calls != 6 {
		t.Errorf("fast hash: got %d entries and %d verifications, want %d and 6", c.Len(), *calls, before)
	}
}
