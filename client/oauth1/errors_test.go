package oauth1_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/client/oauth1"
)

var errBroken = errors.New("broken")

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, errBroken }

// brokenSigner has an RSA public key but cannot sign.
type brokenSigner struct{ crypto.Signer }

func (brokenSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, errBroken }

// TestSignErrors covers every way Sign refuses a Config or a request.
func TestSignErrors(t *testing.T) {
	rsaKey := loadRSAKey(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ok := oauth1.Config{ConsumerKey: "k", ConsumerSecret: "s"}
	with := func(f func(*oauth1.Config)) *oauth1.Config { c := ok; f(&c); return &c }
	get := func(u string) func() *http.Request {
		return func() *http.Request { r, _ := http.NewRequest("GET", u, nil); return r }
	}
	post := func(u, ctype string, body io.Reader) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest("POST", u, body)
			r.Header.Set("Content-Type", ctype)
			return r
		}
	}
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		cfg  *oauth1.Config
		req  func() *http.Request
		want error
	}{
		{"nil config", nil, get("https://a.test/"), oauth1.ErrNilConfig},
		{"nil request", &ok, func() *http.Request { return nil }, oauth1.ErrInvalidURL},
		{"nil URL", &ok, func() *http.Request { return &http.Request{} }, oauth1.ErrInvalidURL},
		{"no consumer key", &oauth1.Config{}, get("https://a.test/"), oauth1.ErrMissingConsumerKey},
		{"unknown placement", with(func(c *oauth1.Config) { c.Placement = 7 }), get("https://a.test/"), oauth1.ErrUnsupportedPlacement},
		{"negative placement", with(func(c *oauth1.Config) { c.Placement = -1 }), get("https://a.test/"), oauth1.ErrUnsupportedPlacement},
		{"realm with newline", with(func(c *oauth1.Config) { c.Realm = "a\r\nX-Evil: 1" }), get("https://a.test/"), oauth1.ErrInvalidRealm},
		{"opaque URL", &ok, func() *http.Request {
			return &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Opaque: "//a.test/x"}}
		}, oauth1.ErrInvalidURL},
		{"ftp scheme", &ok, get("ftp://a.test/"), oauth1.ErrInvalidURL},
		{"no host", &ok, func() *http.Request {
			return &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Path: "/"}}
		}, oauth1.ErrInvalidURL},
		{"unknown method", with(func(c *oauth1.Config) { c.SignatureMethod = "HMAC-MD5" }), get("https://a.test/"), oauth1.ErrUnsupportedMethod},
		{"RSA-SHA1 without signer", with(func(c *oauth1.Config) { c.SignatureMethod = oauth1.RSASHA1 }), get("https://a.test/"), oauth1.ErrMissingSigner},
		{"RSA-SHA1 with ECDSA key", with(func(c *oauth1.Config) { c.SignatureMethod, c.Signer = oauth1.RSASHA1, ecKey }), get("https://a.test/"), oauth1.ErrNotRSAKey},
		{"RSA-SHA1 signer fails", with(func(c *oauth1.Config) { c.SignatureMethod, c.Signer = oauth1.RSASHA1, brokenSigner{rsaKey} }), get("https://a.test/"), errBroken},
		{"PLAINTEXT over http", with(func(c *oauth1.Config) { c.SignatureMethod = oauth1.Plaintext }), get("http://a.test/"), oauth1.ErrInsecurePlaintext},
		{"body placement on GET", with(func(c *oauth1.Config) { c.Placement = oauth1.FormBody }), get("https://a.test/"), oauth1.ErrBodyPlacement},
		{"body placement on HEAD", with(func(c *oauth1.Config) { c.Placement = oauth1.FormBody }), func() *http.Request {
			r, _ := http.NewRequest("HEAD", "https://a.test/", nil)
			return r
		}, oauth1.ErrBodyPlacement},
		{"body placement, json body", with(func(c *oauth1.Config) { c.Placement = oauth1.FormBody }),
			post("https://a.test/", "application/json", strings.NewReader("{}")), oauth1.ErrBodyPlacement},
		{"body read fails", &ok, post("https://a.test/", form, brokenReader{}), errBroken},
		{"bad escape in query", &ok, get("https://a.test/?a=%zz"), oauth1.ErrInvalidEncoding},
		{"bad escape in form body", &ok, post("https://a.test/", form, strings.NewReader("a=%G1")), oauth1.ErrInvalidEncoding},
		{"oauth_ parameter in query", &ok, get("https://a.test/?oauth_token=x"), oauth1.ErrReservedParameter},
		{"oauth_ parameter in form body", &ok, post("https://a.test/", form, strings.NewReader("oauth_signature=x")), oauth1.ErrReservedParameter},
		{"clock before 1970", with(func(c *oauth1.Config) { c.Now = func() time.Time { return time.Unix(-5, 0) } }), get("https://a.test/"), oauth1.ErrInvalidTimestamp},
		{"clock at zero", with(func(c *oauth1.Config) { c.Now = func() time.Time { return time.Unix(0, 0) } }), get("https://a.test/"), oauth1.ErrInvalidTimestamp},
		{"empty nonce", with(func(c *oauth1.Config) { c.Nonce = func() string { return "" } }), get("https://a.test/"), oauth1.ErrInvalidNonce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Sign(tt.req(), oauth1.Credentials{Token: "t", Secret: "ts"})
			if !errors.Is(err, tt.want) {
				t.Errorf("Sign: got error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCredentialsResponseErrors covers every way a server's answer to
// the temporary or token credentials request is refused.
func TestCredentialsResponseErrors(t *testing.T) {
	const secret = "s3cr3t-value"
	tests := []struct {
		name     string
		status   int
		body     string
		token    bool // the token credentials request rather than the temporary one
		want     error
		wantBody string // substring of ResponseError.Body
	}{
		{"401 with reason", 401, "error=invalid_signature", false, oauth1.ErrUnexpectedStatus, "error=invalid_signature"},
		{"500", 500, "oops", true, oauth1.ErrUnexpectedStatus, "oops"},
		{"201 is not 200", 201, "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=true", false, oauth1.ErrUnexpectedStatus, "oauth_token=a"},
		{"bad escape", 200, "oauth_token=%zz&oauth_token_secret=b", true, oauth1.ErrMalformedResponse, "%zz"},
		{"bad escape is an encoding error", 200, "oauth_token=%zz", true, oauth1.ErrInvalidEncoding, ""},
		{"repeated token", 200, "oauth_token=a&oauth_token=b&oauth_token_secret=" + secret, true, oauth1.ErrMalformedResponse, "oauth_token_secret=REDACTED"},
		{"json body", 200, `{"oauth_token":"a"}`, true, oauth1.ErrMissingParameter, `{"oauth_token":"a"}`},
		{"no token", 200, "oauth_token_secret=" + secret, true, oauth1.ErrMissingParameter, "REDACTED"},
		{"empty token", 200, "oauth_token=&oauth_token_secret=b", true, oauth1.ErrMissingParameter, ""},
		{"no secret", 200, "oauth_token=a", true, oauth1.ErrMissingParameter, "oauth_token=a"},
		{"empty secret", 200, "oauth_token=a&oauth_token_secret=", true, oauth1.ErrMissingParameter, ""},
		{"callback not confirmed", 200, "oauth_token=a&oauth_token_secret=" + secret, false, oauth1.ErrCallbackNotConfirmed, "REDACTED"},
		{"callback confirmed True", 200, "oauth_token=a&oauth_token_secret=" + secret + "&oauth_callback_confirmed=True", false, oauth1.ErrCallbackNotConfirmed, "oauth_callback_confirmed=True"},
		{"callback confirmed 1", 200, "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=1", false, oauth1.ErrCallbackNotConfirmed, ""},
		{"too large", 200, "oauth_token=a&oauth_token_secret=b&x=" + strings.Repeat("y", 70<<10), true, oauth1.ErrResponseTooLarge, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			cfg := &oauth1.Config{ConsumerKey: "k", ConsumerSecret: "s", Endpoint: oauth1.Endpoint{
				TemporaryCredentialsURL: srv.URL, TokenURL: srv.URL}}
			err := credentialsRequest(cfg, tt.token)
			var re *oauth1.ResponseError
			if !errors.As(err, &re) || !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want a *ResponseError wrapping %v", err, tt.want)
			}
			if re.StatusCode != tt.status || !strings.Contains(re.Body, tt.wantBody) {
				t.Errorf("ResponseError status %d body %q, want %d and body containing %q", re.StatusCode, re.Body, tt.status, tt.wantBody)
			}
			if strings.Contains(err.Error(), secret) || len(re.Body) > 256+len("…") {
				t.Errorf("error %q leaks the secret or is too long", err)
			}
		})
	}
}

func credentialsRequest(cfg *oauth1.Config, token bool) error {
	if token {
		_, err := cfg.RequestTokenCredentials(context.Background(), oauth1.Credentials{Token: "t", Secret: "ts"}, "v")
		return err
	}
	_, err := cfg.RequestTemporaryCredentials(context.Background())
	return err
}

// TestCallbackConfirmedOption checks that the Insecure option, and only
// it, lets an unconfirmed temporary credentials response through.
func TestCallbackConfirmedOption(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=True&user=x")
	}))
	defer srv.Close()
	for _, skip := range []bool{false, true} {
		cfg := &oauth1.Config{ConsumerKey: "k", InsecureSkipCallbackConfirmed: skip,
			Endpoint: oauth1.Endpoint{TemporaryCredentialsURL: srv.URL}}
		temp, err := cfg.RequestTemporaryCredentials(context.Background())
		if gotOK := err == nil; gotOK != skip {
			t.Errorf("InsecureSkipCallbackConfirmed=%v: got error %v", skip, err)
		}
		if skip && (temp.Token != "a" || temp.Secret != "b" || temp.Extra.Get("user") != "x" || temp.Extra.Has("oauth_callback_confirmed")) {
			t.Errorf("InsecureSkipCallbackConfirmed=true: got %+v, want token a, secret b, extra user=x", temp)
		}
	}
}

