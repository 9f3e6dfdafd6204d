package dpop

import (
	"context"
	"sync"
	"time"
)

// ReplayCache remembers the jti of every proof until it expires, so that
// a proof is accepted once (RFC 9449 §11.1). SeenJTI records jti until
// exp and reports whether it was recorded before; of concurrent calls for
// one jti exactly one gets false. redisstore.Store implements it, for
// servers that share their proofs' fate.
type ReplayCache interface {
	SeenJTI(ctx context.Context, jti string, exp time.Time) (seen bool, err error)
}

// MemoryReplayCache is a ReplayCache in this process's memory, for a
// single server. Expired entries are dropped as new ones come. It is safe
// for concurrent use.
type MemoryReplayCache struct {
	mu        sync.Mutex
	seen      map[string]time.Time
	now       func() time.Time
	nextPrune int
}

// NewMemoryReplayCache returns an empty cache; now is its clock, nil
// meaning time.Now.
func NewMemoryReplayCache(now func() time.Time) *MemoryReplayCache {
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{seen: make(map[string]time.Time), now: now, nextPrune: 1024}
}

// SeenJTI implements ReplayCache.
func (c *MemoryReplayCache) SeenJTI(_ context.Context, jti string, exp time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if until, ok := c.seen[jti]; ok && now.Before(until) {
		return true, nil
	}
	if len(c.seen) >= c.nextPrune {
		for k, until := range c.seen {
			if !now.Before(until) {
				delete(c.seen, k)
			}
		}
		c.nextPrune = max(1024, 2*len(c.seen))
	}
	c.seen[jti] = exp
	return false, nil
}
