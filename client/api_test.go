package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
)

var bg = context.Background()

// echoed is what the provider's /api/echo/ resource saw.
type echoed struct {
	Method, Path, User string
	Query, Form        url.Values
}

// readEcho returns a function that reads the answer of an API call to
// /api/echo/, for readEcho(t)(app.Get(...)).
func readEcho(t *testing.T) func(*http.Response, error) echoed {
	return func(resp *http.Response, err error) echoed {
		t.Helper()
		if err != nil {
			t.Fatalf("API call: %v", err)
		}
		defer resp.Body.Close()
		var e echoed
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("API call: %s (%v), want 200 with JSON", resp.Status, err)
		}
		return e
	}
}

// apiSetup logs alice in with the app "p" and keeps her token in the
// store the registry's fetch-token function reads.
func apiSetup[C client.Config](t *testing.T, cfg func(*provider) C, clk *authtest.Clock) (*provider, *client.App, *tokenStore, *client.Token) {
	t.Helper()
	store := newTokenStore()
	op, web := loginSetup(t, false, cfg, client.RegistryConfig{FetchToken: store.fetch, UpdateToken: store.update, Now: clk.Now})
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	store.put("p", "alice", login.Token)
	return op, web.reg.App("p"), store, login.Token
}

func TestAPICalls(t *testing.T) {
	_, app, _, tok := apiSetup(t, oauth2Config, authtest.NewClock(time.Now()))
	alice := userRequest("alice")
	form := url.Values{"body": {"hi & bye"}}
	formBody := func() *strings.Reader { return strings.NewReader(form.Encode()) }
	const formType = "application/x-www-form-urlencoded"
	tests := []struct {
		name   string
		call   func() (*http.Response, error)
		method string
		path   string
		query  url.Values
		form   url.Values
	}{
		{"GET", func() (*http.Response, error) { return app.Get(bg, alice, "echo/a?x=1&x=2") },
			"GET", "/api/echo/a", url.Values{"x": {"1", "2"}}, url.Values{}},
		{"GET with a leading slash", func() (*http.Response, error) { return app.Get(bg, alice, "/echo/b") },
			"GET", "/api/echo/b", url.Values{}, url.Values{}},
		{"POST", func() (*http.Response, error) { return app.Post(bg, alice, "echo/c", formType, formBody()) },
			"POST", "/api/echo/c", url.Values{}, form},
		{"PUT", func() (*http.Response, error) { return app.Put(bg, alice, "echo/d", formType, formBody()) },
			"PUT", "/api/echo/d", url.Values{}, form},
		{"DELETE", func() (*http.Response, error) { return app.Delete(bg, alice, "echo/e") },
			"DELETE", "/api/echo/e", url.Values{}, url.Values{}},
		{"Do with a relative URL", func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, "echo/f?y=z", nil)
			return app.Do(bg, tok, req)
		}, "GET", "/api/echo/f", url.Values{"y": {"z"}}, url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := readEcho(t)(tt.call())
			got := []any{e.Method, e.Path, e.User, e.Query, e.Form}
			if want := []any{tt.method, tt.path, "alice", tt.query, tt.form}; !reflect.DeepEqual(got, want) {
				t.Errorf("provider saw %v, want %v", got, want)
			}
		})
	}
}

func TestTokenInQuery(t *testing.T) {
	_, app, _, _ := apiSetup(t, func(op *provider) client.Config {
		c := oauth2Config(op)
		c.TokenPlacement = oauth2.TokenInURI
		return c
	}, authtest.NewClock(time.Now()))
	e := readEcho(t)(app.Get(bg, userRequest("alice"), "echo/q"))
	if e.User != "alice" || e.Query.Get("access_token") == "" {
		t.Errorf("provider saw user %q and query %v, want alice with access_token in the query", e.User, e.Query)
	}
}