// TestTransportErrors covers failures below HTTP: no server, a cut body,
// a cancelled context.
func TestTransportErrors(t *testing.T) {
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "oauth_token=a")
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer cut.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		url  string
		want error
	}{
		{"connection refused", context.Background(), gone.URL, nil},
		{"body cut short", context.Background(), cut.URL, io.ErrUnexpectedEOF},
		{"context cancelled", cancelled, cut.URL, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &oauth1.Config{ConsumerKey: "k", Endpoint: oauth1.Endpoint{TemporaryCredentialsURL: tt.url}}
			_, err := cfg.RequestTemporaryCredentials(tt.ctx)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRequestSetupErrors covers the checks made before a credentials
// request is sent.
func TestRequestSetupErrors(t *testing.T) {
	ctx := context.Background()
	ep := oauth1.Endpoint{TemporaryCredentialsURL: "https://a.test/i", TokenURL: "https://a.test/t"}
	temp := oauth1.Credentials{Token: "t", Secret: "s"}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"temporary: nil config", func() error { _, err := (*oauth1.Config)(nil).RequestTemporaryCredentials(ctx); return err }, oauth1.ErrNilConfig},
		{"temporary: no endpoint", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k"}).RequestTemporaryCredentials(ctx)
			return err
		}, oauth1.ErrMissingEndpoint},
		{"temporary: bad endpoint", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k", Endpoint: oauth1.Endpoint{TemporaryCredentialsURL: "http://a b/"}}).RequestTemporaryCredentials(ctx)
			return err
		}, oauth1.ErrInvalidURL},
		{"temporary: relative callback", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k", Callback: "/cb", Endpoint: ep}).RequestTemporaryCredentials(ctx)
			return err
		}, oauth1.ErrInvalidCallback},
		{"temporary: endpoint with oauth_ query", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k", Endpoint: oauth1.Endpoint{TemporaryCredentialsURL: "https://a.test/?oauth_x=1"}}).RequestTemporaryCredentials(ctx)
			return err
		}, oauth1.ErrReservedParameter},
		{"token: nil config", func() error { _, err := (*oauth1.Config)(nil).RequestTokenCredentials(ctx, temp, "v"); return err }, oauth1.ErrNilConfig},
		{"token: no temporary token", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k", Endpoint: ep}).RequestTokenCredentials(ctx, oauth1.Credentials{}, "v")
			return err
		}, oauth1.ErrMissingParameter},
		{"token: no verifier", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k", Endpoint: ep}).RequestTokenCredentials(ctx, temp, "")
			return err
		}, oauth1.ErrMissingParameter},
		{"token: no endpoint", func() error {
			_, err := (&oauth1.Config{ConsumerKey: "k"}).RequestTokenCredentials(ctx, temp, "v")
			return err
		}, oauth1.ErrMissingEndpoint},
		{"token: no consumer key", func() error {
			_, err := (&oauth1.Config{Endpoint: ep}).RequestTokenCredentials(ctx, temp, "v")
			return err
		}, oauth1.ErrMissingConsumerKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAuthorizationURL(t *testing.T) {
	temp := oauth1.Credentials{Token: "a b/c"}
	tests := []struct {
		name     string
		endpoint string
		temp     oauth1.Credentials
		extra    url.Values
		want     string
		wantErr  error
	}{
		{"token encoded", "https://a.test/authorize", temp, nil, "https://a.test/authorize?oauth_token=a%20b%2Fc", nil},
		{"existing query kept", "https://a.test/authorize?lang=en", temp, nil, "https://a.test/authorize?lang=en&oauth_token=a%20b%2Fc", nil},
		{"extra sorted after token", "https://a.test/authorize", temp, url.Values{"z": {"1"}, "force_login": {"true"}},
			"https://a.test/authorize?oauth_token=a%20b%2Fc&force_login=true&z=1", nil},
		{"no endpoint", "", temp, nil, "", oauth1.ErrMissingEndpoint},
		{"relative endpoint", "/authorize", temp, nil, "", oauth1.ErrInvalidURL},
		{"unparsable endpoint", "https://a b/", temp, nil, "", oauth1.ErrInvalidURL},
		{"no token", "https://a.test/authorize", oauth1.Credentials{}, nil, "", oauth1.ErrMissingParameter},
		{"oauth_ extra", "https://a.test/authorize", temp, url.Values{"oauth_callback": {"x"}}, "", oauth1.ErrReservedParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &oauth1.Config{Endpoint: oauth1.Endpoint{AuthorizationURL: tt.endpoint}}
			got, err := cfg.AuthorizationURL(tt.temp, tt.extra)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("AuthorizationURL = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if _, err := (*oauth1.Config)(nil).AuthorizationURL(temp, nil); !errors.Is(err, oauth1.ErrNilConfig) {
		t.Errorf("nil Config: got error %v, want %v", err, oauth1.ErrNilConfig)
	}
}

func TestParseCallback(t *testing.T) {
	temp := oauth1.Credentials{Token: "hdk48Djdsa", Secret: "x"}
	tests := []struct {
		name    string
		query   string
		temp    oauth1.Credentials
		want    string
		wantErr error
	}{
		{"RFC 5849 §2.2", "x=1&oauth_token=hdk48Djdsa&oauth_verifier=473f82d3", temp, "473f82d3", nil},
		{"encoded verifier", "oauth_token=hdk48Djdsa&oauth_verifier=a%2Bb+c", temp, "a+b c", nil},
		{"bad escape", "oauth_token=%zz", temp, "", oauth1.ErrMalformedCallback},
		{"token repeated", "oauth_token=hdk48Djdsa&oauth_token=hdk48Djdsa&oauth_verifier=v", temp, "", oauth1.ErrMalformedCallback},
		{"verifier repeated", "oauth_token=hdk48Djdsa&oauth_verifier=v&oauth_verifier=w", temp, "", oauth1.ErrMalformedCallback},
		{"denied (Twitter)", "denied=hdk48Djdsa", temp, "", oauth1.ErrAuthorizationDenied},
		{"error (Authlib)", "error=access_denied", temp, "", oauth1.ErrAuthorizationDenied},
		{"no token", "oauth_verifier=v", temp, "", oauth1.ErrTokenMismatch},
		{"other token", "oauth_token=other&oauth_verifier=v", temp, "", oauth1.ErrTokenMismatch},
		{"token prefix", "oauth_token=hdk48&oauth_verifier=v", temp, "", oauth1.ErrTokenMismatch},
		{"empty temporary token", "oauth_token=&oauth_verifier=v", oauth1.Credentials{}, "", oauth1.ErrTokenMismatch},
		{"no verifier", "oauth_token=hdk48Djdsa", temp, "", oauth1.ErrMissingParameter},
		{"empty verifier", "oauth_token=hdk48Djdsa&oauth_verifier=", temp, "", oauth1.ErrMissingParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oauth1.ParseCallback(tt.query, tt.temp)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseCallback(%q) = %q, %v; want %q, %v", tt.query, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
