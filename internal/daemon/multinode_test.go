package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// node is a grantry serve process of a multi-node test.
type node struct {
	cmd  *exec.Cmd
	url  *url.URL
	done chan struct{} // closed once the process has exited
}

// buildGrantry builds the grantry command into a temporary directory.
func buildGrantry(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the multi-node test builds grantry: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "grantry")
	out, err := exec.Command(goTool, "build", "-o", bin, "github.com/grantry/grantry/cmd/grantry").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startNode runs grantry serve with env on a free loopback port and
// returns once it listens.
func startNode(t *testing.T, bin string, env []string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", ""}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, done: make(chan struct{})}
	addr := listenedOn(stderr) // then drains the log
	go func() { _ = cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-n.done
	})
	if addr == "" {
		t.Fatal("a node did not start: its log ended without the listening line")
	}
	n.url = &url.URL{Scheme: "http", Host: addr}
	return n
}

// roundRobin is a reverse proxy that sends each request to the next node
// alive, or to the node the test pins; it names the node that answered
// in the X-Node header.
type roundRobin struct {
	nodes []*url.URL
	next  atomic.Uint64
	pin   atomic.Int64 // -1: round robin
	dead  []atomic.Bool
}

func newRoundRobin(nodes ...*url.URL) *roundRobin {
	rr := &roundRobin{nodes: nodes, dead: make([]atomic.Bool, len(nodes))}
	rr.pin.Store(-1)
	return rr
}

type nodeKey struct{}

func (rr *roundRobin) handler() http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := rr.pick()
			r.Out = r.Out.WithContext(context.WithValue(r.Out.Context(), nodeKey{}, i))
			r.SetURL(rr.nodes[i])
			r.Out.Host = r.In.Host // the issuer's host, as behind a load balancer
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set("X-Node", strconv.Itoa(resp.Request.Context().Value(nodeKey{}).(int)))
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rr.dead[r.Context().Value(nodeKey{}).(int)].Store(true) // as a load balancer's health check would
			w.WriteHeader(http.StatusBadGateway)
		},
	}
}

func (rr *roundRobin) pick() int {
	if p := rr.pin.Load(); p >= 0 {
		return int(p)
	}
	for range len(rr.nodes) {
		i := int(rr.next.Add(1) % uint64(len(rr.nodes)))
		if !rr.dead[i].Load() {
			return i
		}
	}
	return 0
}

// multiNodeSetup is a PostgreSQL schema and Redis shared by the nodes,
// with a user and a client; it returns the environment of the nodes and
// the client's secret.
func multiNodeSetup(t *testing.T) (env []string, secret string) {
	t.Helper()
	dsn := postgresSchemaDSN(t)
	redisAddr := os.Getenv("GRANTRY_TEST_REDIS_ADDR")
	if redisAddr == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GRANTRY_TEST_REDIS_ADDR is not set: under CI=true the multi-node test must run")
		}
		t.Skip("GRANTRY_TEST_REDIS_ADDR is not set: start Redis with scripts/lib.sh start_test_servers")
	}
	kekValue := base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	settings := map[string]string{kekEnv: kekValue, "GRANTRY_DB": dsn, "GRANTRY_REDIS": "redis://" + redisAddr + "/0"}
	for k, v := range settings {
		env = append(env, k+"="+v)
	}
	run := func(stdin string, args ...string) string {
		var out, errOut strings.Builder
		if code := Main(t.Context(), args, strings.NewReader(stdin), &out, &errOut, envOf(settings)); code != 0 {
			t.Fatalf("grantry %s: exit %d, %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	run(testPassword+"\n", "user", "create", testUser)
	var created clientJSON
	out := run("", "client", "create", "--id", testClient, "--name", "Web", "--redirect-uri", testCallback, "--scope", "openid profile",
		"--grants", "authorization_code,refresh_token,client_credentials", "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("client create printed %q: %v", out, err)
	}
	return env, created.ClientSecret
}

// TestMultiNode runs two grantry serve processes on one PostgreSQL
// database and one Redis, behind a round-robin proxy: a user signs in
// through one node and consents through the other, the code is redeemed,
// the token refreshed, introspected and revoked across them; then one
// node is killed (SIGKILL) under load, and every token answered, before or
// after, is still known.
func TestMultiNode(t *testing.T) {
	env, secret := multiNodeSetup(t)
	bin := buildGrantry(t)
	front := httptest.NewUnstartedServer(nil)
	issuer := "http://" + front.Listener.Addr().String()
	args := []string{"--issuer", issuer, "--insecure-dev", "--scopes", "openid profile"}
	nodes := []*node{startNode(t, bin, env, args...), startNode(t, bin, env, args...)}
	rr := newRoundRobin(nodes[0].url, nodes[1].url)
	front.Config.Handler = rr.handler()
	front.Start()
	defer front.Close()

	c := &multiClient{t: t, base: issuer, rr: rr, clientSecret: secret}
	access, refresh := c.codeFlow()
	c.refreshIntrospectRevoke(access, refresh)

	answered := c.loadAndKill(nodes[1], 150, 150)
	rr.pin.Store(0)
	for i, tok := range answered {
		if !c.activeOn(0, tok) {
			t.Fatalf("token %d of %d answered during the load is unknown to the node alive", i, len(answered))
		}
	}
}

// multiClient is a browser and a client of the nodes behind the proxy.
type multiClient struct {
	t            *testing.T
	base         string
	rr           *roundRobin
	clientSecret string
	browser      *http.Client
}

// on sends req through the proxy to node (-1: round robin), checks which
// node answered, and returns the response read.
func (c *multiClient) on(node int, req *http.Request) response {
	c.t.Helper()
	c.rr.pin.Store(int64(node))
	r := do(c.t, c.browser, req)
	if got := r.header.Get("X-Node"); node >= 0 && got != strconv.Itoa(node) {
		c.t.Fatalf("%s %s answered by node %q, want %d", req.Method, req.URL.Path, got, node)
	}
	return r
}

func (c *multiClient) get(node int, path string) response {
	c.t.Helper()
	if !strings.HasPrefix(path, "http") {
		path = c.base + path
	}
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return c.on(node, req)
}

func (c *multiClient) post(node int, path string, form url.Values, basic bool) response {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(testClient, c.clientSecret)
	}
	return c.on(node, req)
}

// codeFlow signs in through node 0, consents through node 1, redeems
// the code through either, and returns the tokens.
func (c *multiClient) codeFlow() (access, refresh string) {
	t := c.t
	jar, _ := cookiejar.New(nil)
	c.browser = &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	path := authorizePath("scope", "openid profile", "code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]), "code_challenge_method", "S256", "nonce", "n0nce")
	r := c.get(0, path)
	login := c.get(0, r.location(t).String())
	r = c.post(0, "/login", url.Values{"csrf": {csrfOf(t, login.body)}, "username": {testUser}, "password": {testPassword},
		"return": {r.location(t).Query().Get("return")}}, false)
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign-in through node 0: status %d, want 303; body:\n%s", r.status, r.body)
	}
	page := c.get(1, r.location(t).String())
	if page.status != http.StatusOK {
		t.Fatalf("consent page through node 1: status %d, want 200 (the session signed in on node 0); body:\n%s", page.status, page.body)
	}
	r = c.post(1, consentAction(t, page.body), url.Values{"csrf": {csrfOf(t, page.body)}, "decision": {"approve"}}, false)
	code := r.location(t).Query().Get("code")
	if r.status != http.StatusFound || code == "" {
		t.Fatalf("consent through node 1: status %d to %q, want 302 with a code", r.status, r.header.Get("Location"))
	}
	tok := c.token(-1, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testCallback}, "code_verifier": {verifier}})
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.IDToken == "" {
		t.Fatalf("code redeemed: got %+v, want access, refresh and ID tokens", tok)
	}
	return tok.AccessToken, tok.RefreshToken
}

