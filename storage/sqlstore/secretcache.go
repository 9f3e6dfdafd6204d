package sqlstore

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"time"

	"github.com/grantry/grantry/storage"
)

// Defaults of SecretCacheConfig.
const (
	DefaultSecretCacheSize = 1024
	DefaultSecretCacheTTL  = 5 * time.Minute
)

// SecretCacheConfig configures a SecretCache. The zero value is ready to
// use.
type SecretCacheConfig struct {
	// Size bounds how many verifications are remembered; zero means
	// DefaultSecretCacheSize.
	Size int
	// TTL is how long a verification is remembered; zero means
	// DefaultSecretCacheTTL.
	TTL time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// SecretCache is a storage.ClientStore that remembers, for a while, the
// client secrets it verified against a slow hash. A secret imported from
// elsewhere is hashed with argon2id (storage.HashPassword), which takes
// tens of milliseconds and much memory by design; a client that presents
// it at every token request would make the token endpoint as slow. The
// cache verifies such a secret once, then accepts it again until TTL has
// passed, without the hash.
//
// An entry is keyed by the client ID, the SHA-256 digest of the presented
// secret and the stored hash, so that the secret itself is not kept, and a
// new secret (a new stored hash) or a deleted client takes effect at once.
// Only successful verifications are remembered. Secrets with a fast hash
// (storage.HashSecret) are verified every time: the cache would cost as
// much.
//
// Clients whose dynamic type is not *storage.ClientRecord are returned as
// they are.
type SecretCache struct {
	clients storage.ClientStore
	size    int
	ttl     time.Duration
	now     func() time.Time
	// verify checks a secret against the record; a test may count calls.
	verify func(c *storage.ClientRecord, secret string) bool

	mu      sync.Mutex
	entries map[cacheKey]time.Time // until when a verification holds
}

type cacheKey struct {
	id, hash string
	sum      [sha256.Size]byte
}

// NewSecretCache returns a cache in front of clients.
func NewSecretCache(clients storage.ClientStore, cfg SecretCacheConfig) *SecretCache {
	c := &SecretCache{clients: clients, size: cfg.Size, ttl: cfg.TTL, now: cfg.Now,
		verify: (*storage.ClientRecord).CheckSecret, entries: make(map[cacheKey]time.Time)}
	if c.size <= 0 {
		c.size = DefaultSecretCacheSize
	}
	if c.ttl <= 0 {
		c.ttl = DefaultSecretCacheTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// GetClient returns the client from the underlying store. A
// *storage.ClientRecord with a slow secret hash comes back wrapped, so
// that its CheckSecret consults the cache.
func (c *SecretCache) GetClient(ctx context.Context, id string) (storage.Client, error) {
	cl, err := c.clients.GetClient(ctx, id)
	if err != nil {
		return nil, err
	}
	rec, ok := cl.(*storage.ClientRecord)
	if !ok || !strings.HasPrefix(rec.SecretHash, argon2idPrefix) {
		return cl, nil
	}
	return &cachedClient{ClientRecord: rec, cache: c}, nil
}

// cachedClient is a client whose secret checks go through the cache.
type cachedClient struct {
	*storage.ClientRecord
	cache *SecretCache
}

// CheckSecret implements storage.Client.
func (c *cachedClient) CheckSecret(secret string) bool {
	key := cacheKey{id: c.ID, hash: c.SecretHash, sum: sha256.Sum256([]byte(secret))}
	if c.cache.hit(key) {
		return true
	}
	if !c.cache.verify(c.ClientRecord, secret) {
		return false
	}
	c.cache.add(key)
	return true
}

func (c *SecretCache) hit(k cacheKey) bool {
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
func (c *SecretCache) add(k cacheKey) {
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
func (c *SecretCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Interface check.
var _ storage.ClientStore = (*SecretCache)(nil)
