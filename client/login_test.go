package client_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authtest"
	"github.com/grantry/grantry/client"
	"github.com/grantry/grantry/client/oauth1"
	"github.com/grantry/grantry/client/oauth2"
)

// oauth2Config is the registration of the client "app" at the provider.
func oauth2Config(op *provider) client.OAuth2 {
	return client.OAuth2{
		Config: oauth2.Config{
			ClientID: "app", ClientSecret: "secret",
			AuthorizationEndpoint: op.URL + "/authorize", TokenEndpoint: op.URL + "/token",
			Scopes: []string{"read:user", "repo"},
		},
		APIBaseURL: op.URL + "/api/",
	}
}

func oauth1Config(op *provider) client.OAuth1 {
	return client.OAuth1{
		Config: oauth1.Config{
			ConsumerKey: "app", ConsumerSecret: "secret",
			Endpoint: oauth1.Endpoint{
				TemporaryCredentialsURL: op.URL + "/oauth/request_token",
				AuthorizationURL:        op.URL + "/oauth/authenticate",
				TokenURL:                op.URL + "/oauth/access_token",
			},
		},
		APIBaseURL: op.URL + "/1.1/",
	}
}

func openIDConfig(op *provider) client.OAuth2 {
	return client.OAuth2{
		Config: oauth2.Config{
			ClientID: "app", ClientSecret: "secret", Scopes: []string{"openid", "email"}, Issuer: op.URL,
		},
		ServerMetadataURL: op.URL + "/.well-known/openid-configuration",
	}
}

// anyConfig turns a function that makes a registration of one protocol
// into one that makes a client.Config.
func anyConfig[C client.Config](f func(*provider) C) func(*provider) client.Config {
	return func(op *provider) client.Config { return f(op) }
}

// loginSetup is a provider, and a web app with a registry that knows it
// as "p".
func loginSetup[C client.Config](t *testing.T, openID bool, cfg func(*provider) C, rc client.RegistryConfig) (*provider, *rp) {
	t.Helper()
	op := newProvider(openID)
	t.Cleanup(op.Close)
	web := newRP(t, rc)
	if _, err := web.reg.Register("p", cfg(op)); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return op, web
}

// startLogin starts a login in b and returns the callback URL the
// provider sends b to, without visiting it.
func (p *rp) startLogin(t *testing.T, b *browser, name string) string {
	t.Helper()
	b.CheckRedirect = stopAt(p.redirectURI(name))
	defer func() { b.CheckRedirect = nil }()
	resp, err := b.Get(p.URL + "/login/" + name)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, p.redirectURI(name)) {
		t.Fatalf("login: got %s to %q, want a redirect to the callback", resp.Status, loc)
	}
	return loc
}

// finish visits the callback URL in b and returns what the callback got.
func (p *rp) finish(t *testing.T, b *browser, callback string) result {
	t.Helper()
	b.visit(t, callback)
	select {
	case res := <-p.results:
		return res
	default:
		t.Fatal("the callback did not run")
		return result{}
	}
}

