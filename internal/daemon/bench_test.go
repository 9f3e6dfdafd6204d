package daemon

import (
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
	code := Main(t.Context(), []string{"bench", "--url", h.url("/token"), "--client-id", testClient, "--client-secret", "wrong", "--requests", "10"},
		strings.NewReader(""), &out, &errOut, envOf(nil))
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
