package authtest

import (
	"sync"
	"time"
)

// DefaultTime is the time at which a server's clock starts when Config.Clock
// is nil. It lies far ahead, so that a component which still reads the real
// time finds the server's tokens unexpired.
var DefaultTime = time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC)

// Clock is a clock that moves only when told to. Its Now method serves as
// the Now func() time.Time of any Grantry Config. It is safe for concurrent
// use; the zero Clock reads the zero time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock {
	return &Clock{now: t}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d, which may be negative, and returns the new
// time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
