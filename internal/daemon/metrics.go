package daemon

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grantry/grantry"
)

// latencyBuckets are the upper bounds, in seconds, of the request latency
// histogram.
var latencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics counts what /metrics exposes in the Prometheus text format:
// requests by endpoint and status, latency by endpoint, tokens issued by
// grant type, and OAuth errors by endpoint and code. Counting takes no
// lock on the success path.
type metrics struct {
	endpoints map[string]*endpointStats
	tokens    map[grantry.GrantType]*atomic.Uint64

	mu     sync.Mutex
	errors map[errorKey]uint64

	// signIns reports the password checks refused: throttled, for too
	// many failures, and busy, for too many at once. Nil reports none.
	signIns func() (throttled, busy uint64)
}

type endpointStats struct {
	name    string
	status  [500]atomic.Uint64 // by status - 100
	buckets []atomic.Uint64    // cumulative at exposition, not here
	count   atomic.Uint64
	sumNano atomic.Uint64
}

type errorKey struct{ endpoint, code string }

func newMetrics(endpoints []string, grants []grantry.GrantType) *metrics {
	m := &metrics{
		endpoints: make(map[string]*endpointStats, len(endpoints)),
		tokens:    make(map[grantry.GrantType]*atomic.Uint64, len(grants)),
		errors:    make(map[errorKey]uint64),
	}
	for _, e := range endpoints {
		m.endpoints[e] = &endpointStats{name: e, buckets: make([]atomic.Uint64, len(latencyBuckets)+1)}
	}
	for _, g := range grants {
		m.tokens[g] = new(atomic.Uint64)
	}
	return m
}

func (e *endpointStats) observe(status int, d time.Duration) {
	if status >= 100 && status < 600 {
		e.status[status-100].Add(1)
	}
	sec := d.Seconds()
	i, _ := slices.BinarySearch(latencyBuckets, sec)
	e.buckets[i].Add(1)
	e.count.Add(1)
	e.sumNano.Add(uint64(d))
}

func (m *metrics) countError(endpoint, code string) {
	m.mu.Lock()
	m.errors[errorKey{endpoint, code}]++
	m.mu.Unlock()
}

func (m *metrics) countToken(gt grantry.GrantType) {
	if n, ok := m.tokens[gt]; ok {
		n.Add(1)
	}
}

// serveMetrics writes every metric in the Prometheus text exposition
// format, version 0.0.4.
func (m *metrics) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := newBufWriter(w)
	m.writeRequests(bw)
	m.writeLatency(bw)
	m.writeTokens(bw)
	m.writeErrors(bw)
	m.writeSignIns(bw)
	_ = bw.Flush()
}

func newBufWriter(w io.Writer) *bufio.Writer { return bufio.NewWriter(w) }

func (m *metrics) sortedEndpoints() []*endpointStats {
	out := make([]*endpointStats, 0, len(m.endpoints))
	for _, e := range m.endpoints {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b *endpointStats) int { return cmpString(a.name, b.name) })
	return out
}

func (m *metrics) writeRequests(w *bufio.Writer) {
	fmt.Fprint(w, "# HELP grantry_http_requests_total HTTP requests by endpoint and status code.\n# TYPE grantry_http_requests_total counter\n")
	for _, e := range m.sortedEndpoints() {
		for i := range e.status {
			if n := e.status[i].Load(); n > 0 {
				fmt.Fprintf(w, "grantry_http_requests_total{endpoint=%q,code=\"%d\"} %d\n", e.name, i+100, n)
			}
		}
	}
}

func (m *metrics) writeLatency(w *bufio.Writer) {
	fmt.Fprint(w, "# HELP grantry_http_request_duration_seconds HTTP request latency by endpoint.\n# TYPE grantry_http_request_duration_seconds histogram\n")
	for _, e := range m.sortedEndpoints() {
		var cum uint64
		for i, le := range latencyBuckets {
			cum += e.buckets[i].Load()
			fmt.Fprintf(w, "grantry_http_request_duration_seconds_bucket{endpoint=%q,le=%q} %d\n", e.name, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		cum += e.buckets[len(latencyBuckets)].Load()
		fmt.Fprintf(w, "grantry_http_request_duration_seconds_bucket{endpoint=%q,le=\"+Inf\"} %d\n", e.name, cum)
		fmt.Fprintf(w, "grantry_http_request_duration_seconds_sum{endpoint=%q} %s\n", e.name, strconv.FormatFloat(float64(e.sumNano.Load())/1e9, 'g', -1, 64))
		fmt.Fprintf(w, "grantry_http_request_duration_seconds_count{endpoint=%q} %d\n", e.name, e.count.Load())
	}
}

func (m *metrics) writeTokens(w *bufio.Writer) {
	fmt.Fprint(w, "# HELP grantry_tokens_issued_total Access tokens issued by grant type.\n# TYPE grantry_tokens_issued_total counter\n")
	grants := make([]string, 0, len(m.tokens))
	for g := range m.tokens {
		grants = append(grants, string(g))
	}
	slices.Sort(grants)
	for _, g := range grants {
		fmt.Fprintf(w, "grantry_tokens_issued_total{grant_type=%q} %d\n", g, m.tokens[grantry.GrantType(g)].Load())
	}
}

func (m *metrics) writeErrors(w *bufio.Writer) {
	fmt.Fprint(w, "# HELP grantry_oauth_errors_total OAuth error responses by endpoint and error code.\n# TYPE grantry_oauth_errors_total counter\n")
	m.mu.Lock()
	keys := make([]errorKey, 0, len(m.errors))
	for k := range m.errors {
		keys = append(keys, k)
	}
	counts := make(map[errorKey]uint64, len(keys))
	for _, k := range keys {
		counts[k] = m.errors[k]
	}
	m.mu.Unlock()
	slices.SortFunc(keys, func(a, b errorKey) int {
		if c := cmpString(a.endpoint, b.endpoint); c != 0 {
			return c
		}
		return cmpString(a.code, b.code)
	})
	for _, k := range keys {
		fmt.Fprintf(w, "grantry_oauth_errors_total{endpoint=%q,error=%q} %d\n", k.endpoint, k.code, counts[k])
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (m *metrics) writeSignIns(w *bufio.Writer) {
	if m.signIns == nil {
		return
	}
	throttled, busy := m.signIns()
	fmt.Fprint(w, "# HELP grantry_password_checks_refused_total Password checks refused, by reason: throttled (too many failures) or busy (too many at once).\n# TYPE grantry_password_checks_refused_total counter\n")
	fmt.Fprintf(w, "grantry_password_checks_refused_total{reason=\"throttled\"} %d\n", throttled)
	fmt.Fprintf(w, "grantry_password_checks_refused_total{reason=\"busy\"} %d\n", busy)
}
