package bearer

import (
	"sync"
	"time"

	"github.com/grantry/grantry"
)

// answerCache keeps introspection answers by token digest, each until a
// given time, and never more than size of them.
type answerCache struct {
	mu      sync.Mutex
	size    int
	entries map[[32]byte]cacheEntry
}

type cacheEntry struct {
	info  *grantry.TokenInfo
	until time.Time
}

func newAnswerCache(size int) *answerCache {
	return &answerCache{size: size, entries: make(map[[32]byte]cacheEntry)}
}

// get returns the answer for key while it lasts; an expired one is
// dropped.
func (c *answerCache) get(key [32]byte, now time.Time) (*grantry.TokenInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.until) {
		delete(c.entries, key)
		return nil, false
	}
	return e.info, true
}

// put keeps an answer until the given time. When the cache is full, the
// expired answers are dropped and, if that frees nothing, an eighth of the
// others, chosen by map order.
func (c *answerCache) put(key [32]byte, info *grantry.TokenInfo, until, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.size {
		c.evict(now)
	}
	c.entries[key] = cacheEntry{info: info, until: until}
}

func (c *answerCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	n := len(c.entries) - c.size + 1
	if n <= 0 {
		return
	}
	n = max(n, c.size/8)
	for k := range c.entries {
		if n == 0 {
			break
		}
		delete(c.entries, k)
		n--
	}
}

// count returns the number of answers kept.
func (c *answerCache) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
