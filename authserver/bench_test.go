package authserver_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grantry/grantry/pkce"
)

// benchBody is a request body that can be rewound, so that one request
// value serves every iteration.
type benchBody struct{ strings.Reader }

func (*benchBody) Close() error { return nil }

// benchRequest is a reusable token request of one client.
type benchRequest struct {
	r    *http.Request
	body benchBody
}

func newBenchRequest(authorization string) *benchRequest {
	br := &benchRequest{}
	br.r = fzRequest(http.MethodPost, "/token", "", "application/x-www-form-urlencoded", authorization, "")
	br.r.Body = &br.body
	return br
}

// serve posts body to the token endpoint and fails unless it answers 200.
func (br *benchRequest) serve(b *testing.B, g *harness, body string) {
	br.body.Reset(body)
	rec := httptest.NewRecorder()
	g.as.ServeToken(rec, br.r)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
	}
}

// BenchmarkTokenClientCredentials measures a client_credentials request
// authenticated with client_secret_basic, from parsing to the stored token
// and the written response.
func BenchmarkTokenClientCredentials(b *testing.B) {
	const body = "grant_type=client_credentials&scope=api%3Aread"
	auth := fzBasic("svc", "svc-secret")
	b.Run("serial", func(b *testing.B) {
		g := newHarness(b, false)
		br := newBenchRequest(auth)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			br.serve(b, g, body)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		g := newHarness(b, false)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			br := newBenchRequest(auth)
			for pb.Next() {
				br.serve(b, g, body)
			}
		})
	})
}

// benchCodes obtains n authorization codes for "web" through the
// authorization endpoint, with an S256 challenge of verifier, and returns
// the token request bodies that exchange them.
func benchCodes(b *testing.B, g *harness, n int, verifier string) []string {
	b.Helper()
	query := url.Values{
		"response_type":         {"code"},
		"client_id":             {"web"},
		"redirect_uri":          {"https://client.test/cb"},
		"scope":                 {"profile email"},
		"state":                 {"af0ifjsldkj"},
		"code_challenge":        {pkce.Challenge(pkce.MethodS256, verifier)},
		"code_challenge_method": {pkce.MethodS256},
	}.Encode()
	bodies := make([]string, n)
	for i := range bodies {
		rec := httptest.NewRecorder()
		g.handler.ServeHTTP(rec, fzRequest(http.MethodGet, "/authorize", query, "", "", ""))
		loc, err := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusFound || err != nil || loc.Query().Get("code") == "" {
			b.Fatalf("authorization response %d %q", rec.Code, rec.Header().Get("Location"))
		}
		bodies[i] = url.Values{
			"grant_type":    {"authorization_code"},
			"code":          {loc.Query().Get("code")},
			"redirect_uri":  {"https://client.test/cb"},
			"code_verifier": {verifier},
		}.Encode()
	}
	return bodies
}

// BenchmarkTokenCodeExchange measures the exchange of a fresh
// authorization code with PKCE (S256) by a client using
// client_secret_basic: an access and a refresh token are issued. The codes
// are made beforehand, outside the timer.
func BenchmarkTokenCodeExchange(b *testing.B) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	auth := fzBasic("web", "web-secret")
	b.Run("serial", func(b *testing.B) {
		g := newHarness(b, false)
		bodies := benchCodes(b, g, b.N, verifier)
		br := newBenchRequest(auth)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			br.serve(b, g, bodies[i])
		}
	})
	b.Run("parallel", func(b *testing.B) {
		g := newHarness(b, false)
		bodies := benchCodes(b, g, b.N, verifier)
		var next atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			br := newBenchRequest(auth)
			for pb.Next() {
				br.serve(b, g, bodies[next.Add(1)-1])
			}
		})
	})
}
