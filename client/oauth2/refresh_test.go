package oauth2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
)

func TestAutoRefresh(t *testing.T) {
	type update struct {
		tok    *Token
		oldRT  string
		called int
	}
	tests := []struct {
		name        string
		expiresIn   time.Duration
		leeway      time.Duration
		noRefresh   bool // the server rotates no refresh token
		wantRefresh bool
	}{
		{name: "far from expiry", expiresIn: time.Hour, wantRefresh: false},
		{name: "inside default leeway", expiresIn: 59 * time.Second, wantRefresh: true},
		{name: "outside default leeway", expiresIn: 61 * time.Second, wantRefresh: false},
		{name: "expired", expiresIn: -time.Minute, wantRefresh: true},
		{name: "custom leeway", expiresIn: 4 * time.Minute, leeway: 5 * time.Minute, wantRefresh: true},
		{name: "negative leeway", expiresIn: 30 * time.Second, leeway: -1, wantRefresh: false},
		{name: "refresh token kept", expiresIn: time.Second, noRefresh: true, wantRefresh: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.noRefresh = tt.noRefresh
			srv.refresh["rt-old"] = true
			clk := authtest.NewClock(time.Now())
			var u update
			old := &Token{AccessToken: "at-old", TokenType: "Bearer", RefreshToken: "rt-old", Scope: "profile", Expiry: clk.Now().Add(tt.expiresIn)}
			c := clientWithToken(t, srv, clk, old, func(cfg *Config) {
				cfg.RefreshLeeway = tt.leeway
				cfg.UpdateToken = func(_ context.Context, tok *Token, oldRT string) error {
					u.tok, u.oldRT = tok, oldRT
					u.called++
					return nil
				}
			})
			tok, err := c.Token(bg)
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if !tt.wantRefresh {
				if tok != old || srv.calls() != 0 || u.called != 0 {
					t.Fatalf("token %q after %d calls, update called %d times: want the old token untouched", tok.AccessToken, srv.calls(), u.called)
				}
				return
			}
			if tok.AccessToken == "at-old" || srv.calls() != 1 {
				t.Fatalf("token %q after %d token calls, want a new token after 1", tok.AccessToken, srv.calls())
			}
			if f := srv.form(); f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != "rt-old" {
				t.Errorf("refresh form = %v", f)
			}
			if u.called != 1 || u.tok != tok || u.oldRT != "rt-old" {
				t.Errorf("UpdateToken called %d times with %v, %q; want once with the new token and rt-old", u.called, u.tok, u.oldRT)
			}
			wantRT := "rt-1"
			if tt.noRefresh {
				wantRT = "rt-old"
			}
			if tok.RefreshToken != wantRT || tok.Scope != "profile" {
				t.Errorf("refresh token %q scope %q, want %q and the old scope", tok.RefreshToken, tok.Scope, wantRT)
			}
		})
	}
}

func TestConcurrentRefreshRunsOnce(t *testing.T) {
	srv := newAuthServer(t)
	srv.refresh["rt-old"] = true
	srv.tokenDelay = make(chan struct{})
	clk := authtest.NewClock(time.Now())
	var updates sync.Map
	c := clientWithToken(t, srv, clk, &Token{AccessToken: "at-old", RefreshToken: "rt-old", Expiry: clk.Now()}, func(cfg *Config) {
		cfg.UpdateToken = func(_ context.Context, tok *Token, _ string) error {
			updates.Store(tok.AccessToken, true)
			return nil
		}
	})
	const n = 20
	results := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token(bg)
			if err != nil {
				t.Error(err)
				return
			}
			results <- tok.AccessToken
		}()
	}
	for srv.calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others queue behind the renewal
	close(srv.tokenDelay)
	wg.Wait()
	close(results)
	for at := range results {
		if at != "at-1" {
			t.Errorf("a caller got %q, want at-1", at)
		}
	}
	if got := srv.calls(); got != 1 {
		t.Errorf("token endpoint called %d times, want 1", got)
	}
	count := 0
	updates.Range(func(any, any) bool { count++; return true })
	if count != 1 {
		t.Errorf("UpdateToken saw %d tokens, want 1", count)
	}
}

func TestRenewalWaitHonoursContext(t *testing.T) {
	srv := newAuthServer(t)
	srv.refresh["rt-old"] = true
	srv.tokenDelay = make(chan struct{})
	defer close(srv.tokenDelay)
	clk := authtest.NewClock(time.Now())
	c := clientWithToken(t, srv, clk, &Token{AccessToken: "at-old", RefreshToken: "rt-old", Expiry: clk.Now()}, nil)
	go c.Token(bg) // holds the renewal
	for srv.calls() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(bg, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller error = %v, want context.DeadlineExceeded", err)
	}
}

