package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGracefulShutdown starts a request, cancels the serving context as
// SIGTERM does, and checks that the request still completes while new
// connections are refused.
func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})}
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- serveUntil(ctx, hs, ln, "", "", 10*time.Second, func() { close(drained) })
	}()

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()
	<-started
	cancel()
	<-drained
	close(release)
	if r := <-got; r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request: got (%q, %v), want (finished, nil)", r.body, r.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serveUntil: %v, want nil after a graceful shutdown", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("a request after shutdown succeeded, want connection refused")
	}
}

func TestShutdownTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	hs := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-release
	})}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveUntil(ctx, hs, ln, "", "", 50*time.Millisecond, func() {}) }()
	go func() { _, _ = http.Get("http://" + ln.Addr().String()) }()
	<-started
	cancel()
	if err := <-served; err == nil {
		t.Error("serveUntil with a request outliving the timeout: got nil, want an error")
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listeningAddr = regexp.MustCompile(`msg="grantry listening" addr=(\S+)`)

// TestDefaultIssuerIsListenAddress runs grantry serve on a port the kernel
// picks and checks that the issuer in the metadata is the address the
// server listens on.
func TestDefaultIssuerIsListenAddress(t *testing.T) {
	tests := []struct{ name, addr, host string }{
		{"loopback IPv4, port 0", "127.0.0.1:0", "127.0.0.1"},
		{"localhost, port 0", "localhost:0", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			var stderr syncBuffer
			done := make(chan int, 1)
			go func() {
				done <- Main(ctx, []string{"serve", "--addr", tt.addr, "--db", "memory:"}, strings.NewReader(""), io.Discard, &stderr, envOf(nil))
			}()
			defer func() { cancel(); <-done }()
			var addr string
			for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); {
				if m := listeningAddr.FindStringSubmatch(stderr.String()); m != nil {
					addr = m[1]
				}
				time.Sleep(10 * time.Millisecond)
			}
			if addr == "" {
				t.Fatalf("server did not start; stderr:\n%s", stderr.String())
			}
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get("http://" + addr + "/.well-known/oauth-authorization-server")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var md struct {
				Issuer        string `json:"issuer"`
				TokenEndpoint string `json:"token_endpoint"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&md); err != nil {
				t.Fatal(err)
			}
			issuer := "http://" + net.JoinHostPort(tt.host, port)
			if md.Issuer != issuer {
				t.Errorf("got issuer %q, want %q (the address the server listens on)", md.Issuer, issuer)
			}
			if want := issuer + "/token"; md.TokenEndpoint != want {
				t.Errorf("got token_endpoint %q, want %q", md.TokenEndpoint, want)
			}
		})
	}
}

// TestDrainDelay checks that on shutdown /readyz fails at once while
// requests are still served for --drain-delay, and that the listener then
// closes.
func TestDrainDelay(t *testing.T) {
	const delay = 2 * time.Second
	h := newHarness(t, func(c *serveConfig) { c.DrainDelay, c.PurgeInterval = delay, 0 })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- h.app.run(ctx, ln) }()
	status := func(path string) int {
		resp, err := http.Get(base + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Fatalf("/readyz before shutdown: got %d, want 200", got)
	}
	cancel()
	for deadline := time.Now().Add(delay / 2); status("/readyz") != http.StatusServiceUnavailable; {
		if time.Now().After(deadline) {
			t.Fatal("/readyz: still not 503 halfway through the drain delay")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz during the drain delay: got %d, want 200 (requests still served)", got)
	}
	if err := <-served; err != nil {
		t.Errorf("run: %v, want nil after a graceful shutdown", err)
	}
	if got := status("/healthz"); got != 0 {
		t.Errorf("/healthz after shutdown: got %d, want connection refused", got)
	}
}
