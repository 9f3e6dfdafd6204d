package authserver

import (
	"testing"

	"github.com/grantry/grantry/storage"
)

// TestRegisteredRedirectURI: redirect URIs are compared exactly (RFC 9700
// §4.1.3), except that a request may name any port for an http redirect
// URI registered on a loopback IP literal (RFC 8252 §7.3).
func TestRegisteredRedirectURI(t *testing.T) {
	tests := []struct {
		name       string
		registered string
		uri        string
		want       bool
	}{
		{name: "exact", registered: "https://client.test/cb", uri: "https://client.test/cb", want: true},
		{name: "exact with a query", registered: "https://client.test/cb?a=1", uri: "https://client.test/cb?a=1", want: true},
		{name: "host in another case", registered: "https://client.test/cb", uri: "https://CLIENT.test/cb"},
		{name: "extra path segment", registered: "https://client.test/cb", uri: "https://client.test/cb/x"},
		{name: "empty query added", registered: "https://client.test/cb", uri: "https://client.test/cb?"},
		{name: "port on a host name", registered: "https://client.test/cb", uri: "https://client.test:8443/cb"},

		{name: "loopback as registered", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1/cb", want: true},
		{name: "loopback with a port", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/cb", want: true},
		{name: "loopback port 1", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:1/cb", want: true},
		{name: "loopback port 65535", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:65535/cb", want: true},
		{name: "loopback registered with a port, requested with another", registered: "http://127.0.0.1:8080/cb", uri: "http://127.0.0.1:5555/cb", want: true},
		{name: "loopback registered with a port, requested without", registered: "http://127.0.0.1:8080/cb", uri: "http://127.0.0.1/cb", want: true},
		{name: "loopback without a path", registered: "http://127.0.0.1", uri: "http://127.0.0.1:5555", want: true},
		{name: "loopback with the same query", registered: "http://127.0.0.1/cb?a=1", uri: "http://127.0.0.1:5555/cb?a=1", want: true},
		{name: "loopback IPv6", registered: "http://[::1]/cb", uri: "http://[::1]:5555/cb", want: true},
		{name: "loopback without a path, with a query", registered: "http://127.0.0.1?a=1", uri: "http://127.0.0.1:5555?a=1", want: true},
		{name: "loopback elsewhere in 127/8", registered: "http://127.0.0.2/cb", uri: "http://127.0.0.2:5555/cb", want: true},

		{name: "loopback path percent-encoded", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/c%62"},
		{name: "loopback registered path percent-encoded", registered: "http://127.0.0.1/c%62", uri: "http://127.0.0.1:5555/cb"},
		{name: "loopback path in another case", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/CB"},
		{name: "loopback other path", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/cb/x"},
		{name: "loopback empty query added", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/cb?"},
		{name: "loopback empty query dropped", registered: "http://127.0.0.1/cb?", uri: "http://127.0.0.1:5555/cb"},
		{name: "loopback query added", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/cb?a=b"},
		{name: "loopback query changed", registered: "http://127.0.0.1/cb?a=1", uri: "http://127.0.0.1:5555/cb?a=2"},
		{name: "loopback query percent-encoded", registered: "http://127.0.0.1/cb?a=1", uri: "http://127.0.0.1:5555/cb?%61=1"},
		{name: "loopback port 0", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:0/cb"},
		{name: "loopback port 65536", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:65536/cb"},
		{name: "loopback port 99999", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:99999/cb"},
		{name: "loopback port of six digits", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:000080/cb"},
		{name: "loopback empty port", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:/cb"},
		{name: "loopback port with a letter", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:8a/cb"},
		{name: "loopback signed port", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:+80/cb"},
		{name: "loopback port followed by a host", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:80@evil.test/cb"},
		{name: "loopback with user information", registered: "http://127.0.0.1/cb", uri: "http://u@127.0.0.1:5555/cb"},
		{name: "loopback with a fragment", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.1:5555/cb#f"},
		{name: "loopback with a fragment registered", registered: "http://127.0.0.1/cb#f", uri: "http://127.0.0.1:5555/cb#f"},
		{name: "loopback another address", registered: "http://127.0.0.1/cb", uri: "http://127.0.0.2:5555/cb"},
		{name: "loopback address written otherwise", registered: "http://[::1]/cb", uri: "http://[0:0:0:0:0:0:0:1]:5555/cb"},
		{name: "loopback IPv4-mapped IPv6", registered: "http://[::ffff:127.0.0.1]/cb", uri: "http://[::ffff:127.0.0.1]:5555/cb"},
		{name: "loopback IPv6 without brackets", registered: "http://::1:8080/cb", uri: "http://::1:5555/cb"},
		{name: "loopback IPv6 without its closing bracket", registered: "http://[::1:8080/cb", uri: "http://[::1:5555/cb"},
		{name: "loopback over https", registered: "https://127.0.0.1/cb", uri: "https://127.0.0.1:5555/cb"},
		{name: "loopback scheme in another case", registered: "http://127.0.0.1/cb", uri: "HTTP://127.0.0.1:5555/cb"},
		{name: "localhost is no IP literal", registered: "http://localhost/cb", uri: "http://localhost:5555/cb"},
		{name: "non-loopback IP literal", registered: "http://192.0.2.1/cb", uri: "http://192.0.2.1:5555/cb"},
		{name: "non-loopback IPv6 literal", registered: "http://[2001:db8::1]/cb", uri: "http://[2001:db8::1]:5555/cb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &storage.Client{ID: "c", RedirectURIs: []string{"https://other.test/cb", tt.registered}}
			if got := registeredRedirectURI(c, tt.uri); got != tt.want {
				t.Errorf("registeredRedirectURI(%q) with %q registered: got %v, want %v", tt.uri, tt.registered, got, tt.want)
			}
		})
	}
}
