package daemon

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestRawWorker drives the plain-HTTP worker of grantry bench against
// responses of every framing, three requests each: a connection that
// stays open must be reused, one that ends must be reopened.
func TestRawWorker(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // "" for success, else the error
	}{
		{"content length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "2")
			_, _ = io.WriteString(w, "{}")
		}, ""},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "{")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, strings.Repeat(" ", 5000)+"}")
		}, ""},
		{"connection close", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "{}")
		}, ""},
		{"refused", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("WWW-Authenticate", "Basic")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
		}, "401 Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				user, pass, _ := r.BasicAuth()
				body, _ := io.ReadAll(r.Body)
				got = append(got, r.Method+" "+r.URL.Path+" "+user+":"+pass+" "+string(body))
				tt.handler(w, r)
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL + "/token")
			w := newRawWorker(u, &benchFlags{clientID: "c 1", clientSecret: "s:2"}, "grant_type=client_credentials")
			defer w.close()
			for i := range 3 {
				err := w.send(t.Context())
				if (err == nil && tt.want != "") || (err != nil && err.Error() != tt.want) {
					t.Fatalf("request %d: got error %v, want %q", i, err, tt.want)
				}
			}
			want := "POST /token c+1:s%3A2 grant_type=client_credentials" // form-encoded (RFC 6749 §2.3.1)
			if len(got) != 3 || got[0] != want || got[2] != want {
				t.Errorf("server saw %q, want 3 times %q", got, want)
			}
		})
	}
}

// TestRawWorkerMalformed answers with what is not an HTTP/1.1 response.
func TestRawWorkerMalformed(t *testing.T) {
	tests := []struct {
		name, response string
	}{
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n"},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"},
		{"header without colon", "HTTP/1.1 200 OK\r\nbroken\r\n\r\n"},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
		{"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				r := bufio.NewReader(c)
				if _, err := http.ReadRequest(r); err == nil {
					_, _ = io.WriteString(c, tt.response)
				}
			}()
			u, _ := url.Parse("http://" + ln.Addr().String() + "/token")
			w := newRawWorker(u, &benchFlags{clientID: "c", clientSecret: "s"}, "grant_type=client_credentials")
			if err := w.send(t.Context()); err == nil {
				t.Errorf("send: got nil error, want one")
			}
			if w.conn != nil {
				t.Errorf("connection kept after a malformed response, want it closed")
			}
		})
	}
}

// TestRawWorkerRunOver checks that a request cut short by the end of the
// run, which the connection's deadline may tell before the context, is no
// failure and ends the worker.
func TestRawWorkerRunOver(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // so that the server sees the client go
		<-r.Context().Done()      // never answers
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/token")
	tests := []struct {
		name  string
		after time.Duration // the run's deadline from now
	}{
		{"deadline passed", -time.Second},
		{"deadline during the request", 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(tt.after))
			defer cancel()
			w := newRawWorker(u, &benchFlags{clientID: "c", clientSecret: "s"}, "grant_type=client_credentials")
			defer w.close()
			var r benchResult
			if r.time(ctx, w.send) {
				t.Errorf("time: got true, want false (the run is over)")
			}
			if r.failed != 0 || r.ok != 0 {
				t.Errorf("got %d ok, %d failed, want none of either", r.ok, r.failed)
			}
		})
	}
}
