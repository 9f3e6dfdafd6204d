package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// goTool returns the go command that builds the binary. Without it the
// test is skipped, except under CI=true, where it fails.
func goTool(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("the go command is not found; under CI=true the binary test must run")
	}
	t.Skip("the go command is not found: cannot build the binary")
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// buildBinary builds grantry into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "grantry")
	out, err := exec.Command(goTool(t), "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// cli runs the binary to completion with stdin and returns its stdout.
func cli(t *testing.T, bin, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("grantry %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// server is a running grantry serve.
type server struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
	base string
}

func startServer(t *testing.T, bin string, port int, args ...string) *server {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--insecure-dev", "--admin-addr", "127.0.0.1:0"}, args...)...) // args may name another admin address
	s := &server{cmd: cmd, logs: &bytes.Buffer{}, base: "http://" + addr}
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	s.waitReady(t)
	return s
}

func (s *server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server did not become ready; log:\n%s", s.logs.String())
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after SIGTERM the server exited with %v; log:\n%s", err, s.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not exit within 30s of SIGTERM")
	}
}

var (
	csrfField  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	formAction = regexp.MustCompile(`<form method="post" action="(/authorize\?[^"]+)"`)
)

// user is a browser that does not follow redirects.
type user struct {
	t *testing.T
	c *http.Client
}

func newUser(t *testing.T) *user {
	jar, _ := cookiejar.New(nil)
	return &user{t, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (u *user) do(method, target string, form url.Values) (*http.Response, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func match(t *testing.T, re *regexp.Regexp, page string) string {
	t.Helper()
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page:\n%s", re, page)
	}
	return html.UnescapeString(m[1])
}

// authorize runs the authorization request: sign-in when asked, consent
// when asked, and returns the query the client's redirect URI receives.
func (u *user) authorize(base, authURL string) url.Values {
	u.t.Helper()
	resp, page := u.do(http.MethodGet, authURL, nil)
	for range 4 {
		switch {
		case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login"):
			_, login := u.do(http.MethodGet, base+resp.Header.Get("Location"), nil)
			loc, _ := url.Parse(resp.Header.Get("Location"))
			resp, _ = u.do(http.MethodPost, base+"/login", url.Values{
				"csrf": {match(u.t, csrfField, login)}, "username": {"alice"}, "password": {"correct horse battery"},
				"return": {loc.Query().Get("return")},
			})
			resp, page = u.do(http.MethodGet, base+resp.Header.Get("Location"), nil)
		case resp.StatusCode == http.StatusOK && strings.Contains(page, `value="approve"`):
			resp, page = u.do(http.MethodPost, base+match(u.t, formAction, page), url.Values{
				"csrf": {match(u.t, csrfField, page)}, "decision": {"approve"},
			})
		case resp.StatusCode == http.StatusFound:
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				u.t.Fatal(err)
			}
			return loc.Query()
		default:
			u.t.Fatalf("unexpected response %d, Location %q:\n%s", resp.StatusCode, resp.Header.Get("Location"), page)
		}
	}
	u.t.Fatal("the authorization never reached the client")
	return nil
}

// TestBinaryCodePKCERefreshAcrossRestart builds grantry, administers it
// through its CLI over a fresh SQLite file, runs the code flow with PKCE
// and a refresh through golang.org/x/oauth2, restarts the server, and
// shows that the refresh token and the browser's sign-in survive it.
func TestBinaryCodePKCERefreshAcrossRestart(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "grantry.db")
	port := freePort(t)
	redirect := "http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/cb"

	if out := cli(t, bin, "correct horse battery\n", "user", "create", "alice", "--db", db); !strings.Contains(out, "created user alice") {
		t.Fatalf("user create printed %q", out)
	}
	var client struct{ ClientID, ClientSecret string }
	out := cli(t, bin, "", "client", "create", "--db", db, "--name", "E2E App", "--redirect-uri", redirect, "--scope", "profile email", "--json")
	if err := json.Unmarshal([]byte(out), &struct {
		ID     *string `json:"client_id"`
		Secret *string `json:"client_secret"`
	}{&client.ClientID, &client.ClientSecret}); err != nil || client.ClientID == "" || len(client.ClientSecret) < 43 {
		t.Fatalf("client create --json printed %q (%v), want client_id and a 256-bit client_secret", out, err)
	}

	admin := "127.0.0.1:" + strconv.Itoa(freePort(t))
	srv := startServer(t, bin, port, "--db", db, "--admin-addr", admin)
	conf := &oauth2.Config{
		ClientID: client.ClientID, ClientSecret: client.ClientSecret, RedirectURL: redirect,
		Scopes:   []string{"profile", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.base + "/authorize", TokenURL: srv.base + "/token", AuthStyle: oauth2.AuthStyleInHeader},
	}
	ctx := context.Background()
	browser := newUser(t)

	verifier := oauth2.GenerateVerifier()
	q := browser.authorize(srv.base, conf.AuthCodeURL("e2e-state", oauth2.S256ChallengeOption(verifier)))
	if q.Get("state") != "e2e-state" || q.Get("iss") != srv.base || q.Get("code") == "" {
		t.Fatalf("redirect query %v, want a code, state e2e-state and iss %s", q, srv.base)
	}
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption("wrong-"+verifier)); err == nil {
		t.Fatal("Exchange with a wrong code_verifier succeeded, want invalid_grant")
	}

	q = browser.authorize(srv.base, conf.AuthCodeURL("e2e-state-2", oauth2.S256ChallengeOption(verifier)))
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("Exchange: %v (token %+v), want access and refresh tokens", err, tok)
	}
	refreshed, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || refreshed.AccessToken == "" || refreshed.RefreshToken == tok.RefreshToken {
		t.Fatalf("refresh: %v, want a new access token and a rotated refresh token", err)
	}

	srv.stop(t)
	srv = startServer(t, bin, port, "--db", db, "--admin-addr", admin)

	again, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshed.RefreshToken}).Token()
	if err != nil || again.AccessToken == "" {
		t.Fatalf("refresh after restart: %v, want a new access token", err)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
		t.Error("the rotated refresh token still worked after restart, want invalid_grant")
	}
	// The sign-in cookie and the remembered consent survive the restart:
	// the session key is kept in the database.
	resp, _ := browser.do(http.MethodGet, conf.AuthCodeURL("e2e-state-3", oauth2.S256ChallengeOption(verifier)), nil)
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		t.Errorf("authorization after restart: %d to %q, want 302 with a code and no sign-in", resp.StatusCode, resp.Header.Get("Location"))
	}
	checkMetrics(t, "http://"+admin)
	if resp, err := http.Get(srv.base + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: got (%v, %v), want 404", resp, err)
	} else {
		resp.Body.Close()
	}
}

func checkMetrics(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`grantry_tokens_issued_total{grant_type="refresh_token"} 1`,
		`grantry_oauth_errors_total{endpoint="token",error="invalid_grant"} 1`,
		`grantry_http_request_duration_seconds_count{endpoint="token"} 2`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics after restart lack %q:\n%s", want, b)
		}
	}
}
