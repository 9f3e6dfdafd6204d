package oauth1_test

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

	"github.com/grantry/grantry/client/oauth1"
)

const (
	consumerSecret = "CONSUMER-SECRET"
	tokenSecret    = "TOKEN-SECRET"
)

// hopServer redirects on /redirect?to=URL&code=N, answers credentials
// requests on /credentials, and records on both whether each request was
// signed.
type hopServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string
}

func newHopServer(t *testing.T) *hopServer {
	s := &hopServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		s.record(r, "redirect")
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		http.Redirect(w, r, r.URL.Query().Get("to"), code)
	})
	mux.HandleFunc("/record", func(w http.ResponseWriter, r *http.Request) {
		s.record(r, "record")
	})
	mux.HandleFunc("/credentials", func(w http.ResponseWriter, r *http.Request) {
		s.record(r, "credentials")
		io.WriteString(w, "oauth_token=a&oauth_token_secret=b")
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// record notes the route, whether r carried protocol parameters, and the
// status form parameter of a POST; a request that shows a shared secret
// anywhere is noted as a leak.
func (s *hopServer) record(r *http.Request, route string) {
	body, _ := io.ReadAll(r.Body)
	raw := r.Header.Get("Authorization") + " " + r.URL.RawQuery + " " + string(body)
	what := route + " unsigned"
	switch {
	case strings.Contains(raw, consumerSecret) && !strings.Contains(raw, "oauth_signature"):
		what = route + " leak"
	case strings.Contains(raw, "oauth_signature"):
		what = route + " signed"
	}
	if r.Method == http.MethodPost {
		form, _ := url.ParseQuery(string(body))
		what += " status=" + form.Get("status")
	}
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

func redirectVia(from string, code int, to string) string {
	return from + "/redirect?" + url.Values{"to": {to}, "code": {strconv.Itoa(code)}}.Encode()
}

// plaintextConfig signs with PLAINTEXT, whose signature is the two shared
// secrets, over the test servers' plain http.
func plaintextConfig(p oauth1.Placement) *oauth1.Config {
	return &oauth1.Config{ConsumerKey: "ck", ConsumerSecret: consumerSecret, SignatureMethod: oauth1.Plaintext,
		Placement: p, InsecurePlaintextOverHTTP: true}
}

func TestTransportRedirectOrigins(t *testing.T) {
	tests := []struct {
		name       string
		placement  oauth1.Placement
		method     string
		target     func(origin, other *hopServer) string
		wantOrigin []string
		wantOther  []string
	}{
		{name: "header, same origin", placement: oauth1.AuthHeader, method: "GET",
			target:     func(origin, _ *hopServer) string { return redirectVia(origin.URL, 302, origin.URL+"/record") },
			wantOrigin: []string{"redirect signed", "record signed"}},
		{name: "header, other port", placement: oauth1.AuthHeader, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, other.URL+"/record") },
			wantOrigin: []string{"redirect signed"}, wantOther: []string{"record unsigned"}},
		{name: "header, other host name", placement: oauth1.AuthHeader, method: "GET",
			target:     func(origin, _ *hopServer) string { return redirectVia(origin.URL, 302, origin.alias()+"/record") },
			wantOrigin: []string{"redirect signed", "record unsigned"}},
		{name: "query, other port", placement: oauth1.URIQuery, method: "GET",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 302, other.URL+"/record") },
			wantOrigin: []string{"redirect signed"}, wantOther: []string{"record unsigned"}},
		{name: "body 307, same origin", placement: oauth1.FormBody, method: "POST",
			target:     func(origin, _ *hopServer) string { return redirectVia(origin.URL, 307, origin.URL+"/record") },
			wantOrigin: []string{"redirect signed status=hi", "record signed status=hi"}},
		{name: "body 307, other port", placement: oauth1.FormBody, method: "POST",
			target:     func(origin, other *hopServer) string { return redirectVia(origin.URL, 307, other.URL+"/record") },
			wantOrigin: []string{"redirect signed status=hi"}, wantOther: []string{"record unsigned status=hi"}},
		{name: "header 308, other host name", placement: oauth1.AuthHeader, method: "POST",
			target:     func(origin, _ *hopServer) string { return redirectVia(origin.URL, 308, origin.alias()+"/record") },
			wantOrigin: []string{"redirect signed status=hi", "record unsigned status=hi"}},
		{name: "away and back", placement: oauth1.AuthHeader, method: "GET",
			target: func(origin, other *hopServer) string {
				return redirectVia(origin.URL, 302, redirectVia(other.URL, 302, origin.URL+"/record"))
			},
			wantOrigin: []string{"redirect signed", "record signed"}, wantOther: []string{"redirect unsigned"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin, other := newHopServer(t), newHopServer(t)
			var body io.Reader
			if tt.method == http.MethodPost {
				body = strings.NewReader("status=hi")
			}
			req, _ := http.NewRequest(tt.method, tt.target(origin, other), body)
			if body != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			client := plaintextConfig(tt.placement).Client(oauth1.Credentials{Token: "tok", Secret: tokenSecret})
			resp, err := client.Do(req)
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

func TestCredentialsRequestRedirect(t *testing.T) {
	tests := []struct {
		name       string
		placement  oauth1.Placement
		code       int
		sameOrigin bool
		wantOrigin []string
	}{
		{name: "302 header, other port", placement: oauth1.AuthHeader, code: 302, wantOrigin: []string{"redirect signed status="}},
		{name: "307 header, other port", placement: oauth1.AuthHeader, code: 307, wantOrigin: []string{"redirect signed status="}},
		{name: "307 body, other port", placement: oauth1.FormBody, code: 307, wantOrigin: []string{"redirect signed status="}},
		{name: "308 query, other port", placement: oauth1.URIQuery, code: 308, wantOrigin: []string{"redirect signed status="}},
		{name: "307 body, same origin", placement: oauth1.FormBody, code: 307, sameOrigin: true,
			wantOrigin: []string{"redirect signed status=", "credentials signed status="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin, other := newHopServer(t), newHopServer(t)
			to := other.URL + "/credentials"
			if tt.sameOrigin {
				to = origin.URL + "/credentials"
			}
			cfg := plaintextConfig(tt.placement)
			cfg.Endpoint.TokenURL = redirectVia(origin.URL, tt.code, to)
			tok, err := cfg.RequestTokenCredentials(context.Background(), oauth1.Credentials{Token: "t", Secret: tokenSecret}, "v")
			if tt.sameOrigin {
				if err != nil || tok.Token != "a" {
					t.Errorf("got %+v, %v; want token a from the redirect target", tok, err)
				}
			} else {
				var re *oauth1.ResponseError
				if !errors.As(err, &re) || re.StatusCode != tt.code || !errors.Is(err, oauth1.ErrUnexpectedStatus) {
					t.Errorf("got error %v, want a *ResponseError for HTTP %d", err, tt.code)
				}
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

// failingTransport fails every request with err.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		r.Body.Close()
	}
	return nil, f.err
}

func TestCredentialsErrorHidesSecrets(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	temp := oauth1.Credentials{Token: "TEMP-TOKEN", Secret: tokenSecret}
	tests := []struct {
		name      string
		ctx       context.Context
		transport http.RoundTripper
		token     bool // the token credentials request rather than the temporary one
		wantCause error
		wantURL   []string // in the error's URL
	}{
		{name: "temporary, cancelled", ctx: cancelled, wantCause: context.Canceled,
			wantURL: []string{"https://as.test/initiate?x=1&", "oauth_consumer_key=ck", "oauth_signature=REDACTED"}},
		{name: "token, cancelled", ctx: cancelled, token: true, wantCause: context.Canceled,
			wantURL: []string{"oauth_token=REDACTED", "oauth_verifier=REDACTED", "oauth_signature=REDACTED"}},
		{name: "token, deadline", ctx: expired, token: true, wantCause: context.DeadlineExceeded,
			wantURL: []string{"oauth_token=REDACTED", "oauth_verifier=REDACTED", "oauth_signature=REDACTED"}},
		{name: "token, transport fails", ctx: context.Background(), transport: failingTransport{errBroken}, token: true,
			wantCause: errBroken, wantURL: []string{"oauth_signature=REDACTED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &oauth1.Config{ConsumerKey: "ck", ConsumerSecret: consumerSecret, SignatureMethod: oauth1.Plaintext,
				Placement: oauth1.URIQuery, HTTPClient: &http.Client{Transport: tt.transport},
				Endpoint: oauth1.Endpoint{TemporaryCredentialsURL: "https://as.test/initiate?x=1", TokenURL: "https://as.test/token"}}
			var err error
			if tt.token {
				_, err = cfg.RequestTokenCredentials(tt.ctx, temp, "VERIFIER-1")
			} else {
				_, err = cfg.RequestTemporaryCredentials(tt.ctx)
			}
			if err == nil {
				t.Fatal("got no error, want one")
			}
			for _, secret := range []string{consumerSecret, tokenSecret, "TEMP-TOKEN", "VERIFIER-1"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("got error %q, want it without %s", err, secret)
				}
			}
			if !errors.Is(err, tt.wantCause) {
				t.Errorf("got error %v, want one that is %v", err, tt.wantCause)
			}
			var ue *url.Error
			if !errors.As(err, &ue) {
				t.Fatalf("got error %v, want a *url.Error in its chain", err)
			}
			for _, want := range tt.wantURL {
				if !strings.Contains(ue.URL, want) {
					t.Errorf("got URL %q, want it to contain %q", ue.URL, want)
				}
			}
		})
	}
}
