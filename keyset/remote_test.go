package keyset

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer serves a Set's JWK Set and counts the requests.
type jwksServer struct {
	*httptest.Server
	set          *Set
	hits         atomic.Int32
	mu           sync.Mutex
	status       int
	cacheControl string
	body         string        // served instead of the set when not empty
	gate         chan struct{} // when not nil, each request waits on it
}

func newJWKSServer(t *testing.T, set *Set) *jwksServer {
	s := &jwksServer{set: set, status: http.StatusOK}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	status, cc, body, gate := s.status, s.cacheControl, s.body, s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	if body == "" {
		doc, _ := s.set.MarshalJSON()
		body = string(doc)
	}
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (s *jwksServer) setStatus(code int) {
	s.mu.Lock()
	s.status = code
	s.mu.Unlock()
}

func newTestRemote(t *testing.T, url string, c *clock) *Remote {
	t.Helper()
	r, err := NewRemote(url, RemoteConfig{Now: c.Now})
	if err != nil {
		t.Fatalf("NewRemote: %v", err)
	}
	return r
}

func TestRemoteCachesWithinTTL(t *testing.T) {
	ctx := context.Background()
	k := loadKey(t, "p256.pem", "")
	set, _ := NewSet(k)
	srv := newJWKSServer(t, set)
	c := newClock()
	r := newTestRemote(t, srv.URL, c)

	for i := range 3 {
		keys, err := r.Lookup(ctx, k.ID())
		if err != nil || len(keys) != 1 {
			t.Fatalf("lookup %d: %d keys, err %v", i, len(keys), err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
	c.Advance(DefaultTTL + time.Second)
	if _, err := r.Lookup(ctx, k.ID()); err != nil {
		t.Fatalf("lookup after TTL: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("fetches after TTL = %d, want 2", got)
	}
}

func TestRemoteCacheControl(t *testing.T) {
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", DefaultTTL},
		{"public, max-age=900", 15 * time.Minute},
		{"max-age=1", DefaultMinTTL},
		{"max-age=999999999", DefaultMaxTTL},
		{"no-store", DefaultMinTTL},
		{"max-age=900, no-cache", DefaultMinTTL},
		{"max-age=abc", DefaultTTL},
		{"max-age=-5", DefaultTTL},
		{`max-age="600"`, 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			set, _ := NewSet(loadKey(t, "p256.pem", ""))
			srv := newJWKSServer(t, set)
			srv.cacheControl = tt.header
			c := newClock()
			r := newTestRemote(t, srv.URL, c)
			ctx := context.Background()
			if _, err := r.Keys(ctx); err != nil {
				t.Fatal(err)
			}
			c.Advance(tt.want - time.Second)
			r.Keys(ctx)
			if got := srv.hits.Load(); got != 1 {
				t.Errorf("fetches just before %v = %d, want 1", tt.want, got)
			}
			c.Advance(2 * time.Second)
			r.Keys(ctx)
			if got := srv.hits.Load(); got != 2 {
				t.Errorf("fetches just after %v = %d, want 2", tt.want, got)
			}
		})
	}
}

func TestRemoteUnknownKidRefetchesOnce(t *testing.T) {
	ctx := context.Background()
	k1, k2 := loadKey(t, "p256.pem", ""), loadKey(t, "ed25519.pem", "")
	set, _ := NewSet(k1)
	srv := newJWKSServer(t, set)
	c := newClock()
	r := newTestRemote(t, srv.URL, c)

	if _, err := r.Lookup(ctx, k1.ID()); err != nil {
		t.Fatal(err)
	}
	c.Advance(DefaultRefetchInterval)
	// The signer rotates: the new kid is not in the cache yet.
	if err := set.Rotate(k2); err != nil {
		t.Fatal(err)
	}
	keys, err := r.Lookup(ctx, k2.ID())
	if err != nil || len(keys) != 1 || keys[0].KeyID != k2.ID() {
		t.Fatalf("lookup of the new kid: %v, err %v", keys, err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}

	// Unknown kids right after a fetch do not cause another one.
	for i := range 10 {
		_, err := r.Lookup(ctx, fmt.Sprintf("forged-%d", i))
		if !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("forged kid: error %v, want ErrUnknownKey", err)
		}
	}
	if got := srv.hits.Load(); got != 2 {
		t.Errorf("fetches after forged kids = %d, want 2", got)
	}
	// Once the interval has passed, one more fetch is allowed, and only one.
	c.Advance(DefaultRefetchInterval)
	r.Lookup(ctx, "forged-a")
	r.Lookup(ctx, "forged-b")
	if got := srv.hits.Load(); got != 3 {
		t.Errorf("fetches after the interval = %d, want 3", got)
	}
}

func TestRemoteFetchStorm(t *testing.T) {
	k := loadKey(t, "p256.pem", "")
	set, _ := NewSet(k)
	srv := newJWKSServer(t, set)
	c := newClock()
	r := newTestRemote(t, srv.URL, c)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kid := k.ID()
			if i%2 == 1 {
				kid = fmt.Sprintf("random-%d", i)
			}
			r.Lookup(context.Background(), kid)
		}()
	}
	wg.Wait()
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("fetches for 64 concurrent lookups = %d, want 1", got)
	}
}