// withQuery returns u with its query parameter name set to value.
func withQuery(t *testing.T, u, name, value string) string {
	t.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	q.Set(name, value)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// loginCookieName is the name of the default store's cookie for the login
// of app whose OAuth 2.0 state, or OAuth 1.0 temporary credentials
// identifier, is key.
func loginCookieName(app, key string) string {
	sum := sha256.Sum256([]byte(key))
	return client.CookiePrefix + app + "_" + base64.RawURLEncoding.EncodeToString(sum[:12])
}

func TestOAuth2Login(t *testing.T) {
	op, web := loginSetup(t, false, func(op *provider) client.Config {
		c := oauth2Config(op)
		c.AuthorizationParams = url.Values{"allow_signup": {"false"}}
		c.TokenParams = url.Values{"audience": {"api"}}
		return c
	}, client.RegistryConfig{})
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	if login.IDToken != nil || login.Token.OAuth1 != nil || login.Token.OAuth2.AccessToken == "" || login.Token.OAuth2.RefreshToken == "" {
		t.Errorf("got %+v, want an OAuth 2.0 token with a refresh token and no ID token", login)
	}
	q := seen(op, func(p *provider) url.Values { return p.lastAuthorize })
	checks := map[string]bool{
		"response_type=code":          q.Get("response_type") == "code",
		"client_id=app":               q.Get("client_id") == "app",
		"redirect_uri is the app's":   q.Get("redirect_uri") == web.redirectURI("p"),
		"scope":                       q.Get("scope") == "read:user repo",
		"state of 256 bits":           len(q.Get("state")) >= 43,
		"S256 challenge":              q.Get("code_challenge_method") == "S256" && len(q.Get("code_challenge")) == 43,
		"authorize params":            q.Get("allow_signup") == "false",
		"no nonce":                    !q.Has("nonce"),
		"verifier sent":               len(seen(op, func(p *provider) string { return p.lastToken.Get("code_verifier") })) == 43,
		"redirect_uri sent again":     seen(op, func(p *provider) string { return p.lastToken.Get("redirect_uri") }) == web.redirectURI("p"),
		"access token params sent":    seen(op, func(p *provider) string { return p.lastToken.Get("audience") }) == "api",
		"scope of the token response": login.Token.OAuth2.Scope == "read:user repo",
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s: not so (authorization request %v)", what, q)
		}
	}
}

func TestAuthorizeRedirect(t *testing.T) {
	op := newProvider(false)
	defer op.Close()
	reg := client.NewRegistry(client.RegistryConfig{})
	app, err := reg.Register("p", oauth2Config(op))
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := app.AuthorizeRedirect(w, httptest.NewRequest("GET", "/login", nil), "https://app.example/auth/cb?x=1"); err != nil {
		t.Fatalf("AuthorizeRedirect: %v", err)
	}
	resp := w.Result()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), op.URL+"/authorize?") ||
		resp.Header.Get("Cache-Control") != "no-store" || len(cookies) != 2 {
		t.Fatalf("got %s to %q, Cache-Control %q, %d cookies; want 302 to the provider, no-store, two cookies",
			resp.Status, resp.Header.Get("Location"), resp.Header.Get("Cache-Control"), len(cookies))
	}
	to, _ := url.Parse(resp.Header.Get("Location"))
	names := []string{"__Host-" + client.BrowserCookie, "__Host-" + loginCookieName("p", to.Query().Get("state"))}
	for i, c := range cookies {
		if c.Name != names[i] || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %+v, want %s, Secure, HttpOnly, SameSite=Lax, on /, no Domain", c, names[i])
		}
	}

	for _, bad := range []string{"", "/cb", "cb", "//app.example/cb", "https://app.example/cb#f", "http://app.example/cb", "ftp://app.example/cb", "https://app.example/%zz", "https://app.example/cb#", "https://u@app.example/cb"} {
		t.Run(bad, func(t *testing.T) {
			w := httptest.NewRecorder()
			err := app.AuthorizeRedirect(w, httptest.NewRequest("GET", "/login", nil), bad)
			if !errors.Is(err, client.ErrRedirectURI) || len(w.Header()) != 0 || w.Body.Len() != 0 {
				t.Errorf("got %v with headers %v, want ErrRedirectURI and nothing written", err, w.Header())
			}
		})
	}
}

