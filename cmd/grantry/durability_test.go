package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/grantry/grantry/internal/pgtest"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make the test's schema
)

// TestBinaryTokensSurviveKill kills grantry serve with SIGKILL while
// clients are requesting tokens, starts it again on the same database, and
// checks by introspection that every access token it had answered with 200
// is still active: a token is answered only once the batch that stores it
// has committed. It runs on an SQLite file and on PostgreSQL.
func TestBinaryTokensSurviveKill(t *testing.T) {
	bin := buildBinary(t)
	tests := []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "grantry.db") }},
		{"PostgreSQL", postgresDB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tokensSurviveKill(t, bin, tt.db(t)) })
	}
}

// postgresDB returns a DSN of a schema of its own on the test PostgreSQL
// server (see pgtest.SchemaDSN) and gives the servers a key-encryption
// key, which they need on PostgreSQL.
func postgresDB(t *testing.T) string {
	dsn := pgtest.SchemaDSN(t, "durability")
	kek := make([]byte, 32)
	_, _ = rand.Read(kek)
	t.Setenv("GRANTRY_KEY_ENCRYPTION_KEY", base64.RawURLEncoding.EncodeToString(kek))
	return dsn
}

func tokensSurviveKill(t *testing.T, bin, db string) {
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	out := cli(t, bin, "", "client", "create", "--db", db, "--name", "Load", "--grants", "client_credentials", "--json")
	if err := json.Unmarshal([]byte(out), &client); err != nil || client.ID == "" {
		t.Fatalf("client create --json printed %q (%v)", out, err)
	}
	srv := startServer(t, bin, freePort(t), "--db", db)

	const workers, killAfter, maxRequests = 8, 400, 5000
	var (
		mu     sync.Mutex
		issued []string
		wg     sync.WaitGroup
	)
	killed := make(chan struct{})
	var once sync.Once
	kill := func() {
		if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("SIGKILL: %v", err)
		}
		close(killed)
	}
	for range workers {
		wg.Go(func() {
			hc := &http.Client{}
			for range maxRequests {
				tok, ok := requestToken(hc, srv.base, client.ID, client.Secret)
				if !ok {
					return // the server is gone
				}
				mu.Lock()
				issued = append(issued, tok)
				n := len(issued)
				mu.Unlock()
				if n >= killAfter {
					once.Do(kill) // the other workers' requests are in flight
				}
			}
		})
	}
	wg.Wait()
	once.Do(kill)
	<-killed
	_ = srv.cmd.Wait()
	if len(issued) < killAfter {
		t.Fatalf("tokens issued before the kill: got %d, want at least %d", len(issued), killAfter)
	}

	srv = startServer(t, bin, freePort(t), "--db", db)
	for i, tok := range issued {
		if !introspectActive(t, srv.base, client.ID, client.Secret, tok) {
			t.Fatalf("token %d of %d answered 200 before the kill is not active after the restart", i+1, len(issued))
		}
	}
	t.Logf("%d tokens answered before SIGKILL, all active after the restart", len(issued))
}

// requestToken asks for a client_credentials token; ok is false for any
// answer but 200 with a token, such as the error of a killed server.
func requestToken(hc *http.Client, base, id, secret string) (token string, ok bool) {
	req, err := http.NewRequest(http.MethodPost, base+"/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := hc.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || body.AccessToken == "" {
		return "", false
	}
	return body.AccessToken, true
}

// introspectActive reports whether introspection (RFC 7662) says token is
// active.
func introspectActive(t *testing.T, base, id, secret, token string) bool {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("introspect: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Active bool `json:"active"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		t.Fatalf("introspect: status %d, want 200 with a JSON body", resp.StatusCode)
	}
	return body.Active
}
