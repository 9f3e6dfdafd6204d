package daemon

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

func TestMetricsExposition(t *testing.T) {
	h := newHarness(t)
	token := func(form url.Values, secret string) {
		req, _ := http.NewRequest(http.MethodPost, h.url("/token"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClient, secret)
		do(t, http.DefaultClient, req)
	}
	token(url.Values{"grant_type": {"client_credentials"}}, h.secret)
	token(url.Values{"grant_type": {"client_credentials"}}, h.secret)
	token(url.Values{"grant_type": {"client_credentials"}}, "wrong")
	token(url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}}, h.secret)
	h.get(h.browser(), authorizePath("scope", "admin"))

	r := h.get(h.browser(), "/metrics")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type = %q, want the text exposition format", ct)
	}
	for _, want := range []string{
		"# TYPE grantry_http_requests_total counter",
		`grantry_http_requests_total{endpoint="token",code="200"} 2`,
		`grantry_http_requests_total{endpoint="token",code="401"} 1`,
		`grantry_http_requests_total{endpoint="token",code="400"} 1`,
		"# TYPE grantry_http_request_duration_seconds histogram",
		`grantry_http_request_duration_seconds_bucket{endpoint="token",le="+Inf"} 4`,
		`grantry_http_request_duration_seconds_count{endpoint="token"} 4`,
		`grantry_tokens_issued_total{grant_type="client_credentials"} 2`,
		`grantry_tokens_issued_total{grant_type="authorization_code"} 0`,
		`grantry_oauth_errors_total{endpoint="token",error="invalid_client"} 1`,
		`grantry_oauth_errors_total{endpoint="token",error="invalid_grant"} 1`,
		`grantry_oauth_errors_total{endpoint="authorize",error="invalid_scope"} 1`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", r.body)
	}
}

func TestHistogramBuckets(t *testing.T) {
	m := newMetrics([]string{"x"}, nil)
	e := m.endpoints["x"]
	for _, d := range []time.Duration{500 * time.Microsecond, time.Millisecond, 3 * time.Millisecond, 20 * time.Second} {
		e.observe(200, d)
	}
	var b strings.Builder
	w := newBufWriter(&b)
	m.writeLatency(w)
	_ = w.Flush()
	for _, want := range []string{
		`_bucket{endpoint="x",le="0.001"} 2`,
		`_bucket{endpoint="x",le="0.0025"} 2`,
		`_bucket{endpoint="x",le="0.005"} 3`,
		`_bucket{endpoint="x",le="10"} 3`,
		`_bucket{endpoint="x",le="+Inf"} 4`,
		`_sum{endpoint="x"} 20.0045`,
		`_count{endpoint="x"} 4`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("histogram lacks %q:\n%s", want, b.String())
		}
	}
}

func TestErrorCodeSniffing(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"json", jsonErrorCode([]byte(`{"error":"invalid_grant","error_description":"x"}`)), string(grantry.ErrInvalidGrant)},
		{"json not an error", jsonErrorCode([]byte(`{"access_token":"x"}`)), ""},
		{"json unterminated", jsonErrorCode([]byte(`{"error":"inval`)), ""},
		{"query", redirectErrorCode("https://c.example/cb?error=access_denied&state=x"), string(grantry.ErrAccessDenied)},
		{"fragment", redirectErrorCode("https://c.example/cb#error=access_denied&state=x"), string(grantry.ErrAccessDenied)},
		{"no error", redirectErrorCode("https://c.example/cb?code=x"), ""},
		{"odd code", redirectErrorCode("https://c.example/cb?error=Robert%27%29DROP"), "other"},
		{"long code", boundedCode(strings.Repeat("a", 41)), "other"},
		{"unknown code of lower-case letters", redirectErrorCode("https://c.example/cb?error=abcdefghij"), "other"},
		{"every known code kept", strings.Join(mapCodes(knownCodes), " "), strings.Join(codeNames(knownCodes), " ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func mapCodes(codes []grantry.ErrorCode) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = boundedCode(string(c))
	}
	return out
}

func codeNames(codes []grantry.ErrorCode) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = string(c)
	}
	return out
}
