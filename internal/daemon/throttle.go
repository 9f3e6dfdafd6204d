package daemon

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Sign-in throttling. Failed password checks are counted per account, per
// client address and per account and address together; past a number of
// free failures each further attempt must wait a delay that doubles with
// every failure, up to a ceiling. The pair is throttled hardest: it is an
// attacker guessing one account. The address is throttled across accounts
// (password spraying). The account alone is throttled gently, with a low
// ceiling, so that an attacker cannot lock its owner out: the owner waits
// at most accountMaxDelay, while guessing slows to one try per that delay.
// A success forgets the failures of the pair and of the account.
//
// Counts live in the process: with several grantry serve processes each
// throttles on its own, which multiplies the rates by their number.

// throttleRule is how one kind of key is throttled.
type throttleRule struct {
	free     int           // failures allowed before any delay
	maxDelay time.Duration // the ceiling of the delay
}

var (
	pairRule    = throttleRule{free: 5, maxDelay: 15 * time.Minute}
	addressRule = throttleRule{free: 30, maxDelay: 15 * time.Minute}
	accountRule = throttleRule{free: 10, maxDelay: accountMaxDelay}
)

// accountMaxDelay bounds what failures by others can make a user wait.
const accountMaxDelay = 30 * time.Second

// throttleForget is how long after its last failure a count is forgotten.
const throttleForget = time.Hour

// maxThrottleEntries bounds the memory of the counts; past it, forgotten
// counts are dropped first, then the oldest.
const maxThrottleEntries = 100_000

type strikes struct {
	failures int
	last     time.Time // of the last failure
	until    time.Time // no attempt before
}

// throttle holds the failure counts. Its zero value is not usable: call
// newThrottle.
type throttle struct {
	now func() time.Time
	// rules are those of the pair, the address and the account, in the
	// order of throttleKeys.
	rules [3]throttleRule

	mu      sync.Mutex
	entries map[string]*strikes
	// throttled counts the attempts refused, for the metrics.
	throttled uint64
}

func newThrottle(now func() time.Time) *throttle {
	return newThrottleRules(now, [3]throttleRule{pairRule, addressRule, accountRule})
}

// newThrottleRules returns a throttle with the rules of the pair, the
// address and the account, in that order.
func newThrottleRules(now func() time.Time, rules [3]throttleRule) *throttle {
	if now == nil {
		now = time.Now
	}
	return &throttle{now: now, rules: rules, entries: make(map[string]*strikes)}
}

// throttleKeys are the keys of an attempt with their rules.
func (t *throttle) throttleKeys(account, address string) [3]struct {
	key  string
	rule throttleRule
} {
	account = strings.ToLower(account)
	return [3]struct {
		key  string
		rule throttleRule
	}{
		{"p\x00" + account + "\x00" + address, t.rules[0]},
		{"a\x00" + address, t.rules[1]},
		{"u\x00" + account, t.rules[2]},
	}
}

// wait returns how long an attempt must wait; zero lets it through.
func (t *throttle) wait(account, address string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var longest time.Duration
	for _, k := range t.throttleKeys(account, address) {
		if s, ok := t.entries[k.key]; ok && now.Before(s.until) {
			longest = max(longest, s.until.Sub(now))
		}
	}
	if longest > 0 {
		t.throttled++
	}
	return longest
}

// failed counts a failed attempt.
func (t *throttle) failed(account, address string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.entries) >= maxThrottleEntries {
		t.prune(now)
	}
	for _, k := range t.throttleKeys(account, address) {
		s, ok := t.entries[k.key]
		if !ok || now.Sub(s.last) > throttleForget {
			s = &strikes{}
			t.entries[k.key] = s
		}
		s.failures++
		s.last = now
		s.until = now.Add(k.rule.delay(s.failures))
	}
}

// succeeded forgets the failures of the account, alone and from address.
func (t *throttle) succeeded(account, address string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := t.throttleKeys(account, address)
	delete(t.entries, keys[0].key)
	delete(t.entries, keys[2].key)
}

// refused returns the number of attempts refused so far.
func (t *throttle) refused() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.throttled
}

// delay is the wait after the n-th failure: none while n is within the
// free failures, then one second doubling with each failure, up to the
// ceiling.
func (r throttleRule) delay(n int) time.Duration {
	over := n - r.free
	if over <= 0 {
		return 0
	}
	if over > 30 {
		return r.maxDelay
	}
	return min(r.maxDelay, time.Second<<(over-1))
}

// prune drops forgotten counts, then, if that is not enough, every count
// older than the newest half.
func (t *throttle) prune(now time.Time) {
	for k, s := range t.entries {
		if now.Sub(s.last) > throttleForget {
			delete(t.entries, k)
		}
	}
	if len(t.entries) < maxThrottleEntries {
		return
	}
	cutoff := now.Add(-throttleForget / 2)
	for k, s := range t.entries {
		if s.last.Before(cutoff) || len(t.entries) >= maxThrottleEntries {
			delete(t.entries, k)
		}
	}
}

// remoteKey is the context key of the client address of a request, which
// the password grant's authenticator throttles on.
type remoteKey struct{}

// withRemote returns r with its client address in its context.
func withRemote(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), remoteKey{}, remoteHost(r)))
}

// remoteOf returns the client address withRemote recorded, or "".
func remoteOf(ctx context.Context) string {
	s, _ := ctx.Value(remoteKey{}).(string)
	return s
}

// remoteHost is the address the request came from, without its port. An
// IPv6 address counts by its /64, which one host is commonly given.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() != nil {
		return host
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
