package origin_test

import (
	"errors"
	"testing"

	"github.com/grantry/grantry/internal/origin"
)

func TestParseSecure(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		insecure bool
		want     error // nil: accepted
	}{
		{"https", "https://as.test/token", false, nil},
		{"https with port and query", "https://as.test:8443/token?tenant=a", false, nil},
		{"https scheme in capitals", "HTTPS://as.test/token", false, nil},
		{"http on 127.0.0.1", "http://127.0.0.1:9000/cb", false, nil},
		{"http on another 127/8 address", "http://127.8.9.10/cb", false, nil},
		{"http on ::1", "http://[::1]:61023/cb", false, nil},
		{"http on IPv4-mapped loopback", "http://[::ffff:127.0.0.1]/cb", false, nil},
		{"http on localhost", "http://localhost:8080/cb", false, nil},
		{"http on LOCALHOST", "http://LOCALHOST/cb", false, nil},
		{"http on a remote host", "http://as.test/token", false, origin.ErrNotHTTPS},
		{"http on a remote host, insecure", "http://as.test/token", true, nil},
		{"http under localhost", "http://app.localhost/cb", false, origin.ErrNotHTTPS},
		{"http on localhost with a trailing label", "http://localhost.evil.test/cb", false, origin.ErrNotHTTPS},
		{"http on a 127 prefix name", "http://127.0.0.1.evil.test/cb", false, origin.ErrNotHTTPS},
		{"http on a short loopback form", "http://127.1/cb", false, origin.ErrNotHTTPS},
		{"http on an IPv6 zone", "http://[::1%25lo]/cb", false, origin.ErrNotHTTPS},
		{"http on 0.0.0.0", "http://0.0.0.0/cb", false, origin.ErrNotHTTPS},
		{"other scheme", "ftp://as.test/x", false, origin.ErrNotHTTPS},
		{"other scheme, insecure", "ftp://as.test/x", true, origin.ErrNotHTTPS},
		{"other scheme on loopback", "ws://127.0.0.1/x", false, origin.ErrNotHTTPS},
		{"private-use scheme", "com.example.app:/cb", false, origin.ErrNotAbsolute},
		{"relative", "/token", false, origin.ErrNotAbsolute},
		{"no scheme", "//as.test/token", false, origin.ErrNotAbsolute},
		{"empty", "", false, origin.ErrNotAbsolute},
		{"opaque", "https:as.test", false, origin.ErrNotAbsolute},
		{"no host", "https:///token", false, origin.ErrNotAbsolute},
		{"port without host", "http://:80/cb", true, origin.ErrNotAbsolute},
		{"fragment", "https://as.test/cb#x", false, origin.ErrFragment},
		{"empty fragment", "https://as.test/cb#", false, origin.ErrFragment},
		{"fragment on loopback", "http://127.0.0.1/cb#x", false, origin.ErrFragment},
		{"user", "https://u@as.test/token", false, origin.ErrUserInfo},
		{"user and password", "https://u:p@as.test/token", false, origin.ErrUserInfo},
		{"host hidden behind user", "http://127.0.0.1:80@evil.test/cb", false, origin.ErrUserInfo},
		{"empty user", "https://@as.test/token", false, origin.ErrUserInfo},
		{"bad escape", "https://as.test/%zz", false, origin.ErrMalformed},
		{"control character", "https://as.test/\x7f", false, origin.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := origin.ParseSecure(tt.raw, tt.insecure)
			if tt.want == nil {
				if err != nil || u == nil {
					t.Fatalf("got %v, %v; want a URL and no error", u, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || u != nil {
				t.Errorf("got %v, %v; want no URL and an error wrapping %q", u, err, tt.want)
			}
		})
	}
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"::1", true},
		{"localhost", true},
		{"LocalHost", true},
		{"", false},
		{"::", false},
		{"0.0.0.0", false},
		{"128.0.0.1", false},
		{"[::1]", false},
		{"localhost.", false},
		{"a.localhost", false},
		{"example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := origin.Loopback(tt.host); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
