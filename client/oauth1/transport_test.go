package oauth1_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth1"
)

// closeTracker is a request body that records whether it was closed.
type closeTracker struct {
	io.Reader
	mu     sync.Mutex
	closed bool
}

func (c *closeTracker) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *closeTracker) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func TestTransportLeavesCallerRequestAlone(t *testing.T) {
	p := newProvider()
	defer p.Close()
	cfg := &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: p.secret, Placement: oauth1.URIQuery}
	body := &closeTracker{Reader: strings.NewReader("status=hi")}
	req, _ := http.NewRequest("POST", p.URL+"/echo?a=1", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	got, err := doEcho(cfg.Client(p.issue()), req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if want := (url.Values{"status": {"hi"}}); !reflect.DeepEqual(got.Form, want) {
		t.Errorf("server form = %v, want %v", got.Form, want)
	}
	if req.URL.RawQuery != "a=1" || req.Header.Get("Authorization") != "" {
		t.Errorf("caller's request changed: query %q, Authorization %q", req.URL.RawQuery, req.Header.Get("Authorization"))
	}
	if !body.isClosed() {
		t.Error("caller's body not closed, want closed (RoundTripper contract)")
	}
}

func TestTransportSignsRedirects(t *testing.T) {
	p := newProvider()
	defer p.Close()
	p.withRedirect307()
	cfg := &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: p.secret}
	client := cfg.Client(p.issue())
	tests := []struct {
		name, method, path, body string
		want                     echoed
	}{
		{"302 GET", "GET", "/moved", "",
			echoed{Method: "GET", Query: url.Values{"moved": {"yes"}}, Form: url.Values{}, Placement: "header"}},
		{"307 POST form resent and re-signed", "POST", "/moved307", "status=again",
			echoed{Method: "POST", Query: url.Values{"moved": {"307"}}, Form: url.Values{"status": {"again"}},
				Placement: "header", ContentType: "application/x-www-form-urlencoded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest(tt.method, p.URL+tt.path, body)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			got, err := doEcho(client, req)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("server saw %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTransportRejectsWrongSecret(t *testing.T) {
	p := newProvider()
	defer p.Close()
	tok := p.issue()
	tests := []struct {
		name string
		cfg  *oauth1.Config
		tok  oauth1.Credentials
		want int
	}{
		{"right secrets", &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: p.secret}, tok, http.StatusOK},
		{"wrong client secret", &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: "nope"}, tok, http.StatusUnauthorized},
		{"wrong token secret", &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: p.secret},
			oauth1.Credentials{Token: tok.Token, Secret: "nope"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.cfg.Client(tt.tok).Get(p.URL + "/echo?x=1")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("got status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestTransportSignFailure(t *testing.T) {
	tests := []struct {
		name string
		tr   *oauth1.Transport
		want error
	}{
		{"nil config", &oauth1.Transport{}, oauth1.ErrNilConfig},
		{"no consumer key", &oauth1.Transport{Config: &oauth1.Config{}}, oauth1.ErrMissingConsumerKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &closeTracker{Reader: strings.NewReader("x")}
			req, _ := http.NewRequest("POST", "http://127.0.0.1:1/", body)
			resp, err := tt.tr.RoundTrip(req)
			if resp != nil || !errors.Is(err, tt.want) {
				t.Errorf("RoundTrip = %v, %v; want nil, %v", resp, err, tt.want)
			}
			if !body.isClosed() {
				t.Error("body not closed after a signing failure")
			}
		})
	}
}

func TestClientKeepsHTTPClientSettings(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	base := &http.Client{Timeout: 7 * time.Second, Jar: jar, Transport: http.DefaultTransport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c := (&oauth1.Config{HTTPClient: base}).Client(oauth1.Credentials{Token: "t"})
	tr, ok := c.Transport.(*oauth1.Transport)
	if !ok {
		t.Fatalf("Transport is %T, want *oauth1.Transport", c.Transport)
	}
	if c.Timeout != base.Timeout || c.Jar != base.Jar || c.CheckRedirect == nil || tr.Base != base.Transport || tr.Token.Token != "t" {
		t.Errorf("Client() = %+v with transport %+v, want the base client's settings", c, tr)
	}
	if d := (*oauth1.Config)(nil).Client(oauth1.Credentials{}); d.Timeout != 0 {
		t.Errorf("nil Config Client().Timeout = %v, want 0", d.Timeout)
	}
}

func TestTransportConcurrent(t *testing.T) {
	p := newProvider()
	defer p.Close()
	cfg := &oauth1.Config{ConsumerKey: p.key, ConsumerSecret: p.secret}
	client := cfg.Client(p.issue())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", p.URL+"/echo", strings.NewReader("a=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if _, err := doEcho(client, req); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent request: %v", err)
	}
}