func TestRemoteFailures(t *testing.T) {
	ctx := context.Background()
	k := loadKey(t, "p256.pem", "")
	set, _ := NewSet(k)
	srv := newJWKSServer(t, set)
	c := newClock()
	r := newTestRemote(t, srv.URL, c)

	srv.setStatus(http.StatusInternalServerError)
	if _, err := r.Lookup(ctx, k.ID()); !errors.Is(err, ErrFetch) {
		t.Fatalf("first lookup error = %v, want ErrFetch", err)
	}
	// A failure is not retried before the refetch interval.
	if _, err := r.Lookup(ctx, k.ID()); !errors.Is(err, ErrFetch) {
		t.Fatalf("second lookup error = %v, want ErrFetch", err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("fetches while failing = %d, want 1", got)
	}
	srv.setStatus(http.StatusOK)
	c.Advance(DefaultRefetchInterval)
	if _, err := r.Lookup(ctx, k.ID()); err != nil {
		t.Fatalf("lookup after recovery: %v", err)
	}

	// The set expires while the server fails: the stale set serves for
	// MaxStale, then the error shows.
	srv.setStatus(http.StatusServiceUnavailable)
	c.Advance(DefaultTTL + time.Second)
	if _, err := r.Lookup(ctx, k.ID()); err != nil {
		t.Errorf("lookup with a stale set: %v, want the stale keys", err)
	}
	c.Advance(DefaultMaxStale)
	if _, err := r.Lookup(ctx, k.ID()); !errors.Is(err, ErrFetch) {
		t.Errorf("lookup beyond MaxStale: error %v, want ErrFetch", err)
	}
}

func TestRemoteMaxStaleDisabled(t *testing.T) {
	ctx := context.Background()
	k := loadKey(t, "p256.pem", "")
	set, _ := NewSet(k)
	srv := newJWKSServer(t, set)
	c := newClock()
	r, err := NewRemote(srv.URL, RemoteConfig{Now: c.Now, MaxStale: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup(ctx, k.ID()); err != nil {
		t.Fatal(err)
	}
	srv.setStatus(http.StatusInternalServerError)
	c.Advance(DefaultTTL + time.Second)
	if _, err := r.Lookup(ctx, k.ID()); !errors.Is(err, ErrFetch) {
		t.Errorf("lookup of an expired set: error %v, want ErrFetch", err)
	}
}

func TestRemoteBadDocuments(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"not json", "<html>"},
		{"no keys", `{"issuer":"x"}`},
		{"too large", `{"keys":[],"x":"` + strings.Repeat("a", maxJWKSBytes) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, &Set{})
			srv.body = tt.body
			r := newTestRemote(t, srv.URL, newClock())
			if _, err := r.Lookup(context.Background(), "k"); !errors.Is(err, ErrFetch) {
				t.Errorf("error = %v, want ErrFetch", err)
			}
		})
	}
}

