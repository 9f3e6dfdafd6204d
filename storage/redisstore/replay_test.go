package redisstore_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry/storage/redisstore"
)

func TestSeenJTI(t *testing.T) {
	now := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	s, rdb := newStore(t, redisstore.Config{Now: func() time.Time { return now }})
	exp := now.Add(2 * time.Minute)
	steps := []struct {
		name string
		jti  string
		want bool
	}{
		{"first", "jti-1", false},
		{"replay", "jti-1", true},
		{"other", "jti-2", false},
		{"replay-again", "jti-1", true},
		{"other-replay", "jti-2", true},
	}
	for _, st := range steps {
		seen, err := s.SeenJTI(t.Context(), st.jti, exp)
		if err != nil || seen != st.want {
			t.Errorf("%s: SeenJTI(%q): got (%t, %v), want (%t, nil)", st.name, st.jti, seen, err, st.want)
		}
	}
	keys, err := rdb.Keys(t.Context(), "*jti:*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("jti keys: got (%q, %v), want two", keys, err)
	}
	for _, k := range keys {
		ttl := rdb.PTTL(t.Context(), k).Val()
		if ttl > 2*time.Minute || ttl < 2*time.Minute-time.Second {
			t.Errorf("time to live of %s: got %v, want 2m0s, from the injected clock", k, ttl)
		}
	}
}

// TestSeenJTIConcurrent checks that of 1,000 simultaneous first uses of
// one jti exactly one is accepted.
func TestSeenJTIConcurrent(t *testing.T) {
	s, _ := newStore(t, redisstore.Config{})
	const contenders = 1000
	var fresh, failed atomic.Int32
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range contenders {
		wg.Go(func() {
			<-start
			seen, err := s.SeenJTI(t.Context(), "raced", time.Now().Add(time.Minute))
			switch {
			case err != nil:
				failed.Add(1)
			case !seen:
				fresh.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if fresh.Load() != 1 || failed.Load() != 0 {
		t.Errorf("got %d accepted and %d errors, want 1 and 0", fresh.Load(), failed.Load())
	}
}
