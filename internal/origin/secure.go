package origin

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The reasons ParseSecure refuses a URL. Each is a phrase a caller can
// append to its own description of the URL.
var (
	ErrMalformed   = errors.New("does not parse")
	ErrNotAbsolute = errors.New("is not absolute or names no host")
	ErrFragment    = errors.New("has a fragment")
	ErrUserInfo    = errors.New("has user information")
	ErrNotHTTPS    = errors.New("must use https")
)

// ParseSecure parses raw as the URL of an endpoint, issuer or redirect
// target that credentials, codes or tokens travel to or from, and checks
// that they travel over TLS. It is the one rule of the module:
//
//   - raw is absolute and names a host (RFC 3986 §4.3);
//   - raw has no fragment, not even an empty one: the authorization,
//     token and redirection endpoints may not have one (RFC 6749 §3.1,
//     §3.1.2, §3.2), nor may an issuer (RFC 8414 §2), and a fragment
//     is never sent to a server;
//   - raw has no user information, which RFC 3986 §3.2.1 deprecates
//     and which lets "https://good.example@evil.example" read as the
//     wrong host (RFC 3986 §7.6);
//   - the scheme is https (RFC 6749 §3.1, §3.2, §3.1.2.1; RFC 7662 §4;
//     RFC 8414 §2; RFC 9700 §2.6), or http when the host is a loopback
//     one (see Loopback: RFC 8252 §7.3) or insecure is set, for tests
//     and development only.
//
// A query is allowed, as RFC 6749 §3.1 allows it on endpoints; a caller
// that forbids one, as RFC 8414 §2 does for an issuer, checks it itself.
// Any other scheme is refused: a caller that accepts a private-use scheme
// (RFC 8252 §7.1) decides that before calling ParseSecure. The error
// wraps one of the Err values above.
func ParseSecure(raw string, insecure bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrMalformed, errors.Unwrap(err))
	case !u.IsAbs() || u.Hostname() == "":
		return nil, ErrNotAbsolute
	case strings.Contains(raw, "#"):
		return nil, ErrFragment
	case u.User != nil:
		return nil, ErrUserInfo
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && (insecure || Loopback(u.Hostname())):
		return u, nil
	}
	return nil, ErrNotHTTPS
}

// Loopback reports whether host, as url.URL.Hostname returns it, names
// the loopback interface: an IP literal in 127.0.0.0/8 or ::1, the
// loopback IP literals of RFC 8252 §7.3, or the name localhost, which
// RFC 6761 §6.3 reserves for it. RFC 8252 §8.3 prefers the literals for
// redirect URIs but localhost names the same machine; only the literals
// get a variable port when a redirect URI is matched (storage). No other
// name counts, not even one under localhost.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
