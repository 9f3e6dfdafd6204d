package storagetest

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry/storage"
)

// RunReplayCache runs the conformance suite of storage.ReplayCache (group
// "ReplayCache") as subtests of t. newCache is called once per subtest
// and must return a new, empty cache whose clock is now, which the tests
// move. When the cache is also a storage.Purger, the purge of expired IDs
// is checked too.
func RunReplayCache(t *testing.T, newCache func(t *testing.T, now func() time.Time) storage.ReplayCache) {
	t.Run("ReplayCache", func(t *testing.T) {
		tests := replayTests
		if _, ok := newCache(t, time.Now).(storage.Purger); ok {
			tests = append(tests, replayPurgeTest)
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := &clock{t: base}
				tc.run(t, newCache(t, c.now), c)
			})
		}
	})
}

// clock is the time a replay cache under test runs by. It is moved only
// while no call to the cache is running.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type replayTest struct {
	name string
	run  func(t *testing.T, c storage.ReplayCache, clk *clock)
}

var replayPurgeTest = replayTest{"Purge", testReplayPurge}

var replayTests = []replayTest{
	{"Record", testReplayRecord},
	{"Concurrent", testReplayConcurrent},
	{"ConcurrentDistinct", testReplayConcurrentDistinct},
	{"Expiry", testReplayExpiry},
}

// wantSeen calls SeenJTI and checks its answer.
func wantSeen(t *testing.T, c storage.ReplayCache, step, jti string, exp time.Time, want bool) {
	t.Helper()
	seen, err := c.SeenJTI(t.Context(), jti, exp)
	if err != nil || seen != want {
		t.Errorf("%s: SeenJTI(%.40q): got (%t, %v), want (%t, nil)", step, jti, seen, err, want)
	}
}

func testReplayRecord(t *testing.T, c storage.ReplayCache, _ *clock) {
	exp := at(2 * time.Minute)
	long := strings.Repeat("j", 10000)
	steps := []struct {
		name string
		jti  string
		want bool
	}{
		{"first", "jti-1", false},
		{"replay", "jti-1", true},
		{"other", "jti-2", false},
		{"other-case", "JTI-1", false},
		{"replay-again", "jti-1", true},
		{"other-replay", "jti-2", true},
		{"issuer-joined", "https://issuer.example jti-1", false},
		{"long", long, false},
		{"long-replay", long, true},
		{"long-prefix", long[:9999], false},
	}
	for _, st := range steps {
		wantSeen(t, c, st.name, st.jti, exp, st.want)
	}
}

// testReplayConcurrent checks that of many simultaneous first uses of one
// jti exactly one is accepted.
func testReplayConcurrent(t *testing.T, c storage.ReplayCache, _ *clock) {
	var fresh, replays atomic.Int32
	race(func(int) {
		seen, err := c.SeenJTI(t.Context(), "raced", at(time.Minute))
		switch {
		case err != nil:
			t.Errorf("SeenJTI: got error %v, want nil", err)
		case seen:
			replays.Add(1)
		default:
			fresh.Add(1)
		}
	})
	if fresh.Load() != 1 || replays.Load() != contenders-1 {
		t.Errorf("got %d first uses and %d replays, want 1 and %d", fresh.Load(), replays.Load(), contenders-1)
	}
	wantSeen(t, c, "after the race", "raced", at(time.Minute), true)
}

// testReplayConcurrentDistinct checks that simultaneous first uses of
// distinct IDs are all accepted.
func testReplayConcurrentDistinct(t *testing.T, c storage.ReplayCache, _ *clock) {
	var replays atomic.Int32
	race(func(i int) {
		seen, err := c.SeenJTI(t.Context(), fmt.Sprint("distinct-", i), at(time.Minute))
		if err != nil {
			t.Errorf("SeenJTI: got error %v, want nil", err)
		}
		if seen {
			replays.Add(1)
		}
	})
	if replays.Load() != 0 {
		t.Errorf("got %d distinct IDs taken for replays, want 0", replays.Load())
	}
}

// testReplayExpiry checks that an ID is remembered until its expiry, by
// the injected clock, and forgotten after it.
func testReplayExpiry(t *testing.T, c storage.ReplayCache, clk *clock) {
	exp := at(time.Minute)
	wantSeen(t, c, "first", "jti", exp, false)
	clk.t = at(30 * time.Second)
	wantSeen(t, c, "before expiry", "jti", exp, true)
	clk.t = exp
	wantSeen(t, c, "at expiry", "jti", exp, true)
	clk.t = exp.Add(time.Microsecond)
	wantSeen(t, c, "after expiry", "jti", at(5*time.Minute), false)
	clk.t = at(2 * time.Minute)
	wantSeen(t, c, "recorded again", "jti", at(5*time.Minute), true)
	clk.t = at(5*time.Minute + time.Second)
	wantSeen(t, c, "after the second expiry", "jti", at(10*time.Minute), false)
}

// testReplayPurge checks that Purge removes the IDs that expired before
// the given time, and only those.
func testReplayPurge(t *testing.T, c storage.ReplayCache, clk *clock) {
	p := c.(storage.Purger)
	wantSeen(t, c, "expiring", "expiring", at(time.Minute), false)
	wantSeen(t, c, "at-cutoff", "at-cutoff", at(2*time.Minute), false)
	wantSeen(t, c, "live", "live", at(time.Hour), false)
	clk.t = at(2 * time.Minute)
	if n, err := p.Purge(t.Context(), at(2*time.Minute)); err != nil || n != 1 {
		t.Errorf("Purge: got (%d, %v), want (1, nil)", n, err)
	}
	if n, err := p.Purge(t.Context(), at(2*time.Minute)); err != nil || n != 0 {
		t.Errorf("second Purge: got (%d, %v), want (0, nil)", n, err)
	}
	wantSeen(t, c, "live after purge", "live", at(time.Hour), true)
	wantSeen(t, c, "at-cutoff after purge", "at-cutoff", at(2*time.Minute), true)
	wantSeen(t, c, "purged", "expiring", at(time.Hour), false)
}
