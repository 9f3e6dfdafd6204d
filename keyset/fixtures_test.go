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

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