type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
}

func (c *multiClient) token(node int, form url.Values) tokenJSON {
	c.t.Helper()
	r := c.post(node, "/token", form, true)
	var tok tokenJSON
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &tok) != nil {
		c.t.Fatalf("token %s: status %d, body %s", form.Get("grant_type"), r.status, r.body)
	}
	return tok
}

// refreshIntrospectRevoke refreshes on node 1 and finds the new access
// token active on node 0, revokes it on node 1 and finds it inactive on
// node 0; then a replay of the rotated refresh token on node 0 is
// refused and revokes the family, the new refresh token included, on
// node 1.
func (c *multiClient) refreshIntrospectRevoke(access, refresh string) {
	t := c.t
	if !c.activeOn(1, access) {
		t.Error("the code's access token is not active on node 1")
	}
	tok := c.token(1, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if !c.activeOn(0, tok.AccessToken) {
		t.Error("the refreshed access token is not active on node 0")
	}
	if r := c.post(1, "/revoke", url.Values{"token": {tok.AccessToken}}, true); r.status != http.StatusOK {
		t.Errorf("revocation on node 1: status %d", r.status)
	}
	if c.activeOn(0, tok.AccessToken) {
		t.Error("the revoked access token is still active on node 0")
	}
	if r := c.post(0, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, true); r.status != http.StatusBadRequest {
		t.Errorf("the rotated refresh token replayed on node 0: status %d, want 400 invalid_grant", r.status)
	}
	if r := c.post(1, "/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, true); r.status != http.StatusBadRequest {
		t.Errorf("the new refresh token on node 1 after the replay: status %d, want 400 (its family revoked)", r.status)
	}
}

func (c *multiClient) activeOn(node int, tok string) bool {
	c.t.Helper()
	r := c.post(node, "/introspect", url.Values{"token": {tok}}, true)
	var got struct {
		Active bool `json:"active"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &got) != nil {
		c.t.Fatalf("introspection: status %d, body %s", r.status, r.body)
	}
	return got.Active
}

// loadAndKill asks for client_credentials tokens from 4 workers through
// the proxy; once before tokens are answered it kills victim with
// SIGKILL, and stops once after more are answered. It returns the tokens
// answered. Requests the dead node drops fail, as they would behind a
// load balancer; none answered 200 may be lost.
func (c *multiClient) loadAndKill(victim *node, before, after int) []string {
	t := c.t
	c.rr.pin.Store(-1)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var mu sync.Mutex
	var answered []string
	var failed atomic.Int64
	killed := make(chan struct{})
	var kill sync.Once
	hc := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				tok, err := c.clientCredentials(ctx, hc)
				if err != nil {
					failed.Add(1)
					continue
				}
				mu.Lock()
				answered = append(answered, tok)
				n := len(answered)
				mu.Unlock()
				if n == before {
					kill.Do(func() {
						_ = victim.cmd.Process.Kill()
						<-victim.done
						close(killed)
					})
				}
				select {
				case <-killed:
					if n >= before+after {
						cancel()
					}
				default:
				}
			}
		})
	}
	wg.Wait()
	if len(answered) < before+after {
		t.Fatalf("%d tokens answered (%d requests failed) before the deadline, want %d", len(answered), failed.Load(), before+after)
	}
	t.Logf("%d tokens answered, %d requests failed around the kill", len(answered), failed.Load())
	return answered
}

func (c *multiClient) clientCredentials(ctx context.Context, hc *http.Client) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(testClient, c.clientSecret)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tok tokenJSON
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		return "", errors.New(resp.Status)
	}
	return tok.AccessToken, nil
}
