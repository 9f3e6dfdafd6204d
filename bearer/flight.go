package bearer

import (
	"context"
	"errors"
	"sync"

	"github.com/grantry/grantry"
)

// errFlightAborted is what the callers waiting for an introspection get
// when the caller making it stopped without an answer.
var errFlightAborted = errors.New("bearer: introspection request: aborted")

// flights coalesces concurrent introspections of one token: the first
// caller for a token digest makes the request, and callers arriving while
// it runs wait for its answer instead of making their own.
type flights struct {
	mu    sync.Mutex
	calls map[[32]byte]*flight
	// waiting, when set, is called by each caller that is about to wait
	// for another's flight. Tests use it to know who is waiting.
	waiting func()
}

// flight is one introspection in progress. info and err are written by
// the caller leading it before done is closed, and only read after.
type flight struct {
	done chan struct{}
	info *grantry.TokenInfo // shared: each caller returns a copy
	err  error
	// abandoned reports that err came from the leading caller's own
	// context ending: the endpoint gave no answer for the others to
	// share, and they ask again.
	abandoned bool
}

// join returns the flight in progress for key and false, or a new flight
// that the caller leads and true.
func (g *flights) join(key [32]byte) (*flight, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if f, ok := g.calls[key]; ok {
		return f, false
	}
	if g.calls == nil {
		g.calls = make(map[[32]byte]*flight)
	}
	f := &flight{done: make(chan struct{}), err: errFlightAborted}
	g.calls[key] = f
	return f, true
}

// land ends the flight for key: it is removed first, so that a later
// caller starts afresh (or finds the answer in the cache), then its
// waiting callers are released.
func (g *flights) land(key [32]byte, f *flight) {
	g.mu.Lock()
	if g.calls[key] == f {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	close(f.done)
}

// wait waits for f to land, or for ctx to end, whichever comes first,
// and returns ctx's error in the second case.
func (g *flights) wait(ctx context.Context, f *flight) error {
	if g.waiting != nil {
		g.waiting()
	}
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// contextEnded reports whether err is the end of ctx, rather than another
// failure that merely matches context.DeadlineExceeded, as an
// http.Client timeout does.
func contextEnded(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
