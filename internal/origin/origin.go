// Package origin keeps the credentials of outgoing requests with the
// origin they are meant for (RFC 6454 §4: scheme, host and port). An
// http.Client following a redirect sends a request again, with its headers
// for a subdomain and, after a 307 or 308, its body: a bearer token, client
// credentials or an OAuth 1.0 signature would reach whatever host the
// redirect names. Client returns a client that does not follow such a
// redirect, Same and First let a transport tell a redirect hop to another
// origin, and RedactURLError keeps credentials in a URL out of an error.
//
// ParseSecure is the module's one rule for the URLs such credentials
// travel to: https, or http on a loopback host (Loopback) or when the
// caller's insecure option is set.
package origin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects is how many redirects net/http's default policy follows.
const maxRedirects = 10

// Client returns a shallow copy of hc that does not follow a redirect to
// another origin than the first request's: the redirect response is
// returned instead. Other redirects are left to hc.CheckRedirect, or to
// net/http's limit of 10. hc is not changed.
func Client(hc *http.Client) *http.Client {
	c := *hc
	next := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !Same(via[0].URL, req.URL) {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= maxRedirects {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// First returns the request that began the redirect chain req belongs to:
// net/http sets Response on each request it makes to follow a redirect.
func First(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

// Same reports whether a and b have the same scheme, host and port, a
// missing port counting as the scheme's default.
func Same(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// RedactURLError returns err, or, when it is the *url.Error of
// http.Client.Do, a copy whose URL has the values of the query parameters
// hide selects replaced, so that the error can be logged. The copy wraps
// the same cause.
func RedactURLError(err error, hide func(name string) bool) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	return &url.Error{Op: ue.Op, URL: RedactQuery(ue.URL, hide), Err: ue.Err}
}

// RedactQuery replaces with REDACTED the values of the query parameters
// of rawURL whose decoded name hide selects, or that do not decode.
func RedactQuery(rawURL string, hide func(name string) bool) string {
	base, query, ok := strings.Cut(rawURL, "?")
	if !ok {
		return rawURL
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	pairs := strings.Split(query, "&")
	for i, pair := range pairs {
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err != nil || hide(n) {
			pairs[i] = name + "=REDACTED"
		}
	}
	out := base + "?" + strings.Join(pairs, "&")
	if hasFragment {
		out += "#" + fragment
	}
	return out
}
