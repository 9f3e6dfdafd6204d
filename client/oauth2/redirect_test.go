package oauth2

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry"
)

// hopServer is a resource server that redirects on /redirect?to=URL&code=N
// and records, on /record, where each request carried a token.
type hopServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newHopServer(t *testing.T) *hopServer {
	s := &hopServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		s.log("redirect")
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		http.Redirect(w, r, r.URL.Query().Get("to"), code)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/record", func(w http.ResponseWriter, r *http.Request) {
		s.log(tokenCarried(r))
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *hopServer) log(what string) {
	s.mu.Lock()
	s.seen = append(s.seen, what)
	s.mu.Unlock()
}

func (s *hopServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// alias is s's URL with the host name localhost: the same listener, but
// another origin.
func (s *hopServer) alias() string {
	return strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
}

// tokenCarried says where r carried an access token, and its form body.
func tokenCarried(r *http.Request) string {
	found := tokenPlaces(r)
	if r.Method == http.MethodPost {
		found = append(found, "x="+r.PostForm.Get("x"))
	}
	if len(found) == 0 {
		return "none"
	}
	return strings.Join(found, " ")
}

// redirectVia returns the URL of from's /redirect that sends to to.
func redirectVia(from string, code int, to string) string {
	return from + "/redirect?" + url.Values{"to": {to}, "code": {strconv.Itoa(code)}}.Encode()
}

// hopClient returns a client holding a bearer token "tok", placed as p.
func hopClient(t *testing.T, p Placement, hc *http.Client) *Client {
	t.Helper()
	c := newClient(t, Config{ClientID: "c1", TokenEndpoint: "https://as.test/token", TokenPlacement: p, HTTPClient: hc})
	c.SetToken(&Token{AccessToken: "tok", TokenType: "Bearer"})
	return c
}

func hopRequest(t *testing.T, method, target string) *http.Request {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader("x=1")
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

func TestAuthorizedClientRedirects(t *testing.T) {
	tests := []struct {
		name       string
		placement  Placement
		method     string
		target     func(origin, other *hopServer) string
		wantOrigin []string
		wantOther  []string
	}{
		{name: "header, same origin", placement: TokenInHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, origin.URL+"/record") },
			wantOrigin: []string{"redirect", "header:Bearer tok"}},
		{name: "header, other port", placement: TokenInHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, other.URL+"/record") },
			wantOrigin: []string{"redirect"}, wantOther: []string{"none"}},
		{name: "header, other host name", placement: TokenInHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, origin.alias()+"/record") },
			wantOrigin: []string{"redirect", "none"}},
		{name: "query, other port", placement: TokenInURI, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, other.URL+"/record") },
			wantOrigin: []string{"redirect"}, wantOther: []string{"none"}},
		{name: "body 307, same origin", placement: TokenInBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 307, origin.URL+"/record") },
			wantOrigin: []string{"redirect", "body:tok x=1"}},
		{name: "body 307, other port", placement: TokenInBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 307, other.URL+"/record") },
			wantOrigin: []string{"redirect"}, wantOther: []string{"x=1"}},
		{name: "body 308, other host name", placement: TokenInBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 308, origin.alias()+"/record") },
			wantOrigin: []string{"redirect", "x=1"}},
		{name: "away and back", placement: TokenInHeader, method: "GET",
			target: func(origin, other *hopServer) string {
				return redirectVia(origin.URL, 302, redirectVia(other.URL, 302, origin.URL+"/record"))
			},
			wantOrigin: []string{"redirect", "header:Bearer tok"}, wantOther: []string{"redirect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin, other := newHopServer(t), newHopServer(t)
			c := hopClient(t, tt.placement, nil)
			resp, err := c.AuthorizedClient().Do(hopRequest(t, tt.method, tt.target(origin, other)))
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			resp.Body.Close()
			if got := origin.requests(); !slices.Equal(got, tt.wantOrigin) {
				t.Errorf("origin saw %q, want %q", got, tt.wantOrigin)
			}
			if got := other.requests(); !slices.Equal(got, tt.wantOther) {
				t.Errorf("other server saw %q, want %q", got, tt.wantOther)
			}
		})
	}
}

func TestDoRedirects(t *testing.T) {
	tests := []struct {
		name       string
		placement  Placement
		method     string
		target     func(origin, other *hopServer) string
		wantStatus int
		wantOrigin []string
	}{
		{name: "header, same origin", placement: TokenInHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, origin.URL+"/record") },
			wantStatus: 200, wantOrigin: []string{"redirect", "header:Bearer tok"}},
		{name: "header, other port", placement: TokenInHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, other.URL+"/record") },
			wantStatus: 302, wantOrigin: []string{"redirect"}},
		{name: "header, other host name", placement: TokenInHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, origin.alias()+"/record") },
			wantStatus: 302, wantOrigin: []string{"redirect"}},
		{name: "query, other port", placement: TokenInURI, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, other.URL+"/record") },
			wantStatus: 302, wantOrigin: []string{"redirect"}},
		{name: "body 307, same origin", placement: TokenInBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 307, origin.URL+"/record") },
			wantStatus: 200, wantOrigin: []string{"redirect", "body:tok x=1"}},
		{name: "body 307, other port", placement: TokenInBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 307, other.URL+"/record") },
			wantStatus: 307, wantOrigin: []string{"redirect"}},
		{name: "body 308, other host name", placement: TokenInBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 308, origin.alias()+"/record") },
			wantStatus: 308, wantOrigin: []string{"redirect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin, other := newHopServer(t), newHopServer(t)
			c := hopClient(t, tt.placement, nil)
			resp, err := c.Do(bg, hopRequest(t, tt.method, tt.target(origin, other)))
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := origin.requests(); !slices.Equal(got, tt.wantOrigin) {
				t.Errorf("origin saw %q, want %q", got, tt.wantOrigin)
			}
			if got := other.requests(); len(got) != 0 {
				t.Errorf("other server saw %q, want nothing", got)
			}
		})
	}
}

