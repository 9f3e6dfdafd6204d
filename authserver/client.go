package authserver

import (
	"net"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// The server's policy over client records (storage.Client is data only):
// which redirect URI a request may use, which authentication method and
// grant and response types a client may use, and what scope it may be
// granted.

// defaultRedirectURI returns the redirection URI of a request that names
// none: the client's only registered one, or "" when it registered several
// (RFC 6749 §3.1.2.3).
func defaultRedirectURI(c *storage.Client) string {
	if len(c.RedirectURIs) == 1 {
		return c.RedirectURIs[0]
	}
	return ""
}

// registeredRedirectURI reports whether uri is one the client registered,
// compared exactly (RFC 9700 §4.1.3) but for the port of a loopback IP
// literal (RFC 8252 §7.3).
func registeredRedirectURI(c *storage.Client, uri string) bool {
	for _, r := range c.RedirectURIs {
		if r == uri || loopbackMatch(r, uri) {
			return true
		}
	}
	return false
}

// mayAuthenticate reports whether the client authenticates with method:
// its one registered method, at every endpoint.
func mayAuthenticate(c *storage.Client, method grantry.AuthMethod) bool {
	return method == c.TokenEndpointAuthMethod()
}

// mayUseGrant reports whether the client may use the grant type.
func mayUseGrant(c *storage.Client, gt grantry.GrantType) bool {
	return slices.Contains(c.GrantTypes, gt)
}

// mayUseResponseType reports whether the client may use the response type.
func mayUseResponseType(c *storage.Client, rt grantry.ResponseType) bool {
	return slices.Contains(c.ResponseTypes, rt)
}

// loopbackMatch allows any port for a registered http redirect URI on a
// loopback IP literal, as native apps listen on an ephemeral port
// (RFC 8252 §7.3). Only the port may vary: the rest of both URIs, as
// written, not as decoded, must match exactly.
func loopbackMatch(registered, uri string) bool {
	r, ok := withoutLoopbackPort(registered)
	if !ok {
		return false
	}
	u, ok := withoutLoopbackPort(uri)
	return ok && r == u
}

// withoutLoopbackPort returns raw without its port, when raw is an http
// URI whose host is a loopback IP literal and whose port, if any, is a
// number from 1 to 65535. A URI with user information or a fragment is
// refused.
func withoutLoopbackPort(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "http://")
	if !ok || strings.Contains(raw, "#") {
		return "", false
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	host, tail := rest[:end], rest[end:]
	if i := strings.LastIndexByte(host, ':'); i > strings.LastIndexByte(host, ']') {
		if !validPort(host[i+1:]) {
			return "", false
		}
		host = host[:i]
	}
	if !loopbackIP(host) {
		return "", false
	}
	return "http://" + host + tail, true
}

// loopbackIP reports whether host is a loopback IP literal as a URI
// writes it: an IPv4 address, or an IPv6 address in brackets
// (RFC 3986 §3.2.2).
func loopbackIP(host string) bool {
	if v6, ok := strings.CutPrefix(host, "["); ok {
		v6, ok = strings.CutSuffix(v6, "]")
		ip := net.ParseIP(v6)
		return ok && ip != nil && ip.To4() == nil && ip.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.To4() != nil && ip.IsLoopback()
}

// validPort reports whether p is a port number from 1 to 65535 in decimal.
func validPort(p string) bool {
	if len(p) > 5 {
		return false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n >= 1 && n <= 65535
}