func TestAPICallErrors(t *testing.T) {
	op, app, _, tok := apiSetup(t, oauth2Config, authtest.NewClock(time.Now()))
	bare := client.NewRegistry(client.RegistryConfig{})
	noFetch, err := bare.Register("p", oauth2Config(op))
	if err != nil {
		t.Fatal(err)
	}
	noBase := oauth2Config(op)
	noBase.APIBaseURL = ""
	noBaseApp, err := bare.Register("nobase", noBase)
	if err != nil {
		t.Fatal(err)
	}
	failing := oauth2Config(op)
	boom := errors.New("session store down")
	failing.FetchToken = func(context.Context, *http.Request) (*client.Token, error) { return nil, boom }
	failingApp, err := bare.Register("failing", failing)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		call    func() (*http.Response, error)
		wantErr error
	}{
		{"user without a token", func() (*http.Response, error) { return app.Get(bg, userRequest("bob"), "echo/x") }, client.ErrNoToken},
		{"no fetch-token function", func() (*http.Response, error) { return noFetch.Get(bg, userRequest("alice"), "echo/x") }, client.ErrNoToken},
		{"fetch-token fails", func() (*http.Response, error) { return failingApp.Get(bg, userRequest("alice"), "echo/x") }, boom},
		{"absolute URL", func() (*http.Response, error) { return app.Get(bg, userRequest("alice"), "https://evil.example/steal") }, client.ErrPath},
		{"network-path reference", func() (*http.Response, error) { return app.Get(bg, userRequest("alice"), "//evil.example/steal") }, client.ErrPath},
		{"no API base URL", func() (*http.Response, error) { return noBaseApp.Get(bg, userRequest("alice"), "echo/x") }, client.ErrPath},
		{"Do with an OAuth 1.0 token", func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, "echo/x", nil)
			return app.Do(bg, &client.Token{OAuth1: &oauth1.Credentials{Token: "t", Secret: "s"}}, req)
		}, client.ErrNoToken},
		{"Do with a nil token", func() (*http.Response, error) {
			req, _ := http.NewRequest(http.MethodGet, "echo/x", nil)
			return app.Do(bg, nil, req)
		}, client.ErrNoToken},
		{"revoked token", func() (*http.Response, error) {
			op.set(func(p *provider) { delete(p.access, tok.OAuth2.AccessToken) })
			return app.Get(bg, userRequest("alice"), "echo/x")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.call()
			if tt.wantErr == nil {
				if err != nil || resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("got %v, %v; want the provider's 401", resp, err)
				}
				resp.Body.Close()
				return
			}
			if !errors.Is(err, tt.wantErr) || resp != nil {
				t.Errorf("got %v, %v; want error %v", resp, err, tt.wantErr)
			}
		})
	}
}

func TestAppFetchTokenOverridesRegistry(t *testing.T) {
	op := newProvider(false)
	defer op.Close()
	web := newRP(t, client.RegistryConfig{FetchToken: func(context.Context, string, *http.Request) (*client.Token, error) {
		return nil, errors.New("the registry's function was called")
	}})
	var mu sync.Mutex
	var mine *client.Token
	cfg := oauth2Config(op)
	cfg.FetchToken = func(context.Context, *http.Request) (*client.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		return mine, nil
	}
	if _, err := web.reg.Register("p", cfg); err != nil {
		t.Fatal(err)
	}
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	mu.Lock()
	mine = login.Token
	mu.Unlock()
	if e := readEcho(t)(web.reg.App("p").Get(bg, userRequest("alice"), "echo/x")); e.User != "alice" {
		t.Errorf("user %q, want alice", e.User)
	}
}

