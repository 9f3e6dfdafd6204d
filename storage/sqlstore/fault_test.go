package sqlstore_test

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/grant/clientcredentials"
	"github.com/grantry/grantry/secret"
	"github.com/grantry/grantry/storage"
	"github.com/grantry/grantry/storage/sqlstore"
)

// proxy forwards TCP connections on a loopback port to a target, and can
// be cut, closing the port and every connection, and restored on the same
// port: a database server going away and coming back.
type proxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, addr: ln.Addr().String(), conns: make(map[net.Conn]struct{})}
	p.serve(ln)
	t.Cleanup(func() {
		p.cut()
		p.wg.Wait()
	})
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.forward(c)
		}
	})
}

func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		dst.Close()
		src.Close()
	}
	p.wg.Go(func() { pipe(up, c) })
	p.wg.Go(func() { pipe(c, up) })
}

// cut closes the port and every connection through it.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// restore listens on the proxy's port again.
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", p.addr, err)
	}
	p.serve(ln)
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// clientCredentialsServer returns an authorization server over s with the
// client credentials grant and one client, "svc", whose secret it returns.
func clientCredentialsServer(t testing.TB, s storage.ClientRegistry, tokens storage.TokenStore, log io.Writer) (*authserver.Server, string) {
	t.Helper()
	sec := secret.Token()
	err := s.CreateClient(t.Context(), &storage.Client{
		ID:         "svc",
		SecretHash: secret.HashSecret(sec),
		GrantTypes: []grantry.GrantType{grantry.GrantClientCredentials},
		Scope:      grantry.Scope{"api:read", "api:write"},
	})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	return newServer(t, s, tokens, nil, log), sec
}

// newServer returns an authorization server with the client credentials
// grant, verifying slow client secret hashes through cache when it is not
// nil.
func newServer(t testing.TB, clients storage.ClientStore, tokens storage.TokenStore, cache *secret.Cache, log io.Writer) *authserver.Server {
	t.Helper()
	srv, err := authserver.New(authserver.Config{
		Issuer: "https://auth.example", Clients: clients, Tokens: tokens, SecretCache: cache,
		Logger: slog.New(slog.NewTextHandler(log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.RegisterGrant(clientcredentials.New(clientcredentials.Config{}))
	return srv
}

// tokenRequest asks srv for a token with the client credentials grant.
func tokenRequest(srv *authserver.Server, id, secret string) *httptest.ResponseRecorder {
	body := strings.NewReader("grant_type=client_credentials&scope=api%3Aread")
	r := httptest.NewRequest(http.MethodPost, "/token", body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(id, secret)
	w := httptest.NewRecorder()
	srv.ServeToken(w, r)
	return w
}

// TestDatabaseOutage cuts the connection between the token endpoint and
// PostgreSQL: requests are answered 503 temporarily_unavailable with
// Retry-After and no internal detail, the cause goes to the log, and the
// endpoint serves again by itself once the database is back.
func TestDatabaseOutage(t *testing.T) {
	dsn := newSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.addr
	db := openPostgresDSN(t, u.String())
	s := openStore(t, db, sqlstore.Postgres)
	var log syncBuffer
	srv, secret := clientCredentialsServer(t, s, s, &log)

	if w := tokenRequest(srv, "svc", secret); w.Code != http.StatusOK {
		t.Fatalf("before the outage: got %d %s, want 200", w.Code, w.Body)
	}
	p.cut()
	const want = `{"error":"temporarily_unavailable","error_description":"the service is temporarily unavailable"}`
	for i := range 3 {
		w := tokenRequest(srv, "svc", secret)
		if w.Code != http.StatusServiceUnavailable || w.Body.String() != want {
			t.Errorf("request %d during the outage: got %d %s, want 503 %s", i, w.Code, w.Body, want)
		}
		if got := w.Header().Get("Retry-After"); got != "5" {
			t.Errorf("request %d: Retry-After: got %q, want %q", i, got, "5")
		}
		if got := w.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("request %d: Cache-Control: got %q, want %q", i, got, "no-store")
		}
	}
	if l := log.String(); !strings.Contains(l, "error=temporarily_unavailable") || !strings.Contains(l, "sqlstore: read client") {
		t.Errorf("log: got %q, want the outage with its cause", l)
	}
	p.restore(t)
	if w := tokenRequest(srv, "svc", secret); w.Code != http.StatusOK {
		t.Errorf("after the outage: got %d %s, want 200", w.Code, w.Body)
	}
}
