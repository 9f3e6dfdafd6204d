package clientcredentials_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// benchWriter is a ResponseWriter that keeps the status and discards the
// body, reused across iterations so that only the server's own
// allocations are counted.
type benchWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(status int) { w.status = status }

func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	return len(b), nil
}

// benchBody is a rewindable request body.
type benchBody struct{ strings.Reader }

func (*benchBody) Close() error { return nil }

// newBenchServer is the server of scripts/peers/library: the grant alone
// on memstore, one client authenticating with client_secret_basic.
func newBenchServer(b *testing.B) *authserver.Server {
	b.Helper()
	store := memstore.New()
	err := store.CreateClient(b.Context(), &storage.Client{
		ID:         "bench",
		SecretHash: secret.HashSecret("bench-secret-0123456789abcdefghijklmnop"),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
		CreatedAt:  time.Now(),
	})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := authserver.New(authserver.Config{Issuer: "http://127.0.0.1:1", Clients: store, Tokens: store, InsecureAllowHTTP: true})
	if err != nil {
		b.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	return srv
}

// BenchmarkTokenEndpointClientCredentials measures the token endpoint
// answering client_credentials requests authenticated with
// client_secret_basic, from the parsed HTTP request to the stored token and
// the written response, without the network.
func BenchmarkTokenEndpointClientCredentials(b *testing.B) {
	const form = "grant_type=client_credentials"
	run := func(b *testing.B, srv *authserver.Server, next func() bool) {
		var body benchBody
		r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://127.0.0.1:1/token", &body)
		if err != nil {
			b.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth("bench", "bench-secret-0123456789abcdefghijklmnop")
		w := &benchWriter{h: make(http.Header)}
		for next() {
			body.Reset(form)
			r.ContentLength = int64(len(form))
			clear(w.h)
			w.status = 0
			srv.ServeToken(w, r)
			if w.status != http.StatusOK {
				b.Fatalf("status %d", w.status)
			}
		}
	}
	b.Run("serial", func(b *testing.B) {
		srv := newBenchServer(b)
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		run(b, srv, func() bool { i++; return i <= b.N })
	})
	b.Run("parallel", func(b *testing.B) {
		srv := newBenchServer(b)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) { run(b, srv, pb.Next) })
	})
}
