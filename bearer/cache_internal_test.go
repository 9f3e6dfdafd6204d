package bearer

import (
	"testing"
	"time"

	"github.com/grantry/grantry"
)

func key(i int) [32]byte {
	var k [32]byte
	k[0], k[1] = byte(i), byte(i>>8)
	return k
}

// TestAnswerCacheBound: the cache never holds more than its size, and
// makes room by dropping expired answers first.
func TestAnswerCacheBound(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	info := &grantry.TokenInfo{Active: true}
	t.Run("size is a bound", func(t *testing.T) {
		c := newAnswerCache(16)
		for i := range 100 {
			c.put(key(i), info, now.Add(time.Hour), now)
			if n := c.count(); n > 16 {
				t.Fatalf("after %d puts: got %d answers, want at most 16", i+1, n)
			}
		}
		if _, ok := c.get(key(99), now); !ok {
			t.Error("the answer just put is missing")
		}
	})
	t.Run("expired answers go first", func(t *testing.T) {
		c := newAnswerCache(8)
		c.put(key(0), info, now.Add(time.Hour), now)
		for i := 1; i < 8; i++ {
			c.put(key(i), info, now.Add(time.Second), now)
		}
		later := now.Add(time.Minute)
		c.put(key(100), info, later.Add(time.Hour), later)
		if n := c.count(); n != 2 {
			t.Errorf("got %d answers, want 2 (the seven expired ones dropped)", n)
		}
		if _, ok := c.get(key(0), later); !ok {
			t.Error("an unexpired answer was dropped while expired ones could go")
		}
	})
	t.Run("replacing an answer makes no room", func(t *testing.T) {
		c := newAnswerCache(2)
		c.put(key(1), info, now.Add(time.Hour), now)
		c.put(key(2), info, now.Add(time.Hour), now)
		c.put(key(2), info, now.Add(2*time.Hour), now)
		if _, ok := c.get(key(1), now); !ok || c.count() != 2 {
			t.Errorf("got %d answers, key 1 kept %v; want 2 and kept", c.count(), ok)
		}
	})
	t.Run("get drops an expired answer", func(t *testing.T) {
		c := newAnswerCache(2)
		c.put(key(1), info, now.Add(time.Second), now)
		if _, ok := c.get(key(1), now.Add(time.Second)); ok || c.count() != 0 {
			t.Errorf("got ok %v and %d answers at expiry, want neither", ok, c.count())
		}
	})
}
