package daemon

import (
	"context"
	"net/http"
	"net/http/httptest"
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

	r := h.adminGet("/metrics")
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

// TestMetricsCountErrorsOfEveryOAuthEndpoint: errors the server answers
// at the authorization endpoint, by redirect in the query or the
// fragment, and at the revocation and introspection endpoints are counted
// by code; what is no OAuth error is not.
func TestMetricsCountErrorsOfEveryOAuthEndpoint(t *testing.T) {
	h := newHarness(t)
	c := h.browser()
	page := h.consentPage(c, authorizePath())
	if r := h.post(c, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"deny"}}); r.status != http.StatusFound {
		t.Fatalf("deny: status %d, want 302", r.status)
	}
	if r := h.get(c, authorizePath("response_type", "token")); r.status != http.StatusFound || !strings.Contains(r.location(t).Fragment, "error=") {
		t.Fatalf("implicit request: status %d to %q, want a redirect with the error in the fragment", r.status, r.header.Get("Location"))
	}
	if r := h.postAs(testClient, "wrong", "/revoke", url.Values{"token": {"x"}}); r.status != http.StatusUnauthorized {
		t.Fatalf("revocation with a wrong secret: status %d, want 401", r.status)
	}
	if r := h.postAs(testClient, h.secret, "/revoke", url.Values{"token": {"x"}}); r.status != http.StatusOK {
		t.Fatalf("revocation of an unknown token: status %d, want 200", r.status)
	}
	if r := h.postAs(testClient, h.secret, "/introspect", url.Values{}); r.status != http.StatusBadRequest {
		t.Fatalf("introspection without a token: status %d, want 400", r.status)
	}
	if r := h.get(c, "/no-such-page"); r.status != http.StatusNotFound {
		t.Fatalf("unknown page: status %d, want 404", r.status)
	}

	r := h.adminGet("/metrics")
	var got []string
	for _, line := range strings.Split(r.body, "\n") {
		if strings.HasPrefix(line, "grantry_oauth_errors_total{") {
			got = append(got, line)
		}
	}
	want := []string{
		`grantry_oauth_errors_total{endpoint="authorize",error="access_denied"} 1`,
		`grantry_oauth_errors_total{endpoint="authorize",error="unsupported_response_type"} 1`,
		`grantry_oauth_errors_total{endpoint="introspection",error="invalid_request"} 1`,
		`grantry_oauth_errors_total{endpoint="revocation",error="invalid_client"} 1`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("error series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestNoteFailure: the server's failure callback keeps the first error
// code of a request prepared by withFailure, bounded to the known codes.
func TestNoteFailure(t *testing.T) {
	note := func(codes ...grantry.ErrorCode) string {
		r, f := withFailure(httptest.NewRequest(http.MethodPost, "/token", nil))
		for _, c := range codes {
			// The server may pass on a request derived from the one it got.
			noteFailure(r.WithContext(context.WithoutCancel(r.Context())), &grantry.Error{Code: c})
		}
		return f.errorCode()
	}
	tests := []struct {
		name, got, want string
	}{
		{"known code", note(grantry.ErrInvalidGrant), string(grantry.ErrInvalidGrant)},
		{"no failure", note(), ""},
		{"first failure counts", note(grantry.ErrAccessDenied, grantry.ErrServerError), string(grantry.ErrAccessDenied)},
		{"no code", note(""), "other"},
		{"odd code", note("Robert')DROP"), "other"},
		{"long code", note(grantry.ErrorCode(strings.Repeat("a", 41))), "other"},
		{"unknown code of lower-case letters", note("abcdefghij"), "other"},
		{"every known code kept", strings.Join(mapCodes(knownCodes), " "), strings.Join(codeNames(knownCodes), " ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	t.Run("request not prepared", func(t *testing.T) {
		noteFailure(httptest.NewRequest(http.MethodGet, "/metrics", nil), &grantry.Error{Code: grantry.ErrServerError})
		var f *failure
		if got := f.errorCode(); got != "" {
			t.Errorf("errorCode of no failure: got %q, want none", got)
		}
	})
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