func TestRemoteContext(t *testing.T) {
	k := loadKey(t, "p256.pem", "")
	set, _ := NewSet(k)
	srv := newJWKSServer(t, set)
	srv.gate = make(chan struct{})
	r := newTestRemote(t, srv.URL, newClock())

	// A caller that gives up gets its context's error...
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.Lookup(ctx, k.ID())
		done <- err
	}()
	for srv.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled lookup: error %v, want context.Canceled", err)
	}
	// ...while the fetch goes on for a patient caller, who shares it.
	patient := make(chan error, 1)
	go func() {
		_, err := r.Lookup(context.Background(), k.ID())
		patient <- err
	}()
	close(srv.gate)
	if err := <-patient; err != nil {
		t.Errorf("patient lookup: %v", err)
	}
	if got := srv.hits.Load(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}

func TestRemoteRefresh(t *testing.T) {
	ctx := context.Background()
	k1, k2 := loadKey(t, "p256.pem", ""), loadKey(t, "ed25519.pem", "")
	set, _ := NewSet(k1)
	srv := newJWKSServer(t, set)
	r := newTestRemote(t, srv.URL, newClock())
	if _, err := r.Keys(ctx); err != nil {
		t.Fatal(err)
	}
	set.Rotate(k2)
	if err := r.Refresh(ctx); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	got, _ := r.Keys(ctx)
	if len(got.Keys) != 2 {
		t.Errorf("keys after Refresh = %d, want 2", len(got.Keys))
	}
	if r.URL() != srv.URL {
		t.Errorf("URL() = %q, want %q", r.URL(), srv.URL)
	}
}

func TestNewRemoteURL(t *testing.T) {
	tests := []struct {
		url      string
		insecure bool
		wantErr  bool
	}{
		{"https://op.example/jwks", false, false},
		{"http://127.0.0.1:8080/jwks", false, false},
		{"http://[::1]/jwks", false, false},
		{"http://localhost/jwks", false, false},
		{"http://op.example/jwks", false, true},
		{"http://op.example/jwks", true, false},
		{"/jwks", false, true},
		{"ftp://op.example/jwks", true, true},
		{"https://op.example/%zz", false, true},
		{"https://op.example/jwks#k", false, true},
		{"https://u:p@op.example/jwks", false, true},
		{"http://LOCALHOST/jwks", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := NewRemote(tt.url, RemoteConfig{InsecureAllowHTTP: tt.insecure})
			if (err != nil) != tt.wantErr {
				t.Errorf("NewRemote error = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestRemoteHTTPClient: the default client times out, and no client, the
// caller's included, follows a redirect from https to plain http, where
// anyone on the path could serve keys of his own.
func TestRemoteHTTPClient(t *testing.T) {
	if got := (RemoteConfig{}).withDefaults().Client.Timeout; got != DefaultFetchTimeout {
		t.Errorf("default client timeout: got %v, want %v", got, DefaultFetchTimeout)
	}
	k := loadKey(t, "p256.pem", "")
	set, _ := NewSet(k)
	plain := newJWKSServer(t, set)
	tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/jwks", http.StatusFound))
	defer tlsSrv.Close()
	r, err := NewRemote(tlsSrv.URL+"/jwks", RemoteConfig{Client: tlsSrv.Client(), Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup(context.Background(), k.ID()); !errors.Is(err, ErrFetch) {
		t.Errorf("lookup through a redirect to http: got %v, want ErrFetch", err)
	}
	if n := plain.hits.Load(); n != 0 {
		t.Errorf("the plain http server got %d requests, want none", n)
	}
}
