package oauth1

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// baseString builds the signature base string of RFC 5849 §3.4.1.1: the
// uppercase method, the base string URI and the normalized parameters,
// each encoded per §3.6 and joined by "&".
func baseString(method, uri string, params []param) string {
	var b strings.Builder
	b.WriteString(percentEncode(strings.ToUpper(method)))
	b.WriteByte('&')
	b.WriteString(percentEncode(uri))
	b.WriteByte('&')
	b.WriteString(percentEncode(normalizeParams(params)))
	return b.String()
}

// baseStringURI builds the base string URI of RFC 5849 §3.4.1.2 from the
// request's scheme, its authority as sent in the Host header and its path
// as sent on the request line: scheme and host in lowercase, the default
// port (80 for http, 443 for https) removed, no query or fragment.
func baseStringURI(r *http.Request) (string, error) {
	u := r.URL
	if u == nil || u.Opaque != "" {
		return "", fmt.Errorf("%w: need an absolute http or https URL", ErrInvalidURL)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%w: scheme %q is not http or https", ErrInvalidURL, u.Scheme)
	}
	authority := u.Host
	if r.Host != "" {
		authority = r.Host
	}
	if authority == "" {
		return "", fmt.Errorf("%w: no host", ErrInvalidURL)
	}
	authority = withoutDefaultPort(scheme, strings.ToLower(authority))
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return scheme + "://" + authority + path, nil
}

// withoutDefaultPort drops ":80" from an http authority and ":443" from an
// https one (RFC 5849 §3.4.1.2, item 3). A bracketed IPv6 literal keeps
// its colons.
func withoutDefaultPort(scheme, authority string) string {
	i := strings.LastIndexByte(authority, ':')
	if i < 0 || strings.IndexByte(authority[i:], ']') >= 0 {
		return authority
	}
	port := authority[i+1:]
	if scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		return authority[:i]
	}
	return authority
}

// normalizeParams implements RFC 5849 §3.4.1.3.2: encode every name and
// value (§3.6), sort by name then value in byte order, join each pair with
// "=" and the pairs with "&".
func normalizeParams(params []param) string {
	enc := make([]param, len(params))
	size := 0
	for i, p := range params {
		enc[i] = param{percentEncode(p.name), percentEncode(p.value)}
		size += len(enc[i].name) + len(enc[i].value) + 2
	}
	slices.SortFunc(enc, func(a, b param) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.value, b.value))
	})
	var b strings.Builder
	b.Grow(size)
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}