func TestRenewalFailures(t *testing.T) {
	tests := []struct {
		name    string
		tok     *Token
		cc      bool
		updErr  error
		call    func(c *Client) (*Token, error)
		wantErr error
		wantAT  string
	}{
		{name: "no token", tok: nil, call: func(c *Client) (*Token, error) { return c.Token(bg) }, wantErr: ErrNoToken},
		{name: "refresh without token", tok: nil, call: func(c *Client) (*Token, error) { return c.Refresh(bg) }, wantErr: ErrNoToken},
		{name: "expired without refresh token", tok: &Token{AccessToken: "a", Expiry: time.Unix(1, 0)}, call: func(c *Client) (*Token, error) { return c.Token(bg) }, wantErr: ErrTokenExpired},
		{name: "explicit refresh without refresh token", tok: &Token{AccessToken: "a"}, call: func(c *Client) (*Token, error) { return c.Refresh(bg) }, wantErr: ErrNoRefreshToken},
		{name: "update callback fails", tok: &Token{AccessToken: "a", RefreshToken: "rt-old"}, updErr: errors.New("disk full"),
			call: func(c *Client) (*Token, error) { return c.Refresh(bg) }, wantErr: errors.New("disk full"), wantAT: "at-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.refresh["rt-old"] = true
			clk := authtest.NewClock(time.Now())
			c := clientWithToken(t, srv, clk, tt.tok, func(cfg *Config) {
				if tt.updErr != nil {
					cfg.UpdateToken = func(context.Context, *Token, string) error { return tt.updErr }
				}
			})
			_, err := tt.call(c)
			if err == nil || (!errors.Is(err, tt.wantErr) && !strings.Contains(err.Error(), tt.wantErr.Error())) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantAT != "" {
				if cur := c.current(); cur == nil || cur.AccessToken != tt.wantAT {
					t.Errorf("client token = %v, want %s kept despite the callback error", cur, tt.wantAT)
				}
			}
		})
	}
}

func TestRefreshRejected(t *testing.T) {
	srv := newAuthServer(t) // knows no refresh token
	clk := authtest.NewClock(time.Now())
	old := &Token{AccessToken: "at-old", RefreshToken: "rt-revoked", Expiry: clk.Now()}
	c := clientWithToken(t, srv, clk, old, nil)
	_, err := c.Token(bg)
	var oe *Error
	if !errors.As(err, &oe) || oe.Code != grantry.ErrInvalidGrant {
		t.Fatalf("error = %v, want invalid_grant", err)
	}
	if c.current() != old {
		t.Error("a failed refresh replaced the token")
	}
}

func TestScopeOmittedByServer(t *testing.T) {
	tests := []struct {
		name      string
		omit      bool
		params    []Param
		wantSent  string
		wantScope string
	}{
		{name: "narrowed and echoed", params: []Param{SetParam("scope", "read")}, wantSent: "read", wantScope: "read"},
		{name: "narrowed and omitted", omit: true, params: []Param{SetParam("scope", "read")}, wantSent: "read", wantScope: "read"},
		{name: "unchanged and omitted", omit: true, wantSent: "", wantScope: "read write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.refresh["rt-old"] = true
			srv.omitScope = tt.omit
			clk := authtest.NewClock(time.Now())
			c := clientWithToken(t, srv, clk, &Token{AccessToken: "a", RefreshToken: "rt-old", Scope: "read write", Expiry: clk.Now().Add(time.Hour)}, nil)
			tok, err := c.Refresh(bg, tt.params...)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if got := srv.form().Get("scope"); got != tt.wantSent {
				t.Errorf("sent scope %q, want %q", got, tt.wantSent)
			}
			if tok.Scope != tt.wantScope {
				t.Errorf("token scope %q, want %q", tok.Scope, tt.wantScope)
			}
		})
	}
	t.Run("client credentials omitted", func(t *testing.T) {
		srv := newAuthServer(t)
		srv.omitScope = true
		cfg := srv.config()
		cfg.Scopes = []string{"jobs", "reports"}
		tok, err := newClient(t, cfg).ClientCredentials(bg)
		if err != nil || tok.Scope != "jobs reports" {
			t.Errorf("token scope %q (err %v), want the requested jobs reports", tok.Scope, err)
		}
	})
}

