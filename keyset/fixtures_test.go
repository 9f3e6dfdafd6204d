package keyset

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// loadKey reads a PEM key from testdata.
func loadKey(t testing.TB, name string, alg Algorithm) *Key {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePEM(data, alg, "")
	if err != nil {
		t.Fatalf("ParsePEM(%s): %v", name, err)
	}
	return k
}

// clock is a time the tests move. (authtest's Clock cannot be used here:
// authtest imports keyset.)
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock returns a clock at a fixed time.
func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
