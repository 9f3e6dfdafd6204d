package origin_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/grantry/grantry/internal/origin"
)

// TestNoDowngrade: a redirect from https to http is refused, one that
// stays on https is followed, and the caller's client is left alone.
func TestNoDowngrade(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the plain http server got a request for %s", r.URL)
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			http.Redirect(w, r, plain.URL+"/jwks", http.StatusFound)
		case "/same":
			http.Redirect(w, r, "/done", http.StatusFound)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer tlsSrv.Close()
	base := tlsSrv.Client()
	c := origin.NoDowngrade(base)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantErr    error
	}{
		{"https to http", "/down", 0, origin.ErrDowngrade},
		{"https to https", "/same", http.StatusNoContent, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(tlsSrv.URL + tt.path)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
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

func TestFetchClient(t *testing.T) {
	c := origin.FetchClient()
	if c.Timeout != origin.FetchTimeout || c.CheckRedirect == nil || origin.FetchTimeout <= 0 {
		t.Errorf("timeout %v, CheckRedirect set %v: want %v and a policy", c.Timeout, c.CheckRedirect != nil, origin.FetchTimeout)
	}
}
