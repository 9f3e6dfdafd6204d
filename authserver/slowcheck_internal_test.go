package authserver

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSlowChecks(t *testing.T) {
	l := newSlowChecks(2, 20*time.Millisecond)
	if cap(l.slots) != 2 || l.queue != 8 {
		t.Fatalf("slots %d, queue %d; want 2 and 8", cap(l.slots), l.queue)
	}
	var releases []func()
	for i := range 2 {
		release, err := l.acquire(t.Context())
		if err != nil {
			t.Fatalf("acquire %d of 2: got %v, want a slot", i+1, err)
		}
		releases = append(releases, release)
	}
	t.Run("waits, then busy", func(t *testing.T) {
		if _, err := l.acquire(t.Context()); !errors.Is(err, errSecretBusy) {
			t.Errorf("every slot taken past the wait: got %v, want errSecretBusy", err)
		}
	})
	t.Run("queue full", func(t *testing.T) {
		l.waiting.Store(l.queue)
		defer l.waiting.Store(0)
		start := time.Now()
		if _, err := l.acquire(t.Context()); !errors.Is(err, errSecretBusy) {
			t.Errorf("full queue: got %v, want errSecretBusy", err)
		}
		if took := time.Since(start); took >= l.wait {
			t.Errorf("full queue answered after %v, want at once", took)
		}
	})
	t.Run("context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := l.acquire(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled context: got %v, want context.Canceled", err)
		}
	})
	t.Run("slot freed", func(t *testing.T) {
		releases[0]()
		release, err := l.acquire(t.Context())
		if err != nil {
			t.Fatalf("after a release: got %v, want a slot", err)
		}
		release()
	})
	if n := l.waiting.Load(); n != 0 {
		t.Errorf("waiting after every call returned: got %d, want 0", n)
	}
}

func TestSlowChecksDefaults(t *testing.T) {
	l := newSlowChecks(0, 0)
	if cap(l.slots) < 1 || l.wait != DefaultSlowSecretWait {
		t.Errorf("defaults: %d slots, wait %v; want GOMAXPROCS and %v", cap(l.slots), l.wait, DefaultSlowSecretWait)
	}
}
