package daemon

import (
	"context"
	"io"
	"net"
	"net/http"
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
