package bearer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

// gatedAS is an introspection endpoint that holds every request until
// the test opens its gate, then answers with status and body. Each
// request is counted and announced on arrived.
type gatedAS struct {
	status  int
	body    string
	hits    atomic.Int32
	arrived chan struct{}
	gate    chan struct{}
	once    sync.Once
}

func (a *gatedAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.hits.Add(1)
	a.arrived <- struct{}{}
	select {
	case <-a.gate:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (a *gatedAS) open() { a.once.Do(func() { close(a.gate) }) }

const flightBody = `{"active":true,"scope":"a b","sub":"s","aud":["x","y"],"ext":1}`

// newGatedIntrospector returns an introspector asking a gatedAS, and a
// channel that gets a value each time a caller starts waiting for
// another's request.
func newGatedIntrospector(t *testing.T, status int, body string, ttl time.Duration) (*Introspector, *gatedAS, chan struct{}) {
	t.Helper()
	a := &gatedAS{status: status, body: body, arrived: make(chan struct{}, 100), gate: make(chan struct{})}
	ts := httptest.NewServer(a)
	t.Cleanup(ts.Close)
	t.Cleanup(a.open) // before ts.Close, which waits for the handlers
	v, err := NewIntrospector(IntrospectionConfig{Endpoint: ts.URL, Client: ts.Client(), CacheTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{}, 100)
	v.flights.waiting = func() { waiting <- struct{}{} }
	return v, a, waiting
}

type result struct {
	info grantry.TokenInfo
	err  error
}

// isZero reports whether info is the zero TokenInfo, as a validator
// returns it with an error.
func isZero(info grantry.TokenInfo) bool { return reflect.ValueOf(info).IsZero() }

// validate runs ValidateToken in its own goroutine and returns where its
// result will be.
func validate(ctx context.Context, v *Introspector, token string) <-chan result {
	c := make(chan result, 1)
	go func() {
		info, err := v.ValidateToken(ctx, token)
		c <- result{info, err}
	}()
	return c
}

// receive returns the next value from c, failing the test if none comes
// in a time no correct run comes near.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func receiveN[T any](t *testing.T, c <-chan T, n int, what string) {
	t.Helper()
	for range n {
		receive(t, c, what)
	}
}

func inFlight(v *Introspector) int {
	v.flights.mu.Lock()
	defer v.flights.mu.Unlock()
	return len(v.flights.calls)
}

// TestIntrospectorCoalesces: concurrent validations of one token share one
// request, with and without the cache, and each caller gets its own copy.
// Different tokens are asked about concurrently. Once a flight has landed,
// the next validation asks again, or finds the cached answer.
func TestIntrospectorCoalesces(t *testing.T) {
	tests := []struct {
		name      string
		ttl       time.Duration
		tokens    []string // one caller each
		wantHits  int32
		wantAfter int32 // after one more validation of each token
	}{
		{"one token, no cache", 0, repeat("t", 50), 1, 2},
		{"one token, cache", time.Minute, repeat("t", 50), 1, 1},
		{"two tokens, no cache", 0, []string{"a", "b"}, 2, 4},
		{"two tokens, cache", time.Minute, []string{"a", "b"}, 2, 2},
		{"two tokens, 25 callers each", 0, append(repeat("a", 25), repeat("b", 25)...), 2, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, as, waiting := newGatedIntrospector(t, http.StatusOK, flightBody, tt.ttl)
			results := make([]<-chan result, len(tt.tokens))
			for i, token := range tt.tokens {
				results[i] = validate(context.Background(), v, token)
			}
			receiveN(t, as.arrived, int(tt.wantHits), "a request to the endpoint")
			receiveN(t, waiting, len(tt.tokens)-int(tt.wantHits), "a waiting caller")
			as.open()
			infos := activeResults(t, results)
			if got := as.hits.Load(); got != tt.wantHits {
				t.Errorf("got %d requests to the endpoint, want %d", got, tt.wantHits)
			}
			checkCopies(t, infos)
			if n := inFlight(v); n != 0 {
				t.Errorf("got %d flights left after all landed, want 0", n)
			}
			validateEach(t, v, tt.tokens)
			if got := as.hits.Load(); got != tt.wantAfter {
				t.Errorf("after one more validation of each token: got %d requests to the endpoint, want %d", got, tt.wantAfter)
			}
		})
	}
}

func repeat(token string, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = token
	}
	return s
}