func TestClientCredentialsRenewal(t *testing.T) {
	srv := newAuthServer(t)
	srv.expiresIn = 120
	clk := authtest.NewClock(time.Now())
	cfg := srv.config()
	cfg.Now = clk.Now
	cfg.Scopes = []string{"jobs"}
	var updated *Token
	cfg.UpdateToken = func(_ context.Context, tok *Token, old string) error { updated = tok; return nil }
	c := newClient(t, cfg)
	first, err := c.ClientCredentials(bg)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(61 * time.Second)
	second, err := c.Token(bg)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if second == first || srv.calls() != 2 || srv.form().Get("grant_type") != "client_credentials" || srv.form().Get("scope") != "jobs" {
		t.Errorf("renewal: token %q, %d calls, form %v; want a new client credentials token", second.AccessToken, srv.calls(), srv.form())
	}
	if updated != second {
		t.Error("UpdateToken did not see the renewed token")
	}
	// A token set by the caller is not renewed with client credentials.
	c.SetToken(&Token{AccessToken: "manual", Expiry: clk.Now()})
	if _, err := c.Token(bg); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired manual token: error %v, want ErrTokenExpired", err)
	}
}

func TestCloseToExpiryWithoutRefreshToken(t *testing.T) {
	srv := newAuthServer(t)
	clk := authtest.NewClock(time.Now())
	old := &Token{AccessToken: "a", Expiry: clk.Now().Add(10 * time.Second)}
	c := clientWithToken(t, srv, clk, old, nil)
	tok, err := c.Token(bg)
	if err != nil || tok != old {
		t.Errorf("Token = %v, %v; want the still valid token", tok, err)
	}
}

func TestRefreshHooks(t *testing.T) {
	srv := newAuthServer(t)
	srv.refresh["rt-old"] = true
	clk := authtest.NewClock(time.Now())
	var seenResponses []string
	c := clientWithToken(t, srv, clk, &Token{AccessToken: "a", RefreshToken: "rt-old"}, func(cfg *Config) {
		cfg.Hooks.RefreshRequest = func(r *EndpointRequest) error {
			r.Form.Set("client_id", "c1") // a provider that wants it with basic auth
			r.Header.Set("X-Refresh", "yes")
			return nil
		}
		cfg.Hooks.TokenResponse = func(resp *http.Response) error {
			seenResponses = append(seenResponses, "token")
			return nil
		}
		cfg.Hooks.RefreshResponse = func(resp *http.Response) error {
			seenResponses = append(seenResponses, "refresh")
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			// Rewrite the body, so the parsed token shows which body was used.
			fixed := strings.Replace(string(body), `"expires_in"`, `"expires_in_ignored"`, 1)
			resp.Body = io.NopCloser(strings.NewReader(fixed))
			return nil
		}
	})
	tok, err := c.Refresh(bg)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if srv.form().Get("client_id") != "c1" || srv.header().Get("X-Refresh") != "yes" {
		t.Errorf("form %v header %v: the request hook did not apply", srv.form(), srv.header())
	}
	if strings.Join(seenResponses, ",") != "token,refresh" {
		t.Errorf("response hooks ran as %v, want token,refresh", seenResponses)
	}
	if !tok.Expiry.IsZero() || tok.Extra("expires_in_ignored") == nil {
		t.Error("the response hook's body was not the one parsed")
	}

	failing := errors.New("hook refused")
	c2 := clientWithToken(t, srv, clk, &Token{AccessToken: "a", RefreshToken: "rt-1"}, func(cfg *Config) {
		cfg.Hooks.RefreshRequest = func(*EndpointRequest) error { return failing }
	})
	calls := srv.calls()
	if _, err := c2.Refresh(bg); !errors.Is(err, failing) || srv.calls() != calls {
		t.Errorf("error = %v after %d new calls, want the hook's error and no request", err, srv.calls()-calls)
	}
}