func TestRefresh(t *testing.T) {
	clk := authtest.NewClock(time.Now())
	op, app, store, tok := apiSetup(t, oauth2Config, clk)
	clk.Advance(time.Hour - 30*time.Second) // within the default leeway of a minute
	e := readEcho(t)(app.Get(bg, userRequest("alice"), "echo/r"))
	updates := store.updated()
	if n := seen(op, func(p *provider) int { return p.refreshes }); e.User != "alice" || len(updates) != 1 || n != 1 {
		t.Fatalf("got user %q, %d updates, %d refreshes; want alice, one update, one refresh", e.User, len(updates), n)
	}
	u := updates[0]
	if u.app != "p" || u.oldRefresh != tok.OAuth2.RefreshToken || u.tok.OAuth2.RefreshToken == tok.OAuth2.RefreshToken ||
		!u.tok.OAuth2.Expiry.Equal(clk.Now().Add(time.Hour)) {
		t.Errorf("update for %s: old refresh %q, new refresh %q, expiry %v; want p, %q, a new one, an hour from now",
			u.app, u.oldRefresh, u.tok.OAuth2.RefreshToken, u.tok.OAuth2.Expiry, tok.OAuth2.RefreshToken)
	}
	readEcho(t)(app.Get(bg, userRequest("alice"), "echo/r"))
	if n := seen(op, func(p *provider) int { return p.refreshes }); n != 1 {
		t.Errorf("the renewed token was renewed again: %d refreshes, want 1", n)
	}

	// A request that still carries the replaced token, sent before the
	// store was updated, gets the renewed one instead of using the
	// rotated refresh token again.
	req, _ := http.NewRequest(http.MethodGet, "echo/late", nil)
	if e := readEcho(t)(app.Do(bg, tok, req)); e.User != "alice" {
		t.Errorf("late request: user %q, want alice", e.User)
	}
	if n := seen(op, func(p *provider) int { return p.refreshes }); n != 1 {
		t.Errorf("late request: %d refreshes, want 1", n)
	}
	// Much later, the replaced token is refused by the provider, which
	// rotated its refresh token.
	clk.Advance(time.Minute)
	req, _ = http.NewRequest(http.MethodGet, "echo/later", nil)
	var oe *oauth2.Error
	if _, err := app.Do(bg, tok, req); !errors.As(err, &oe) || oe.Code != grantry.ErrInvalidGrant {
		t.Errorf("much later with the replaced token: got %v, want invalid_grant", err)
	}
}

func TestConcurrentRefresh(t *testing.T) {
	clk := authtest.NewClock(time.Now())
	op, app, store, _ := apiSetup(t, oauth2Config, clk)
	clk.Advance(2 * time.Hour)
	var wg sync.WaitGroup
	users := make([]string, 10)
	for i := range users {
		wg.Go(func() {
			resp, err := app.Get(bg, userRequest("alice"), "echo/c")
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var e echoed
			json.NewDecoder(resp.Body).Decode(&e)
			users[i] = e.User
		})
	}
	wg.Wait()
	for i, u := range users {
		if u != "alice" {
			t.Errorf("call %d: user %q, want alice", i, u)
		}
	}
	if r, u := seen(op, func(p *provider) int { return p.refreshes }), len(store.updated()); r != 1 || u != 1 {
		t.Errorf("got %d refreshes and %d updates, want 1 and 1", r, u)
	}
}

func TestRefreshFailures(t *testing.T) {
	boom := errors.New("database down")
	tests := []struct {
		name    string
		cfg     func(*client.OAuth2)
		token   func(*client.Token) *client.Token
		setup   func(*provider)
		wantErr error
		wantAPI string
	}{
		{name: "update-token function fails", cfg: func(c *client.OAuth2) {
			c.UpdateToken = func(context.Context, *client.Token, string) error { return boom }
		}, wantErr: boom},
		{name: "refresh refused", setup: func(p *provider) {
			p.onToken = func(f url.Values) error {
				if f.Get("grant_type") == "refresh_token" {
					return errors.New("invalid_grant")
				}
				return nil
			}
		}, wantErr: &oauth2.Error{}},
		{name: "no refresh token", token: func(t *client.Token) *client.Token {
			o := *t.OAuth2
			o.RefreshToken = ""
			return &client.Token{OAuth2: &o}
		}, wantErr: oauth2.ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := authtest.NewClock(time.Now())
			op, app, _, tok := apiSetup(t, func(op *provider) client.Config {
				c := oauth2Config(op)
				if tt.cfg != nil {
					tt.cfg(&c)
				}
				return c
			}, clk)
			if tt.setup != nil {
				op.set(tt.setup)
			}
			if tt.token != nil {
				tok = tt.token(tok)
			}
			clk.Advance(2 * time.Hour)
			req, _ := http.NewRequest(http.MethodGet, "echo/x", nil)
			resp, err := app.Do(bg, tok, req)
			var oe *oauth2.Error
			matched := errors.Is(err, tt.wantErr)
			if _, ok := tt.wantErr.(*oauth2.Error); ok {
				matched = errors.As(err, &oe) && oe.Code == grantry.ErrInvalidGrant
			}
			if !matched || resp != nil {
				t.Errorf("got %v, %v; want error %v", resp, err, tt.wantErr)
			}
		})
	}
}

