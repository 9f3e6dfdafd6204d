package client

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth2"
)

func TestRenewalsShareAndRemember(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var g renewals
	var calls atomic.Int32
	release := make(chan struct{})
	renew := func(context.Context) (*oauth2.Token, error) {
		calls.Add(1)
		<-release
		return &oauth2.Token{AccessToken: "new"}, nil
	}

	var wg sync.WaitGroup
	got := make([]string, 5)
	for i := range got {
		wg.Go(func() {
			tok, err := g.do(context.Background(), clock, "rt", renew)
			if err == nil {
				got[i] = tok.AccessToken
			}
		})
	}
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for i, a := range got {
		if a != "new" {
			t.Errorf("caller %d: got %q, want new", i, a)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d renewals, want 1", n)
	}

	now = now.Add(renewalMemory - time.Second)
	if tok, err := g.do(context.Background(), clock, "rt", renew); err != nil || tok.AccessToken != "new" || calls.Load() != 1 {
		t.Errorf("within the memory: got %v, %v after %d renewals; want the kept token, no renewal", tok, err, calls.Load())
	}
	now = now.Add(2 * time.Second)
	if _, err := g.do(context.Background(), clock, "rt", renew); err != nil || calls.Load() != 2 {
		t.Errorf("after the memory: %v after %d renewals, want a second renewal", err, calls.Load())
	}
	if _, err := g.do(context.Background(), clock, "other", renew); err != nil || calls.Load() != 3 {
		t.Errorf("another refresh token: %v after %d renewals, want its own renewal", err, calls.Load())
	}
}

func TestRenewalFailureIsNotKept(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	var g renewals
	boom := errors.New("boom")
	if _, err := g.do(context.Background(), clock, "rt", func(context.Context) (*oauth2.Token, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	tok, err := g.do(context.Background(), clock, "rt", func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "ok"}, nil
	})
	if err != nil || tok.AccessToken != "ok" {
		t.Errorf("after a failure: got %v, %v; want a new renewal", tok, err)
	}
}

// TestRenewalOutlivesItsRequest checks that a renewal goes on when the
// request that started it is canceled, and that a waiting caller can
// give up.
func TestRenewalOutlivesItsRequest(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	var g renewals
	ctx, cancel := context.WithCancel(context.Background())
	started, release := make(chan struct{}), make(chan struct{})
	var renewCtxErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.do(ctx, clock, "rt", func(rctx context.Context) (*oauth2.Token, error) {
			close(started)
			<-release
			renewCtxErr = rctx.Err()
			return &oauth2.Token{AccessToken: "new"}, nil
		})
	}()
	<-started
	waiter, stop := context.WithCancel(context.Background())
	stop()
	if _, err := g.do(waiter, clock, "rt", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("a waiter that gives up: got %v, want context.Canceled", err)
	}
	cancel()
	close(release)
	<-done
	if renewCtxErr != nil {
		t.Errorf("the renewal's context ended with its request: %v", renewCtxErr)
	}
	if tok, err := g.do(context.Background(), clock, "rt", nil); err != nil || tok.AccessToken != "new" {
		t.Errorf("the renewal's result: got %v, %v; want it kept", tok, err)
	}
}

// TestRenewalStoredFailure checks a renewal that obtained a token but
// could not store it: its caller gets the error, the next ones the token.
func TestRenewalStoredFailure(t *testing.T) {
	clock := func() time.Time { return time.Unix(0, 0) }
	var g renewals
	boom := errors.New("not stored")
	tok, err := g.do(context.Background(), clock, "rt", func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "new"}, boom
	})
	if !errors.Is(err, boom) || tok == nil {
		t.Errorf("the caller that renewed: got %v, %v; want the token and the error", tok, err)
	}
	tok, err = g.do(context.Background(), clock, "rt", nil)
	if err != nil || tok.AccessToken != "new" {
		t.Errorf("the next caller: got %v, %v; want the kept token", tok, err)
	}
}