func TestTokenResponseHookFixesFormBody(t *testing.T) {
	srv := newAuthServer(t)
	srv.override = func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		io.WriteString(w, "access_token=gho_abc&scope=repo&token_type=bearer")
	}
	cfg := srv.config()
	cfg.Hooks.TokenResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body.Close()
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return err
		}
		js := `{"access_token":"` + v.Get("access_token") + `","token_type":"` + v.Get("token_type") + `","scope":"` + v.Get("scope") + `"}`
		resp.Body = io.NopCloser(strings.NewReader(js))
		return nil
	}
	tok, err := newClient(t, cfg).ClientCredentials(bg)
	if err != nil {
		t.Fatalf("ClientCredentials: %v", err)
	}
	if tok.AccessToken != "gho_abc" || tok.TokenType != "Bearer" || tok.Scope != "repo" {
		t.Errorf("token = %+v, want gho_abc Bearer repo", tok)
	}
	cfg.Hooks.TokenResponse = func(*http.Response) error { return errors.New("cannot fix") }
	if _, err := newClient(t, cfg).ClientCredentials(bg); err == nil || err.Error() != "cannot fix" {
		t.Errorf("error = %v, want the hook's error", err)
	}
}

type ctxKey struct{}

// TestRenewalOutlivesCaller has a server that rotates refresh tokens answer
// only after the caller gave up: the client must keep the rotated token.
func TestRenewalOutlivesCaller(t *testing.T) {
	tests := []struct {
		name string
		call func(c *Client, ctx context.Context) (*Token, error)
	}{
		{name: "Token", call: func(c *Client, ctx context.Context) (*Token, error) { return c.Token(ctx) }},
		{name: "Refresh", call: func(c *Client, ctx context.Context) (*Token, error) { return c.Refresh(ctx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			srv.refresh["rt-old"] = true
			arrived, release, answered := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var first sync.Once
			srv.override = func(w http.ResponseWriter, r *http.Request) {
				held := false
				first.Do(func() { held = true })
				if held {
					close(arrived)
					<-release
					defer close(answered)
				}
				srv.refreshGrant(w, r)
			}
			var mu sync.Mutex
			var updates []string
			clk := authtest.NewClock(time.Now())
			c := clientWithToken(t, srv, clk, &Token{AccessToken: "at-old", RefreshToken: "rt-old", Expiry: clk.Now()}, func(cfg *Config) {
				cfg.UpdateToken = func(ctx context.Context, tok *Token, oldRT string) error {
					_, hasDeadline := ctx.Deadline()
					mu.Lock()
					defer mu.Unlock()
					updates = append(updates, fmt.Sprintf("%s %s<-%s err=%v deadline=%v value=%v",
						tok.AccessToken, tok.RefreshToken, oldRT, ctx.Err(), hasDeadline, ctx.Value(ctxKey{})))
					return nil
				}
			})

			ctx, cancel := context.WithCancel(context.WithValue(bg, ctxKey{}, "v"))
			errc := make(chan error, 1)
			go func() {
				_, err := tt.call(c, ctx)
				errc <- err
			}()
			<-arrived
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Errorf("got error %v from the cancelled call, want context.Canceled", err)
			}
			close(release)
			<-answered

			clk.Advance(2 * time.Hour) // the rotated token is due for renewal too
			tok, err := c.Token(bg)
			if err != nil {
				t.Fatalf("got error %v from the next Token, want a token renewed with rt-1", err)
			}
			if tok.AccessToken != "at-2" || srv.form().Get("refresh_token") != "rt-1" {
				t.Errorf("got %s after refreshing with %q, want at-2 after rt-1", tok.AccessToken, srv.form().Get("refresh_token"))
			}
			mu.Lock()
			defer mu.Unlock()
			want := []string{
				"at-1 rt-1<-rt-old err=<nil> deadline=true value=v",
				"at-2 rt-2<-rt-1 err=<nil> deadline=true value=<nil>",
			}
			if !slices.Equal(updates, want) {
				t.Errorf("got UpdateToken calls %q, want %q", updates, want)
			}
		})
	}
}

func TestRenewalNotStartedAfterCancel(t *testing.T) {
	srv := newAuthServer(t)
	srv.refresh["rt-old"] = true
	clk := authtest.NewClock(time.Now())
	c := clientWithToken(t, srv, clk, &Token{AccessToken: "at-old", RefreshToken: "rt-old", Expiry: clk.Now()}, nil)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := c.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	if n := srv.calls(); n != 0 {
		t.Errorf("got %d token requests, want none", n)
	}
}

func TestRenewalTimeout(t *testing.T) {
	tests := []struct {
		name string
		hc   *http.Client
		want time.Duration
	}{
		{name: "default client", want: DefaultRenewalTimeout},
		{name: "client without timeout", hc: &http.Client{}, want: DefaultRenewalTimeout},
		{name: "client timeout", hc: &http.Client{Timeout: 5 * time.Second}, want: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, Config{HTTPClient: tt.hc})
			if got := c.renewalTimeout(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
