package oauth2

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/authtest"
)

func TestPlacement(t *testing.T) {
	tests := []struct {
		name      string
		placement Placement
		method    string
		target    string
		body      string
		ctype     string
		want      string
		wantErr   string
	}{
		{name: "header", placement: TokenInHeader, method: "GET", target: "/resource", want: "header:Bearer at+1/="},
		{name: "uri", placement: TokenInURI, method: "GET", target: "/resource?page=2", want: "query:at+1/="},
		{name: "body", placement: TokenInBody, method: "POST", target: "/resource", body: "other=x", ctype: "application/x-www-form-urlencoded", want: "body:at+1/= other:x"},
		{name: "body without body", placement: TokenInBody, method: "POST", target: "/resource", want: "body:at+1/="},
		{name: "body on GET", placement: TokenInBody, method: "GET", target: "/resource", wantErr: "GET request"},
		{name: "body of another type", placement: TokenInBody, method: "POST", target: "/resource", body: "{}", ctype: "application/json", wantErr: "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			cfg := srv.config()
			cfg.TokenPlacement = tt.placement
			c := newClient(t, cfg)
			c.SetToken(&Token{AccessToken: "at+1/=", TokenType: "Bearer"})
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, _ := http.NewRequest(tt.method, srv.URL+tt.target, body)
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := c.Do(bg, req)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Do error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != tt.want {
				t.Errorf("resource saw %q, want %q", got, tt.want)
			}
			if req.Header.Get("Authorization") != "" || strings.Contains(req.URL.RawQuery, "access_token") {
				t.Error("the caller's request was modified")
			}
			if tt.placement == TokenInURI {
				seen := srv.resourceLog[len(srv.resourceLog)-1]
				if seen.URL.Query().Get("page") != "2" || seen.Header.Get("Cache-Control") != "no-store" {
					t.Errorf("query %q, Cache-Control %q: want page kept and no-store", seen.URL.RawQuery, seen.Header.Get("Cache-Control"))
				}
			}
		})
	}
}

func TestNonBearerToken(t *testing.T) {
	srv := newAuthServer(t)
	cfg := srv.config()
	c := newClient(t, cfg)
	c.SetToken(&Token{AccessToken: "m", TokenType: "MAC"})
	req, _ := http.NewRequest("GET", srv.URL+"/resource", nil)
	if _, err := c.Do(bg, req); !errors.Is(err, ErrUnsupportedTokenType) {
		t.Fatalf("Do error = %v, want ErrUnsupportedTokenType", err)
	}

	cfg.Hooks.ProtectedRequest = func(r *http.Request, tok *Token) error {
		r.Header.Set("Authorization", "MAC id=\""+tok.AccessToken+"\"")
		return nil
	}
	c = newClient(t, cfg)
	c.SetToken(&Token{AccessToken: "m", TokenType: "MAC"})
	resp, err := c.Do(bg, req)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != `header:MAC id="m"` {
		t.Errorf("resource saw %q, want the hook's header", got)
	}
}

func TestProtectedRequestHook(t *testing.T) {
	srv := newAuthServer(t)
	cfg := srv.config()
	cfg.Hooks.ProtectedRequest = func(r *http.Request, tok *Token) error {
		// A provider that wants "token" instead of "Bearer".
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "Bearer", "token", 1))
		return nil
	}
	c := newClient(t, cfg)
	c.SetToken(&Token{AccessToken: "t1", TokenType: "bearer"})
	resp, err := c.AuthorizedClient().Get(srv.URL + "/resource")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "header:token t1" {
		t.Errorf("resource saw %q, want header:token t1", got)
	}

	failing := errors.New("refused")
	cfg.Hooks.ProtectedRequest = func(*http.Request, *Token) error { return failing }
	c = newClient(t, cfg)
	c.SetToken(&Token{AccessToken: "t1"})
	if _, err := c.AuthorizedClient().Get(srv.URL + "/resource"); !errors.Is(err, failing) {
		t.Errorf("error = %v, want the hook's error", err)
	}
}

// closeRecorder records whether a request body was closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestTransportWithoutToken(t *testing.T) {
	srv := newAuthServer(t)
	c := newClient(t, srv.config())
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", srv.URL+"/resource", body)
	if _, err := c.Transport().RoundTrip(req); !errors.Is(err, ErrNoToken) {
		t.Fatalf("RoundTrip error = %v, want ErrNoToken", err)
	}
	if !body.closed {
		t.Error("RoundTrip did not close the request body on error")
	}
	if len(srv.resourceLog) != 0 {
		t.Error("a request without a token reached the resource")
	}
}

func TestTransportRefreshes(t *testing.T) {
	srv := newAuthServer(t)
	srv.refresh["rt-old"] = true
	clk := authtest.NewClock(time.Now())
	c := clientWithToken(t, srv, clk, &Token{AccessToken: "old", RefreshToken: "rt-old", Expiry: clk.Now()}, nil)
	resp, err := c.AuthorizedClient().Get(srv.URL + "/resource")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "header:Bearer at-1" {
		t.Errorf("resource saw %q, want the refreshed token", got)
	}
}
