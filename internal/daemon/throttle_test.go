package daemon

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

func TestThrottleRuleDelay(t *testing.T) {
	tests := []struct {
		rule throttleRule
		n    int
		want time.Duration
	}{
		{pairRule, 5, 0},
		{pairRule, 6, time.Second},
		{pairRule, 7, 2 * time.Second},
		{pairRule, 15, 512 * time.Second},
		{pairRule, 16, 15 * time.Minute},
		{pairRule, 1000, 15 * time.Minute},
		{accountRule, 10, 0},
		{accountRule, 11, time.Second},
		{accountRule, 16, accountMaxDelay},
		{accountRule, 1 << 20, accountMaxDelay},
	}
	for _, tt := range tests {
		if got := tt.rule.delay(tt.n); got != tt.want {
			t.Errorf("delay(%d) with %d free: got %v, want %v", tt.n, tt.rule.free, got, tt.want)
		}
	}
}

func TestThrottle(t *testing.T) {
	clock := authtest.NewClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	t.Run("pair", func(t *testing.T) {
		th := newThrottle(clock.Now)
		for range pairRule.free {
			th.failed("alice", "192.0.2.1")
		}
		if got := th.wait("alice", "192.0.2.1"); got != 0 {
			t.Errorf("after the free failures: wait %v, want none", got)
		}
		th.failed("alice", "192.0.2.1")
		if got := th.wait("Alice", "192.0.2.1"); got != time.Second {
			t.Errorf("after one more (name in another case): wait %v, want 1s", got)
		}
		if got := th.wait("alice", "192.0.2.2"); got != 0 {
			t.Errorf("from another address: wait %v, want none", got)
		}
		clock.Advance(time.Second)
		if got := th.wait("alice", "192.0.2.1"); got != 0 {
			t.Errorf("once the delay passed: wait %v, want none", got)
		}
		th.failed("alice", "192.0.2.1")
		th.succeeded("alice", "192.0.2.1")
		if got := th.wait("alice", "192.0.2.1"); got != 0 {
			t.Errorf("after a success: wait %v, want none", got)
		}
	})
	t.Run("no lockout", func(t *testing.T) {
		th := newThrottle(clock.Now)
		for i := range 10_000 {
			th.failed("alice", "198.51.100."+string(rune('0'+i%10)))
		}
		if got := th.wait("alice", "203.0.113.9"); got <= 0 || got > accountMaxDelay {
			t.Errorf("the owner, from elsewhere, after 10000 failures by others: wait %v, want (0, %v]", got, accountMaxDelay)
		}
	})
	t.Run("spraying", func(t *testing.T) {
		th := newThrottle(clock.Now)
		for i := range addressRule.free + 1 {
			th.failed("user"+string(rune('a'+i%26))+string(rune('a'+i/26)), "192.0.2.7")
		}
		if got := th.wait("someone-new", "192.0.2.7"); got != time.Second {
			t.Errorf("a new name from an address that failed %d times: wait %v, want 1s", addressRule.free+1, got)
		}
	})
	t.Run("forgotten", func(t *testing.T) {
		th := newThrottle(clock.Now)
		for range pairRule.free + 3 {
			th.failed("bob", "192.0.2.1")
		}
		clock.Advance(throttleForget + time.Minute)
		th.failed("bob", "192.0.2.1")
		if got := th.wait("bob", "192.0.2.1"); got != 0 {
			t.Errorf("a failure an hour after the others: wait %v, want none", got)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		th := newThrottle(clock.Now)
		for i := range maxThrottleEntries {
			th.entries[strconv.Itoa(i)] = &strikes{failures: 1, last: clock.Now().Add(-2 * throttleForget)}
		}
		th.failed("carol", "192.0.2.1")
		if n := len(th.entries); n != 3 {
			t.Errorf("entries after pruning forgotten ones: got %d, want 3", n)
		}
	})
}

func TestRemoteHost(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.1:5000", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"pipe", "pipe"},
	}
	for _, tt := range tests {
		r := &http.Request{RemoteAddr: tt.remote}
		if got := remoteHost(r); got != tt.want {
			t.Errorf("remoteHost(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// The sign-in page and the password grant refuse an account and address
// that failed too often with 429 and Retry-After, before any password
// check, even for the right password; the owner, from elsewhere, is not
// locked out.
func TestSignInThrottled(t *testing.T) {
	h := newHarness(t, func(c *serveConfig) { _ = c.Grants.Set("authorization_code,password") })
	clock := authtest.NewClock(time.Now())
	h.app.auth.throttle.now = clock.Now
	pwSecret := secret.Token()
	if err := h.store.CreateClient(t.Context(), &storage.Client{ID: "pw", SecretHash: secret.HashSecret(pwSecret),
		GrantTypes: []grantry.GrantType{grantry.GrantPassword}, Scope: grantry.Scope{"profile"}}); err != nil {
		t.Fatal(err)
	}
	c := h.browser()
	for i := range pairRule.free + 1 {
		if r := h.signIn(c, authorizePath(), testUser, "wrong"); r.status != http.StatusBadRequest {
			t.Fatalf("wrong password %d: status %d, want 400", i+1, r.status)
		}
	}
	r := h.signIn(c, authorizePath(), testUser, testPassword)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" || !strings.Contains(r.body, "Too many failed sign-ins") {
		t.Errorf("right password once throttled: status %d, Retry-After %q; want 429, 1 and the reason on the page", r.status, r.header.Get("Retry-After"))
	}
	req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(url.Values{
		"grant_type": {"password"}, "username": {testUser}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("pw", pwSecret)
	tok := do(t, http.DefaultClient, req)
	if tok.status != http.StatusTooManyRequests || jsonField(t, tok.body, "error") != "temporarily_unavailable" || tok.header.Get("Retry-After") == "" {
		t.Errorf("password grant once throttled: %d %s Retry-After %q; want 429 temporarily_unavailable with Retry-After", tok.status, tok.body, tok.header.Get("Retry-After"))
	}
	clock.Advance(2 * time.Second)
	if r := h.signIn(h.browser(), authorizePath(), testUser, testPassword); r.status != http.StatusSeeOther {
		t.Errorf("right password after the delay: status %d, want 303", r.status)
	}
	metrics := h.adminGet("/metrics").body
	if !strings.Contains(metrics, `grantry_password_checks_refused_total{reason="throttled"} 2`) {
		t.Errorf("metrics lack 2 throttled checks:\n%s", metrics)
	}
}

// A flood of password checks is answered busy (503, Retry-After) at once
// past the queue, rather than queued until real sign-ins time out.
func TestPasswordQueueBounded(t *testing.T) {
	auth := newUserAuth(memstore.New(), nil)
	for range maxPasswordChecks {
		auth.slots <- struct{}{}
	}
	auth.waiting.Store(maxPasswordQueue)
	start := time.Now()
	_, err := auth.AuthenticateUser(t.Context(), "alice", "pw")
	var e *grantry.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || e.Header.Get("Retry-After") == "" {
		t.Fatalf("with a full queue: got %v, want 503 temporarily_unavailable with Retry-After", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("with a full queue the answer took %v, want it at once", took)
	}
	auth.waiting.Store(0)
	auth.maxWait = 10 * time.Millisecond
	if _, err := auth.AuthenticateUser(context.Background(), "alice", "pw"); !errors.Is(err, errPasswordBusy) {
		t.Errorf("waiting past maxWait: got %v, want errPasswordBusy", err)
	}
	if _, busy := auth.refused(); busy != 2 {
		t.Errorf("busy refusals: got %d, want 2", busy)
	}
}
