package origin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/grantry/grantry/internal/origin"
)

func TestRedactQuery(t *testing.T) {
	hideToken := func(n string) bool { return n == "access_token" }
	tests := []struct {
		name, in, want string
	}{
		{"no query", "https://a.test/x", "https://a.test/x"},
		{"token only", "https://a.test/x?access_token=s", "https://a.test/x?access_token=REDACTED"},
		{"token among others", "https://a.test/x?a=1&access_token=s&b=2", "https://a.test/x?a=1&access_token=REDACTED&b=2"},
		{"encoded name", "https://a.test/x?access%5Ftoken=s", "https://a.test/x?access%5Ftoken=REDACTED"},
		{"undecodable name", "https://a.test/x?%zz=s", "https://a.test/x?%zz=REDACTED"},
		{"fragment kept", "https://a.test/x?access_token=s#f", "https://a.test/x?access_token=REDACTED#f"},
		{"repeated", "https://a.test/x?access_token=s&access_token=t", "https://a.test/x?access_token=REDACTED&access_token=REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := origin.RedactQuery(tt.in, hideToken); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSame(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://a.test/x", "https://a.test/y?q=1", true},
		{"https://a.test/x", "https://A.TEST/x", true},
		{"https://a.test/x", "https://a.test:443/x", true},
		{"http://a.test/x", "http://a.test:80/x", true},
		{"https://a.test/x", "http://a.test/x", false},
		{"https://a.test/x", "https://a.test:8443/x", false},
		{"https://a.test/x", "https://b.a.test/x", false},
		{"https://a.test/x", "https://a.test.evil/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			a, _ := url.Parse(tt.a)
			b, _ := url.Parse(tt.b)
			if got := origin.Same(a, b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestClient: the client follows a redirect within the origin and returns
// one to another origin unfollowed, leaving the original client alone.
func TestClient(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other origin got a request for %s", r.URL)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/done", http.StatusTemporaryRedirect)
		case "/other":
			http.Redirect(w, r, other.URL+"/x", http.StatusTemporaryRedirect)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	base := srv.Client()
	c := origin.Client(base)
	tests := []struct {
		path       string
		wantStatus int
		wantErr    bool
	}{
		{"/same", http.StatusNoContent, false},
		{"/other", http.StatusTemporaryRedirect, false},
		{"/loop", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := c.Get(srv.URL + tt.path)
			if tt.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %d, want an error after 10 redirects", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status: got %d, want %d", resp.StatusCode, tt.wantStatus)
			}
		})
	}
	if base.CheckRedirect != nil {
		t.Error("the original client's CheckRedirect was set, want it left nil")
	}
}

// TestRedactURLError: the URL of a *url.Error loses its secret, the cause
// stays reachable, and other errors pass unchanged.
func TestRedactURLError(t *testing.T) {
	hide := func(n string) bool { return n == "access_token" }
	in := &url.Error{Op: "Get", URL: "https://a.test/x?access_token=s3cret&a=1", Err: errBoom}
	err := origin.RedactURLError(in, hide)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.URL != "https://a.test/x?access_token=REDACTED&a=1" {
		t.Errorf("got %v, want the URL redacted", err)
	}
	if !errors.Is(err, errBoom) {
		t.Errorf("errors.Is(%v, errBoom) = false, want true", err)
	}
	if got := origin.RedactURLError(errBoom, hide); got != errBoom {
		t.Errorf("another error: got %v, want it unchanged", got)
	}
}

var errBoom = errors.New("boom")
