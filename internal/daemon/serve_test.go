package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

var listeningAddr = regexp.MustCompile(`msg="grantry listening" addr=(\S+)`)

// listenedOn reads a server's log up to its listening line and returns
// the address there, or "" if the log ends first; the rest of the log is
// read and dropped, so that the server never blocks writing it.
func listenedOn(log io.Reader) string {
	sc := bufio.NewScanner(log)
	for sc.Scan() {
		if m := listeningAddr.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, log)
			return m[1]
		}
	}
	return ""
}

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
			pr, pw := io.Pipe()
			done := make(chan int, 1)
			go func() {
				done <- Main(ctx, []string{"serve", "--addr", tt.addr, "--admin-addr", "127.0.0.1:0", "--db", "memory:"}, strings.NewReader(""), io.Discard, pw, envOf(nil))
				pw.Close()
			}()
			defer func() { cancel(); <-done }()
			addr := listenedOn(pr)
			if addr == "" {
				t.Fatal("server did not start: its log ended without the listening line")
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
	draining, release := make(chan time.Duration, 1), make(chan struct{})
	h.app.drainWait = func(d time.Duration) { draining <- d; <-release }
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
	if got := <-draining; got != delay {
		t.Errorf("drain wait: got %v, want %v", got, delay)
	}
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the drain delay: got %d, want 503", got)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz during the drain delay: got %d, want 200 (requests still served)", got)
	}
	close(release)
	if err := <-served; err != nil {
		t.Errorf("run: %v, want nil after a graceful shutdown", err)
	}
	if got := status("/healthz"); got != 0 {
		t.Errorf("/healthz after shutdown: got %d, want connection refused", got)
	}
}

// TestRunFailsAtOnce: when serving cannot start (TLS files that do not
// load), run returns the error at once, with the purge loop running, and
// the port is released; it does not wait for a signal.
func TestRunFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for _, f := range []string{cert, key} {
		if err := os.WriteFile(f, []byte("not PEM"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, func(c *serveConfig) { c.TLSCert, c.TLSKey, c.PurgeInterval = cert, key, time.Minute })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- h.app.run(t.Context(), ln) }()
	select {
	case err := <-ran:
		if err == nil {
			t.Fatal("run with unreadable TLS files: got nil, want an error")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run with unreadable TLS files did not return")
	}
	again, err := net.Listen("tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("the port is still held after run failed: %v", err)
	}
	again.Close()
}
