package secret

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Defaults of CacheConfig.
const (
	DefaultCacheSize = 1024
	DefaultCacheTTL  = 5 * time.Minute
)

// CacheConfig configures a Cache. The zero value is ready to use.
type CacheConfig struct {
	// Size bounds how many verifications are remembered; zero means
	// DefaultCacheSize.
	Size int
	// TTL is how long a verification is remembered; zero means
	// DefaultCacheTTL.
	TTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Cache remembers, for a while, the client secrets it verified against a
// slow hash. A secret imported from elsewhere is hashed with argon2id
// (HashPassword), which takes tens of milliseconds and much memory by
// design; a client that presents it at every token request would make the
// token endpoint as slow. The cache verifies such a secret once, then
// accepts it again until TTL has passed, without the hash.
//
// An entry is keyed by the client ID, the SHA-256 digest of the presented
// secret and the stored hash, so that the secret itself is not kept, and a
// new secret (a new stored hash) takes effect at once. Only successful
// verifications are remembered. Secrets with a fast hash (HashSecret) are
// verified every time: the cache would cost as much.
type Cache struct {
	size int
	ttl  time.Duration
	now  func() time.Time
	// verify checks a secret against a hash; a test may count calls.
	verify func(hash, secret string) bool

	mu      sync.Mutex
	entries map[cacheKey]time.Time // until when a verification holds
}

type cacheKey struct {
	id, hash string
	sum      [sha256.Size]byte
}

// NewCache returns an empty cache.
func NewCache(cfg CacheConfig) *Cache {
	c := &Cache{size: cfg.Size, ttl: cfg.TTL, now: cfg.Now, verify: Verify, entries: make(map[cacheKey]time.Time)}
	if c.size <= 0 {
		c.size = DefaultCacheSize
	}
	if c.ttl <= 0 {
		c.ttl = DefaultCacheTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Verify reports whether secret matches hash, the stored hash of client
// id, as the package's Verify does, remembering a successful verification
// against a slow hash.
func (c *Cache) Verify(id, hash, secret string) bool {
	if !IsSlow(hash) {
		return c.verify(hash, secret)
	}
	key := cacheKey{id: id, hash: hash, sum: sha256.Sum256([]byte(secret))}
	if c.hit(key) {
		return true
	}
	if !c.verify(hash, secret) {
		return false
	}
	c.add(key)
	return true
}

// Remembered reports whether a verification of secret against hash, the
// stored hash of client id, is remembered: true means it matches, without
// hashing; false means only that Verify must be asked.
func (c *Cache) Remembered(id, hash, secret string) bool {
	return IsSlow(hash) && c.hit(cacheKey{id: id, hash: hash, sum: sha256.Sum256([]byte(secret))})
}

func (c *Cache) hit(k cacheKey) bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.entries[k]
	if ok && !now.Before(until) {
		delete(c.entries, k)
		return false
	}
	return ok
}

// add remembers a verification. When the cache is full, expired entries
// go first, then arbitrary ones.
func (c *Cache) add(k cacheKey) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.size {
		for old, until := range c.entries {
			if !now.Before(until) {
				delete(c.entries, old)
			}
		}
		for old := range c.entries {
			if len(c.entries) < c.size {
				break
			}
			delete(c.entries, old)
		}
	}
	c.entries[k] = now.Add(c.ttl)
}

// Len returns how many verifications are remembered, expired ones
// included until they are swept.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
