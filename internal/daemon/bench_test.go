package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBenchCommand(t *testing.T) {
	h := newHarness(t)
	var out, errOut strings.Builder
	code := Main(t.Context(), []string{"bench", "--url", h.url("/token"), "--client-id", testClient, "--concurrency", "4", "--requests", "200", "--duration", "20s"},
		strings.NewReader(""), &out, &errOut, envOf(map[string]string{"GRANTRY_CLIENT_SECRET": h.secret}))
	if code != 0 {
		t.Fatalf("bench: exit %d, stderr %q", code, errOut.String())
	}
	for _, re := range []string{`requests:\s+200 ok, 0 failed`, `throughput:\s+\d+ req/s`, `latency:\s+p50 \S+\s+p90 \S+\s+p99 \S+\s+max \S+`} {
		if !regexp.MustCompile(re).MatchString(out.String()) {
			t.Errorf("bench output lacks %s:\n%s", re, out.String())
		}
	}
	if got := h.app.metrics.tokens["client_credentials"].Load(); got != 200 {
		t.Errorf("tokens issued = %d, want 200", got)
	}
}

func TestBenchReportsFailures(t *testing.T) {
	h := newHarness(t)
	var out, errOut strings.Builder
	code := Main(t.Context(), []string{"bench", "--url", h.url("/token"), "--client-id", testClient, "--requests", "10"},
		strings.NewReader(""), &out, &errOut, envOf(map[string]string{"GRANTRY_CLIENT_SECRET": "wrong"}))
	if code != 1 || !strings.Contains(out.String(), "0 ok, 10 failed") || !strings.Contains(out.String(), "401") {
		t.Errorf("bench with a wrong secret: exit %d, output %q; want 1 and 10 failures", code, out.String())
	}
}

func TestPercentile(t *testing.T) {
	r := &benchResult{}
	for i := 1; i <= 100; i++ {
		r.latencies = append(r.latencies, msDuration(i))
	}
	tests := []struct {
		p    float64
		want int
	}{{50, 50}, {90, 90}, {99, 99}, {100, 100}, {0, 1}}
	for _, tt := range tests {
		if got := r.percentile(tt.p); got != msDuration(tt.want) {
			t.Errorf("percentile(%v) = %v, want %v", tt.p, got, msDuration(tt.want))
		}
	}
	if got := (&benchResult{}).percentile(50); got != 0 {
		t.Errorf("percentile of nothing = %v, want 0", got)
	}
}

func msDuration(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestBenchCodeFlow(t *testing.T) {
	tests := []struct {
		name, client, scope string
		idTokens            bool
	}{
		{"oauth", testClient, "profile", false},
		{"openid", oidcClient, "openid email", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			sec := h.secret
			if tt.client == oidcClient {
				sec = h.addOIDCClient("")
			}
			var out, errOut strings.Builder
			code := Main(t.Context(), []string{"bench", "--flow", "code", "--url", h.url("/token"), "--client-id", tt.client,
				"--scope", tt.scope, "--redirect-uri", testCallback, "--username", testUser,
				"--concurrency", "3", "--requests", "60", "--duration", "30s"},
				strings.NewReader(""), &out, &errOut, envOf(map[string]string{"GRANTRY_CLIENT_SECRET": sec, benchPasswordEnv: testPassword}))
			if code != 0 {
				t.Fatalf("bench: exit %d, stderr %q, stdout %q", code, errOut.String(), out.String())
			}
			for _, re := range []string{`\(code, concurrency 3\)`, `requests:\s+60 ok, 0 failed`, `throughput:\s+\d+ flows/s`} {
				if !regexp.MustCompile(re).MatchString(out.String()) {
					t.Errorf("bench output lacks %s:\n%s", re, out.String())
				}
			}
			// 60 timed flows, and the one each worker ran while signing in.
			if got := h.app.metrics.tokens["authorization_code"].Load(); got != 63 {
				t.Errorf("codes exchanged = %d, want 63", got)
			}
			sessions, err := h.store.ListSessions(t.Context(), h.userID)
			if err != nil || len(sessions) != 3 {
				t.Errorf("sessions of the user: got (%d, %v), want (3, nil): one sign-in per worker", len(sessions), err)
			}
		})
	}
}

func TestBenchCodeFlowRefused(t *testing.T) {
	h := newHarness(t)
	base := []string{"bench", "--flow", "code", "--url", h.url("/token"), "--client-id", testClient,
		"--redirect-uri", testCallback, "--username", testUser, "--requests", "5"}
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
	}{
		{"no password", base, map[string]string{"GRANTRY_CLIENT_SECRET": h.secret}, 1, benchPasswordEnv},
		{"wrong password", base, map[string]string{"GRANTRY_CLIENT_SECRET": h.secret, benchPasswordEnv: "wrong"}, 1, "signing in"},
		{"wrong secret", base, map[string]string{"GRANTRY_CLIENT_SECRET": "wrong", benchPasswordEnv: testPassword}, 1, "401"},
		{"unregistered redirect", append(append([]string{}, base...), "--redirect-uri", "http://127.0.0.1:9/other"),
			map[string]string{"GRANTRY_CLIENT_SECRET": h.secret, benchPasswordEnv: testPassword}, 1, "signing in"},
		{"unknown flow", []string{"bench", "--flow", "implicit", "--client-id", testClient}, map[string]string{"GRANTRY_CLIENT_SECRET": h.secret}, 1, "unknown --flow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := Main(t.Context(), tt.args, strings.NewReader(""), &out, &errOut, envOf(tt.env))
			if code != tt.wantCode || !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut.String(), tt.wantCode, tt.wantErr)
			}
		})
	}
}

// The requests grantry bench leaves in flight when its time is up are
// cancelled by their client: they are logged as such, not as errors.
func TestLogFailureCancelled(t *testing.T) {
	tests := []struct {
		name      string
		cancel    bool
		err       error
		wantLevel string
	}{
		{"client gone", true, fmt.Errorf("read consent: %w", context.Canceled), "level=INFO"},
		{"client there", false, fmt.Errorf("read consent: %w", context.Canceled), "level=ERROR"},
		{"client gone, other fault", true, errors.New("disk full"), "level=ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			a := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
			ctx, cancel := context.WithCancel(t.Context())
			if tt.cancel {
				cancel()
			}
			defer cancel()
			a.logFailure(ctx, "consent lookup failed", tt.err)
			if !strings.Contains(logs.String(), tt.wantLevel) {
				t.Errorf("log: got %q, want %s", logs.String(), tt.wantLevel)
			}
		})
	}
}
