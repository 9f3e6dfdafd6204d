package authserver

import (
	"context"
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/grantry/grantry"
)

// Client secrets imported from elsewhere are hashed with argon2id, which
// takes 64 MiB and tens of milliseconds per check: unbounded, a burst of
// wrong secrets exhausts memory. slowChecks bounds the checks running at
// once and those waiting; past the queue, or after waiting too long, a
// request is answered 503 temporarily_unavailable with Retry-After at
// once (RFC 9110 §15.6.4).

// Defaults of Config.SlowSecretChecks and its queue.
const (
	defaultSlowQueueFactor = 4
	DefaultSlowSecretWait  = 2 * time.Second
)

// errSecretBusy answers a request whose slow secret check cannot run now.
var errSecretBusy = &grantry.Error{
	Code: grantry.ErrTemporarilyUnavailable, Status: http.StatusServiceUnavailable,
	Description: "the server is busy; try again in a moment",
	Header:      http.Header{"Retry-After": {"1"}},
}

type slowChecks struct {
	slots   chan struct{}
	waiting atomic.Int32
	queue   int32
	wait    time.Duration
}

// newSlowChecks allows n checks at once (GOMAXPROCS when n <= 0), 4n
// waiting, each for at most wait (DefaultSlowSecretWait when <= 0).
func newSlowChecks(n int, wait time.Duration) *slowChecks {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = DefaultSlowSecretWait
	}
	return &slowChecks{slots: make(chan struct{}, n), queue: int32(defaultSlowQueueFactor * n), wait: wait}
}

// acquire takes a slot, or returns errSecretBusy, or the context's error.
func (l *slowChecks) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	default:
	}
	if l.waiting.Add(1) > l.queue {
		l.waiting.Add(-1)
		return nil, errSecretBusy
	}
	defer l.waiting.Add(-1)
	timer := time.NewTimer(l.wait)
	defer timer.Stop()
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	case <-timer.C:
		return nil, errSecretBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *slowChecks) release() { <-l.slots }
