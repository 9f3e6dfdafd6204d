package bearer_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/accesstoken"
	"github.com/grantry/grantry/bearer"
	"github.com/grantry/grantry/dpop"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/memstore"
)

// benchTokens fills a memstore with n opaque tokens, as the authorization
// server stores them, and returns one request per token.
func benchTokens(b *testing.B, n int) (*memstore.Store, []*http.Request) {
	b.Helper()
	s := memstore.New()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		token := fmt.Sprintf("%043d", i) // the length of a 256-bit base64url token
		err := s.CreateToken(context.Background(), &storage.Token{
			ID: fmt.Sprint("id-", i), FamilyID: fmt.Sprint("f-", i), ClientID: "client", Subject: "user",
			Scope:      grantry.Scope{"openid", "profile", "api:read"},
			AccessHash: secret.Digest(token), IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			b.Fatal(err)
		}
		reqs[i] = httptest.NewRequest(http.MethodGet, "/api", nil)
		reqs[i].Header.Set("Authorization", "Bearer "+token)
	}
	return s, reqs
}

// statusWriter is a ResponseWriter that keeps only the status.
type statusWriter struct {
	h      http.Header
	status int
}

func (w *statusWriter) Header() http.Header         { return w.h }
func (w *statusWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *statusWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkRequireMemstore is bearer validation per request of an opaque
// token through memstore, as the middleware does it: read the header,
// digest the token, look it up among 10,000, check expiry and scope, and
// hand the next handler a request whose context carries the token.
func BenchmarkRequireMemstore(b *testing.B) {
	store, reqs := benchTokens(b, 10000)
	v := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{Now: func() time.Time { return now }})
	p := bearer.New(v, bearer.Config{Realm: "api", Now: func() time.Time { return now }})
	var served int
	h := p.Require("api:read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := bearer.FromContext(r.Context()); ok && info.Subject == "user" {
			served++
		}
	}))
	w := &statusWriter{h: make(http.Header)}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h.ServeHTTP(w, reqs[i%len(reqs)])
		i++
	}
	if w.status != 0 || served != i {
		b.Fatalf("served %d of %d requests (last status %d), want all", served, i, w.status)
	}
}

// BenchmarkAcquireMemstore is the same validation through Acquire, which
// returns the token instead of placing it in a context.
func BenchmarkAcquireMemstore(b *testing.B) {
	store, reqs := benchTokens(b, 10000)
	v := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{Now: func() time.Time { return now }})
	p := bearer.New(v, bearer.Config{Now: func() time.Time { return now }})
	q := bearer.AllOf("api:read")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.Acquire(reqs[i%len(reqs)], q); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRequireMemstoreParallel runs the middleware from every
// processor at once.
func BenchmarkRequireMemstoreParallel(b *testing.B) {
	store, reqs := benchTokens(b, 10000)
	v := accesstoken.NewStoreValidator(store, accesstoken.StoreValidatorConfig{Now: func() time.Time { return now }})
	p := bearer.New(v, bearer.Config{Now: func() time.Time { return now }})
	h := p.Require("api:read")(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := &statusWriter{h: make(http.Header)}
		i := 0
		for pb.Next() {
			h.ServeHTTP(w, reqs[i%len(reqs)])
			i++
		}
		if w.status != 0 {
			b.Errorf("status %d, want the request served", w.status)
		}
	})
}

// BenchmarkRequireDPoP is the middleware with a DPoP-bound token and a
// fresh ES256 proof of its key for each request (RFC 9449 §7), signed
// before the timer starts: token validation, then the proof's check with
// ath and the replay cache, then the key binding.
func BenchmarkRequireDPoP(b *testing.B) {
	k, err := keyset.GenerateKey(keyset.ES256)
	if err != nil {
		b.Fatal(err)
	}
	jkt, _ := keyset.Thumbprint(k.Public().Key)
	clock := func() time.Time { return dpopNow }
	p := bearer.New(boundTokens{jkt}, bearer.Config{Realm: "api", Now: clock,
		DPoP: &bearer.DPoPConfig{BaseURL: "https://api.example", Verifier: dpop.NewVerifier(dpop.Config{Now: clock})}})
	var served int
	h := p.Require("read")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served++ }))
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		proof, err := dpop.Sign(k, dpop.ProofClaims{Method: "GET", URI: apiURL, AccessToken: "bound", IssuedAt: dpopNow})
		if err != nil {
			b.Fatal(err)
		}
		reqs[i] = httptest.NewRequest(http.MethodGet, apiURL, nil)
		reqs[i].Header.Set("Authorization", "DPoP bound")
		reqs[i].Header.Set("DPoP", proof)
	}
	w := &statusWriter{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.ServeHTTP(w, reqs[i])
	}
	if w.status != 0 || served != b.N {
		b.Fatalf("served %d of %d requests (last status %d), want all", served, b.N, w.status)
	}
}
