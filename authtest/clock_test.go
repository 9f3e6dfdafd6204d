package authtest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name string
		move func(c *authtest.Clock)
		want time.Time
	}{
		{"new", func(*authtest.Clock) {}, t0},
		{"advance", func(c *authtest.Clock) { c.Advance(90 * time.Second) }, t0.Add(90 * time.Second)},
		{"advance twice", func(c *authtest.Clock) { c.Advance(time.Hour); c.Advance(time.Hour) }, t0.Add(2 * time.Hour)},
		{"advance back", func(c *authtest.Clock) { c.Advance(-time.Minute) }, t0.Add(-time.Minute)},
		{"set", func(c *authtest.Clock) { c.Set(t0.AddDate(1, 0, 0)) }, t0.AddDate(1, 0, 0)},
		{"set then advance", func(c *authtest.Clock) { c.Set(t0); c.Advance(time.Second) }, t0.Add(time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := authtest.NewClock(t0)
			tc.move(c)
			if got := c.Now(); !got.Equal(tc.want) {
				t.Errorf("Now: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClockAdvanceReturnsNow(t *testing.T) {
	c := authtest.NewClock(authtest.DefaultTime)
	got := c.Advance(time.Minute)
	if want := authtest.DefaultTime.Add(time.Minute); !got.Equal(want) || !c.Now().Equal(want) {
		t.Errorf("Advance: got %v (Now %v), want %v", got, c.Now(), want)
	}
}

// TestClockConcurrent runs under -race: readers and writers at once.
func TestClockConcurrent(t *testing.T) {
	c := authtest.NewClock(authtest.DefaultTime)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), authtest.DefaultTime.Add(800*time.Second); !got.Equal(want) {
		t.Errorf("Now after 800 advances of 1s: got %v, want %v", got, want)
	}
}

func TestServerClock(t *testing.T) {
	shared := authtest.NewClock(time.Date(2040, time.June, 1, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		cfg  authtest.Config
		want time.Time
	}{
		{"default", authtest.Config{}, authtest.DefaultTime},
		{"shared", authtest.Config{Clock: shared}, shared.Now()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := authtest.NewServer(t, tc.cfg)
			if got := srv.Clock().Now(); !got.Equal(tc.want) {
				t.Errorf("Clock().Now(): got %v, want %v", got, tc.want)
			}
			if tc.cfg.Clock != nil && srv.Clock() != tc.cfg.Clock {
				t.Errorf("Clock(): got %p, want the configured clock %p", srv.Clock(), tc.cfg.Clock)
			}
		})
	}
}