// activeResults returns the answers of all the callers, each of which
// must be active.
func activeResults(t *testing.T, results []<-chan result) []grantry.TokenInfo {
	t.Helper()
	infos := make([]grantry.TokenInfo, len(results))
	for i, c := range results {
		r := receive(t, c, "a result")
		if r.err != nil || !r.info.Active {
			t.Fatalf("caller %d: got (%+v, %v), want an active answer", i, r.info, r.err)
		}
		infos[i] = r.info
	}
	return infos
}

// validateEach validates each distinct token of tokens once more.
func validateEach(t *testing.T, v *Introspector, tokens []string) {
	t.Helper()
	seen := make(map[string]bool)
	for _, token := range tokens {
		if seen[token] {
			continue
		}
		seen[token] = true
		if r := receive(t, validate(context.Background(), v, token), "a result"); r.err != nil || !r.info.Active {
			t.Errorf("token %q again: got (%+v, %v), want an active answer", token, r.info, r.err)
		}
	}
}

// checkCopies changes the first answer and checks that no other changed
// with it: no caller shares a slice or map with another.
func checkCopies(t *testing.T, infos []grantry.TokenInfo) {
	t.Helper()
	first := &infos[0]
	first.Scope[0], first.Audience[0], first.Extra["ext"], first.Subject = "changed", "changed", "changed", "changed"
	for i, info := range infos[1:] {
		if info.Scope[0] != "a" || info.Audience[0] != "x" || info.Extra["ext"] != 1.0 || info.Subject != "s" {
			t.Fatalf("caller %d: got %+v after caller 0 changed its answer, want it unchanged", i+1, info)
		}
	}
}

// TestIntrospectorWaitingCallerGivesUp: a caller waiting for another's
// request returns as soon as its own context ends, with that context's
// error; the request goes on and its caller gets the answer.
func TestIntrospectorWaitingCallerGivesUp(t *testing.T) {
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"cancelled", func() (context.Context, context.CancelFunc) {
			return context.WithCancel(context.Background())
		}, context.Canceled},
		{"deadline passed", func() (context.Context, context.CancelFunc) {
			return context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, as, waiting := newGatedIntrospector(t, http.StatusOK, flightBody, 0)
			leader := validate(context.Background(), v, "t")
			receive(t, as.arrived, "the leading request")
			ctx, cancel := tt.ctx()
			defer cancel()
			follower := validate(ctx, v, "t")
			receive(t, waiting, "the waiting caller")
			cancel()
			// The gate is still closed: the follower returns without
			// the leader's answer.
			if r := receive(t, follower, "the waiting caller's result"); !errors.Is(r.err, tt.wantErr) || !isZero(r.info) {
				t.Errorf("waiting caller: got (%+v, %v), want error %v", r.info, r.err, tt.wantErr)
			}
			as.open()
			if r := receive(t, leader, "the leader's result"); r.err != nil || !r.info.Active {
				t.Errorf("leader: got (%+v, %v), want an active answer", r.info, r.err)
			}
			if got := as.hits.Load(); got != 1 {
				t.Errorf("got %d requests to the endpoint, want 1", got)
			}
		})
	}
}

// TestIntrospectorLeaderGivesUp: when the caller making the request has
// its context end, the callers waiting for it do not share that error:
// one asks again, and the others wait for that request.
func TestIntrospectorLeaderGivesUp(t *testing.T) {
	for _, followers := range []int{1, 5} {
		t.Run(strconv.Itoa(followers)+" waiting", func(t *testing.T) {
			v, as, waiting := newGatedIntrospector(t, http.StatusOK, flightBody, 0)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			leader := validate(ctx, v, "t")
			receive(t, as.arrived, "the leading request")
			results := make([]<-chan result, followers)
			for i := range results {
				results[i] = validate(context.Background(), v, "t")
			}
			receiveN(t, waiting, followers, "a waiting caller")
			cancel()
			if r := receive(t, leader, "the leader's result"); !errors.Is(r.err, context.Canceled) {
				t.Errorf("leader: got (%+v, %v), want error %v", r.info, r.err, context.Canceled)
			}
			receive(t, as.arrived, "the request asked again")
			receiveN(t, waiting, followers-1, "a caller waiting for the new request")
			as.open()
			for i, c := range results {
				if r := receive(t, c, "a result"); r.err != nil || !r.info.Active {
					t.Errorf("caller %d: got (%+v, %v), want an active answer", i, r.info, r.err)
				}
			}
			if got := as.hits.Load(); got != 2 {
				t.Errorf("got %d requests to the endpoint, want 2", got)
			}
		})
	}
}