// TestRenewedTokenKeptWhenUpdateFails checks that a token renewed but
// not stored, because the update-token function failed, still serves the
// requests that carry the token it replaced: its refresh token was
// rotated, and using it again would fail.
func TestRenewedTokenKeptWhenUpdateFails(t *testing.T) {
	clk := authtest.NewClock(time.Now())
	boom := errors.New("database down")
	op, app, _, tok := apiSetup(t, func(op *provider) client.Config {
		c := oauth2Config(op)
		c.UpdateToken = func(context.Context, *client.Token, string) error { return boom }
		return c
	}, clk)
	clk.Advance(2 * time.Hour)
	req, _ := http.NewRequest(http.MethodGet, "echo/x", nil)
	if _, err := app.Do(bg, tok, req); !errors.Is(err, boom) {
		t.Fatalf("the call that renewed: got %v, want the update-token function's error", err)
	}
	if e := readEcho(t)(app.Do(bg, tok, req)); e.User != "alice" {
		t.Errorf("next call: user %q, want alice", e.User)
	}
	if n := seen(op, func(p *provider) int { return p.refreshes }); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// TestAppUpdateTokenOverridesRegistry checks that the app's update-token
// function, not the registry's, hears of a renewal.
func TestAppUpdateTokenOverridesRegistry(t *testing.T) {
	clk := authtest.NewClock(time.Now())
	var got []*client.Token
	var mu sync.Mutex
	op, app, store, _ := apiSetup(t, func(op *provider) client.Config {
		c := oauth2Config(op)
		c.UpdateToken = func(_ context.Context, tok *client.Token, _ string) error {
			mu.Lock()
			got = append(got, tok)
			mu.Unlock()
			return nil
		}
		return c
	}, clk)
	clk.Advance(2 * time.Hour)
	readEcho(t)(app.Get(bg, userRequest("alice"), "echo/x"))
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || len(store.updated()) != 0 || seen(op, func(p *provider) int { return p.refreshes }) != 1 {
		t.Errorf("app function called %d times, registry's %d times; want 1 and 0", len(got), len(store.updated()))
	}
}

func TestOAuth1APICalls(t *testing.T) {
	_, app, _, tok := apiSetup(t, oauth1Config, authtest.NewClock(time.Now()))
	resp, err := app.Get(bg, userRequest("alice"), "account/verify_credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct {
		ScreenName string `json:"screen_name"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || resp.StatusCode != 200 || me.ScreenName != "twitterapi" {
		t.Errorf("GET verify_credentials: %s %+v (%v), want 200 for twitterapi", resp.Status, me, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "account/verify_credentials.json", nil)
	if _, err := app.Do(bg, &client.Token{OAuth2: &oauth2.Token{AccessToken: "x"}}, req); !errors.Is(err, client.ErrNoToken) {
		t.Errorf("Do with an OAuth 2.0 token: got %v, want ErrNoToken", err)
	}
	forged := &client.Token{OAuth1: &oauth1.Credentials{Token: "token-999", Secret: tok.OAuth1.Secret}}
	resp, err = app.Do(bg, forged, req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Do with unknown credentials: got %v, %v; want the provider's 401", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
}
