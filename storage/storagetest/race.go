package storagetest

import (
	"errors"
	"sync"
	"testing"
)

// contenders is how many goroutines race for one code or refresh token.
const contenders = 1000

// race calls fn(i) for every i below contenders, each in its own
// goroutine, all released at once, and returns when every call has.
func race(fn func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range contenders {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// tally checks the outcome of a race: exactly one nil error, and lost for
// every other contender. It returns the index of the winner.
func tally(t *testing.T, errs []error, lost error) (winner int) {
	t.Helper()
	won, losers := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			winner = i
			won++
		case errors.Is(err, lost):
			losers++
		default:
			t.Errorf("contender %d: got error %v, want nil or %v", i, err, lost)
		}
	}
	if won != 1 || losers != len(errs)-1 {
		t.Fatalf("got %d successes and %d %q, want 1 and %d", won, losers, lost, len(errs)-1)
	}
	return winner
}