// TestIntrospectorSharesErrors: a failed request that is not the end of
// its caller's context fails all the callers waiting for it, and is not
// remembered: the next validation asks again.
func TestIntrospectorSharesErrors(t *testing.T) {
	const callers = 10
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"server error", http.StatusInternalServerError, `{"active":true}`},
		{"malformed answer", http.StatusOK, `{"active":tru`},
		{"missing active", http.StatusOK, `{"scope":"a"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, as, waiting := newGatedIntrospector(t, tt.status, tt.body, time.Minute)
			results := make([]<-chan result, callers)
			for i := range results {
				results[i] = validate(context.Background(), v, "t")
			}
			receive(t, as.arrived, "the leading request")
			receiveN(t, waiting, callers-1, "a waiting caller")
			as.open()
			for i, c := range results {
				if r := receive(t, c, "a result"); r.err == nil {
					t.Errorf("caller %d: got (%+v, nil), want an error", i, r.info)
				}
			}
			if got := as.hits.Load(); got != 1 {
				t.Errorf("got %d requests to the endpoint, want 1", got)
			}
			if r := receive(t, validate(context.Background(), v, "t"), "the next result"); r.err == nil {
				t.Errorf("next validation: got (%+v, nil), want an error", r.info)
			}
			if got := as.hits.Load(); got != 2 {
				t.Errorf("after the next validation: got %d requests to the endpoint, want 2", got)
			}
		})
	}
}

// panickingTransport announces each request on arrived, holds it until
// gate is closed, then panics.
type panickingTransport struct{ arrived, gate chan struct{} }

func (p panickingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	p.arrived <- struct{}{}
	<-p.gate
	panic("transport failure")
}

// TestIntrospectorLeaderPanics: the callers waiting for a request whose
// caller panics get an error instead of waiting for ever, and no flight
// is left behind.
func TestIntrospectorLeaderPanics(t *testing.T) {
	tr := panickingTransport{arrived: make(chan struct{}, 1), gate: make(chan struct{})}
	v, err := NewIntrospector(IntrospectionConfig{Endpoint: "http://127.0.0.1/introspect", Client: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan struct{}, 1)
	v.flights.waiting = func() { waiting <- struct{}{} }
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		v.ValidateToken(context.Background(), "t")
	}()
	receive(t, tr.arrived, "the leading request")
	follower := validate(context.Background(), v, "t")
	receive(t, waiting, "the waiting caller")
	close(tr.gate)
	if p := receive(t, panicked, "the leader's panic"); p == nil {
		t.Error("leader: got no panic, want the transport's")
	}
	if r := receive(t, follower, "the waiting caller's result"); !errors.Is(r.err, errFlightAborted) || !isZero(r.info) {
		t.Errorf("waiting caller: got (%+v, %v), want error %v", r.info, r.err, errFlightAborted)
	}
	if n := inFlight(v); n != 0 {
		t.Errorf("got %d flights left, want 0", n)
	}
}

// TestContextEnded: only the end of the caller's own context counts as
// one; an http.Client timeout, which also matches
// context.DeadlineExceeded, does not.
func TestContextEnded(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	timeout := clientTimeout(t)
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"own context cancelled", cancelled, fmt.Errorf("request: %w", context.Canceled), true},
		{"own context cancelled, other error", cancelled, errors.New("connection refused"), false},
		{"context alive, client timeout", context.Background(), timeout, false},
		{"context alive, canceled error", context.Background(), context.Canceled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := contextEnded(tt.ctx, tt.err); got != tt.want {
				t.Errorf("contextEnded(%v): got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// clientTimeout returns the error of an http.Client whose Timeout has
// passed, checking that it matches context.DeadlineExceeded.
func clientTimeout(t *testing.T) error {
	t.Helper()
	gate := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
	}))
	defer ts.Close()
	defer close(gate)
	c := ts.Client()
	c.Timeout = time.Millisecond
	_, err := c.Get(ts.URL)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client timeout: got %v, want an error matching %v", err, context.DeadlineExceeded)
	}
	return err
}