func TestDoRedirectPolicy(t *testing.T) {
	srv := newHopServer(t)
	refuse := errors.New("no redirects here")
	tests := []struct {
		name    string
		check   func(*http.Request, []*http.Request) error
		target  string
		wantErr error
		wantMsg string
	}{
		{name: "default limit", target: srv.URL + "/loop", wantMsg: "stopped after 10 redirects"},
		{name: "caller's policy", target: redirectVia(srv.URL, 302, srv.URL+"/record"),
			check:   func(*http.Request, []*http.Request) error { return refuse },
			wantErr: refuse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hc := &http.Client{CheckRedirect: tt.check}
			_, err := hopClient(t, TokenInHeader, hc).Do(bg, hopRequest(t, "GET", tt.target))
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantMsg)
			}
			if (hc.CheckRedirect == nil) != (tt.check == nil) {
				t.Error("got the caller's CheckRedirect changed, want it left alone")
			}
		})
	}
}

func TestTokenEndpointRedirect(t *testing.T) {
	srv := newAuthServer(t)
	other := newHopServer(t)
	for _, code := range []int{307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			srv.override = func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/record", code)
			}
			cfg := srv.config()
			cfg.AuthMethod = grantry.AuthClientSecretPost
			c := newClient(t, cfg)
			c.SetToken(&Token{AccessToken: "a", RefreshToken: "rt-secret"})
			_, err := c.Refresh(bg)
			var oe *Error
			if !errors.As(err, &oe) || oe.StatusCode != code {
				t.Errorf("got error %v, want an *Error with HTTP %d", err, code)
			}
			if got := other.requests(); len(got) != 0 {
				t.Errorf("other server saw %q, want nothing", got)
			}
		})
	}
}

// failingTransport fails every request with err.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, f.err
}

func TestDoErrorHidesToken(t *testing.T) {
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancel2 := context.WithDeadline(bg, time.Unix(1, 0))
	defer cancel2()
	apiKey := func(r *http.Request, _ *Token) error {
		r.URL.RawQuery += "&api_key=KEY-SECRET"
		return nil
	}
	tests := []struct {
		name      string
		ctx       context.Context
		placement Placement
		hook      func(*http.Request, *Token) error
		transport http.RoundTripper
		wantCause error
		wantURL   string
	}{
		{name: "query, cancelled", ctx: cancelled, placement: TokenInURI, wantCause: context.Canceled,
			wantURL: "https://api.test/items?page=2&access_token=REDACTED"},
		{name: "query, deadline", ctx: expired, placement: TokenInURI, wantCause: context.DeadlineExceeded,
			wantURL: "https://api.test/items?page=2&access_token=REDACTED"},
		{name: "query, transport fails", ctx: bg, placement: TokenInURI, transport: failingTransport{errBoom},
			wantCause: errBoom, wantURL: "https://api.test/items?page=2&access_token=REDACTED"},
		{name: "hook adds to the query", ctx: cancelled, placement: TokenInHeader, hook: apiKey,
			wantCause: context.Canceled, wantURL: "https://api.test/items?page=REDACTED&api_key=REDACTED"},
		{name: "header", ctx: cancelled, placement: TokenInHeader, wantCause: context.Canceled,
			wantURL: "https://api.test/items?page=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, Config{ClientID: "c1", TokenPlacement: tt.placement,
				HTTPClient: &http.Client{Transport: tt.transport}, Hooks: Hooks{ProtectedRequest: tt.hook}})
			c.SetToken(&Token{AccessToken: "AT-SECRET", TokenType: "Bearer"})
			req, _ := http.NewRequest("GET", "https://api.test/items?page=2", nil)
			_, err := c.Do(tt.ctx, req)
			if err == nil {
				t.Fatal("got no error, want one")
			}
			for _, secret := range []string{"AT-SECRET", "KEY-SECRET"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("got error %q, want it without %s", err, secret)
				}
			}
			if !errors.Is(err, tt.wantCause) {
				t.Errorf("got error %v, want one that is %v", err, tt.wantCause)
			}
			var ue *url.Error
			if !errors.As(err, &ue) || ue.URL != tt.wantURL {
				t.Errorf("got *url.Error %+v, want URL %q", ue, tt.wantURL)
			}
		})
	}
}

var errBoom = errors.New("boom")