func TestCallbackRefusals(t *testing.T) {
	clk := authtest.NewClock(time.Now())
	op, web := loginSetup(t, false, oauth2Config, client.RegistryConfig{Now: clk.Now})
	tests := []struct {
		name  string
		setup func(p *provider)
		// run starts and ends a login, as an attacker or a slow user
		// would, and returns what the callback got.
		run     func(t *testing.T) result
		wantErr error
	}{
		{name: "no state cookie", wantErr: client.ErrStateMissing, run: func(t *testing.T) result {
			callback := web.startLogin(t, newBrowser(t, nil), "p")
			return web.finish(t, newBrowser(t, nil), callback)
		}},
		{name: "callback replayed", wantErr: client.ErrStateMissing, run: func(t *testing.T) result {
			b := newBrowser(t, nil)
			callback := web.startLogin(t, b, "p")
			if res := web.finish(t, b, callback); res.err != nil {
				t.Fatalf("first callback: %v", res.err)
			}
			return web.finish(t, b, callback)
		}},
		{name: "callback replayed while another login is pending", wantErr: client.ErrStateMismatch, run: func(t *testing.T) result {
			b := newBrowser(t, nil)
			first := web.startLogin(t, b, "p")
			web.startLogin(t, b, "p")
			if res := web.finish(t, b, first); res.err != nil {
				t.Fatalf("first callback: %v", res.err)
			}
			return web.finish(t, b, first)
		}},
		{name: "state changed", wantErr: client.ErrStateMismatch, run: func(t *testing.T) result {
			b := newBrowser(t, nil)
			callback := web.startLogin(t, b, "p")
			return web.finish(t, b, withQuery(t, callback, "state", "forged"))
		}},
		{name: "state missing", wantErr: client.ErrStateMismatch, run: func(t *testing.T) result {
			b := newBrowser(t, nil)
			callback := web.startLogin(t, b, "p")
			return web.finish(t, b, withQuery(t, callback, "state", ""))
		}},
		{name: "login cookie planted in another user agent", wantErr: client.ErrStateMismatch, run: func(t *testing.T) result {
			attacker, victim := newBrowser(t, nil), newBrowser(t, nil)
			callback := web.startLogin(t, attacker, "p")
			web.startLogin(t, victim, "p")
			u, _ := url.Parse(web.URL)
			var planted []*http.Cookie
			for _, ck := range attacker.Jar.Cookies(u) {
				if strings.HasPrefix(ck.Name, client.CookiePrefix) {
					planted = append(planted, ck)
				}
			}
			victim.Jar.SetCookies(u, planted)
			return web.finish(t, victim, callback)
		}},
		{name: "another user agent's callback", wantErr: client.ErrStateMismatch, run: func(t *testing.T) result {
			attacker, victim := newBrowser(t, nil), newBrowser(t, nil)
			callback := web.startLogin(t, attacker, "p")
			web.startLogin(t, victim, "p")
			return web.finish(t, victim, callback)
		}},
		{name: "too slow", wantErr: client.ErrStateExpired, run: func(t *testing.T) result {
			b := newBrowser(t, nil)
			callback := web.startLogin(t, b, "p")
			clk.Advance(client.DefaultStateLifetime + time.Second)
			defer clk.Advance(-client.DefaultStateLifetime - time.Second)
			return web.finish(t, b, callback)
		}},
		{name: "refusal with another state", wantErr: client.ErrStateMismatch, setup: func(p *provider) { p.deny = "access_denied" }, run: func(t *testing.T) result {
			b := newBrowser(t, nil)
			callback := web.startLogin(t, b, "p")
			return web.finish(t, b, withQuery(t, callback, "state", "forged"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.set(func(p *provider) { p.deny = "" })
			if tt.setup != nil {
				op.set(tt.setup)
			}
			res := tt.run(t)
			var pe *client.ProviderError
			if !errors.Is(res.err, tt.wantErr) || errors.As(res.err, &pe) || res.login != nil {
				t.Errorf("got %v, %v; want error %v", res.login, res.err, tt.wantErr)
			}
		})
	}
}

func TestProviderRefusals(t *testing.T) {
	op, web := loginSetup(t, false, oauth2Config, client.RegistryConfig{})
	t.Run("at the authorization endpoint", func(t *testing.T) {
		op.set(func(p *provider) { p.deny = "access_denied" })
		defer op.set(func(p *provider) { p.deny = "" })
		res := web.logIn(t, newBrowser(t, nil), "p")
		var pe *client.ProviderError
		var oe *oauth2.Error
		if !errors.As(res.err, &pe) || pe.Code != grantry.ErrAccessDenied || pe.Description != "alice said no" || !errors.As(res.err, &oe) ||
			!errors.Is(res.err, grantry.ErrAccessDenied) {
			t.Errorf("got %v, want a *ProviderError access_denied: alice said no, wrapping an *oauth2.Error", res.err)
		}
	})
	t.Run("at the token endpoint", func(t *testing.T) {
		op.set(func(p *provider) { p.onToken = func(url.Values) error { return errors.New("invalid_grant") } })
		defer op.set(func(p *provider) { p.onToken = nil })
		res := web.logIn(t, newBrowser(t, nil), "p")
		var oe *oauth2.Error
		var pe *client.ProviderError
		if !errors.As(res.err, &oe) || oe.Code != "invalid_grant" || oe.StatusCode != 400 || errors.As(res.err, &pe) {
			t.Errorf("got %v, want an *oauth2.Error invalid_grant with HTTP 400", res.err)
		}
	})
}

func TestOAuth1Login(t *testing.T) {
	op, web := loginSetup(t, false, func(op *provider) client.Config {
		c := oauth1Config(op)
		c.TemporaryCredentialsParams = url.Values{"x_auth_access_type": {"read"}}
		c.AuthorizationParams = url.Values{"force_login": {"true"}}
		return c
	}, client.RegistryConfig{})
	login := web.mustLogIn(t, newBrowser(t, nil), "p")
	tok := login.Token.OAuth1
	if tok == nil || tok.Token == "" || tok.Secret == "" || tok.Extra.Get("screen_name") != "twitterapi" || login.Token.OAuth2 != nil {
		t.Errorf("got token %+v, want token credentials with screen_name twitterapi", login.Token)
	}
	if q := seen(op, func(p *provider) url.Values { return p.lastInitiate }); q.Get("x_auth_access_type") != "read" {
		t.Errorf("temporary credentials request query %v, want x_auth_access_type=read", q)
	}
	if q := seen(op, func(p *provider) url.Values { return p.lastAuthorize }); q.Get("force_login") != "true" {
		t.Errorf("authorization request %v, want force_login=true", q)
	}

	tests := []struct {
		name     string
		deny     bool
		change   func(t *testing.T, callback string) string
		wantErr  error
		provider bool
	}{
		{name: "denied", deny: true, wantErr: oauth1.ErrAuthorizationDenied, provider: true},
		{name: "denied for other credentials", deny: true, change: func(t *testing.T, cb string) string {
			return withQuery(t, cb, "denied", "temp-other")
		}, wantErr: client.ErrStateMismatch},
		{name: "other credentials", change: func(t *testing.T, cb string) string {
			return withQuery(t, cb, "oauth_token", "temp-other")
		}, wantErr: client.ErrStateMismatch},
		{name: "refusal naming no credentials", deny: true, change: func(t *testing.T, cb string) string {
			u, err := url.Parse(cb)
			if err != nil {
				t.Fatal(err)
			}
			u.RawQuery = "error=access_denied" // as Authlib refuses
			return u.String()
		}, wantErr: oauth1.ErrAuthorizationDenied, provider: true},
		{name: "no verifier", change: func(t *testing.T, cb string) string {
			return withQuery(t, cb, "oauth_verifier", "")
		}, wantErr: oauth1.ErrMissingParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op.set(func(p *provider) {
				p.deny = ""
				if tt.deny {
					p.deny = "yes"
				}
			})
			b := newBrowser(t, nil)
			callback := web.startLogin(t, b, "p")
			if tt.change != nil {
				callback = tt.change(t, callback)
			}
			res := web.finish(t, b, callback)
			var pe *client.ProviderError
			if !errors.Is(res.err, tt.wantErr) || errors.As(res.err, &pe) != tt.provider {
				t.Errorf("got %v, want error %v (a *ProviderError: %v)", res.err, tt.wantErr, tt.provider)
			}
			if tt.provider && (pe.Code != grantry.ErrAccessDenied || !errors.Is(res.err, grantry.ErrAccessDenied)) {
				t.Errorf("ProviderError code %q, want access_denied", pe.Code)
			}
		})
	}
}

// TestParallelLogins starts two logins with one app in one user agent, as
// two tabs or a double click do, and completes both.
func TestParallelLogins(t *testing.T) {
	protocols := []struct {
		name   string
		openID bool
		cfg    func(*provider) client.Config
		key    string // the query parameter that names the login
	}{
		{"OAuth 2.0", false, anyConfig(oauth2Config), "state"},
		{"OpenID Connect", true, anyConfig(openIDConfig), "state"},
		{"OAuth 1.0", false, anyConfig(oauth1Config), "oauth_token"},
	}
	orders := []struct {
		name  string
		order []int
		stray bool // a callback of no pending login comes first
	}{
		{"in the order started", []int{0, 1}, false},
		{"in the reverse order", []int{1, 0}, false},
		{"after a stray callback", []int{1, 0}, true},
	}
	for _, p := range protocols {
		_, web := loginSetup(t, p.openID, p.cfg, client.RegistryConfig{})
		for _, o := range orders {
			t.Run(p.name+"/"+o.name, func(t *testing.T) {
				b := newBrowser(t, nil)
				callbacks := []string{web.startLogin(t, b, "p"), web.startLogin(t, b, "p")}
				if callbacks[0] == callbacks[1] {
					t.Fatalf("both logins came back to %s", callbacks[0])
				}
				if o.stray {
					res := web.finish(t, b, withQuery(t, callbacks[0], p.key, "stray"))
					if !errors.Is(res.err, client.ErrStateMismatch) {
						t.Fatalf("stray callback: got %v, want ErrStateMismatch", res.err)
					}
				}
				var tokens []*client.Token
				for _, i := range o.order {
					res := web.finish(t, b, callbacks[i])
					if res.err != nil {
						t.Fatalf("callback of login %d: %v", i+1, res.err)
					}
					tokens = append(tokens, res.login.Token)
				}
				if p.openID && (tokens[0].Subject != "alice" || tokens[1].Subject != "alice") {
					t.Errorf("subjects %q and %q, want alice twice", tokens[0].Subject, tokens[1].Subject)
				}
				if res := web.finish(t, b, callbacks[0]); !errors.Is(res.err, client.ErrStateMissing) {
					t.Errorf("callback replayed once both are done: got %v, want ErrStateMissing", res.err)
				}
			})
		}
	}
}

// TestComplianceFix logs in with a provider whose token responses have no
// token_type, which RFC 6749 §5.1 requires: the fix supplies it.
func TestComplianceFix(t *testing.T) {
	op := newProvider(false)
	defer op.Close()
	op.set(func(p *provider) { p.tokenFilter = func(r map[string]any) { delete(r, "token_type") } })
	web := newRP(t, client.RegistryConfig{})
	plain := oauth2Config(op)
	fixed := oauth2Config(op)
	fixed.ComplianceFix = func(c *oauth2.Config) {
		c.Hooks.TokenResponse = func(resp *http.Response) error {
			var tok map[string]any
			if err := jsonDecode(resp, &tok); err != nil {
				return err
			}
			tok["token_type"] = "Bearer"
			return jsonEncode(resp, tok)
		}
	}
	for name, cfg := range map[string]client.OAuth2{"plain": plain, "fixed": fixed} {
		if _, err := web.reg.Register(name, cfg); err != nil {
			t.Fatal(err)
		}
	}
	if res := web.logIn(t, newBrowser(t, nil), "plain"); !errors.Is(res.err, oauth2.ErrTokenResponse) {
		t.Errorf("without the fix: got %v, want oauth2.ErrTokenResponse", res.err)
	}
	if login := web.mustLogIn(t, newBrowser(t, nil), "fixed"); login.Token.OAuth2.TokenType != "Bearer" {
		t.Errorf("with the fix: token type %q, want Bearer", login.Token.OAuth2.TokenType)
	}
}

// jsonDecode reads a response body as JSON and closes it.
func jsonDecode(resp *http.Response, v any) error {
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// jsonEncode replaces a response body with v in JSON.
func jsonEncode(resp *http.Response, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return nil
}
