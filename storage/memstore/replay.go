package memstore

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/grantry/grantry/storage"
)

// DefaultMaxJTIs bounds the replay cache when Store.MaxJTIs is zero.
const DefaultMaxJTIs = 100_000

// ErrReplayCacheFull is returned by SeenJTI when MaxJTIs unexpired IDs are
// remembered already. Forgetting one early would let its JWT be replayed,
// so the new one is refused instead. It wraps storage.ErrUnavailable: the
// server is out of room, not the caller at fault.
var ErrReplayCacheFull = fmt.Errorf("%w: memstore: replay cache full", storage.ErrUnavailable)

// replayIndex holds the JWT IDs seen, by digest, and a min-heap of their
// expiry times, so that the expired ones are dropped in order. A heap
// entry whose ID was recorded again with a later expiry is stale and
// skipped. Its map is made on first write. It has a lock of its own, so
// that recording an ID never waits for the store's records, nor they for
// it.
type replayIndex struct {
	mu       sync.Mutex
	byDigest map[[sha256.Size]byte]time.Time
	order    expiryHeap
}

type expiring struct {
	digest [sha256.Size]byte
	exp    time.Time
}

// expiryHeap implements heap.Interface, earliest expiry first.
type expiryHeap []expiring

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp.Before(h[j].exp) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiring)) }
func (h *expiryHeap) Pop() any {
	old := *h
	last := old[len(old)-1]
	*h = old[:len(old)-1]
	return last
}

// SeenJTI implements storage.ReplayCache. The ID is kept as its SHA-256
// digest until exp, by Store.Now; at most MaxJTIs are kept at once.
func (s *Store) SeenJTI(_ context.Context, jti string, exp time.Time) (bool, error) {
	d := sha256.Sum256([]byte(jti))
	now := s.clock()
	x := &s.replays
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byDigest == nil {
		x.byDigest = make(map[[sha256.Size]byte]time.Time)
	}
	x.purgeLocked(now)
	if have, ok := x.byDigest[d]; ok && !have.Before(now) {
		return true, nil
	}
	if len(x.byDigest) >= s.maxJTIs() {
		return false, ErrReplayCacheFull
	}
	x.byDigest[d] = exp
	heap.Push(&x.order, expiring{digest: d, exp: exp})
	return false, nil
}

// purge drops the IDs that expired before the given time and returns how
// many.
func (x *replayIndex) purge(before time.Time) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.purgeLocked(before)
}

func (x *replayIndex) purgeLocked(before time.Time) int {
	n := 0
	for len(x.order) > 0 && x.order[0].exp.Before(before) {
		e := heap.Pop(&x.order).(expiring)
		if have, ok := x.byDigest[e.digest]; ok && have.Equal(e.exp) {
			delete(x.byDigest, e.digest)
			n++
		}
	}
	return n
}

func (s *Store) clock() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) maxJTIs() int {
	if s.MaxJTIs > 0 {
		return s.MaxJTIs
	}
	return DefaultMaxJTIs
}
