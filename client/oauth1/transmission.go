package oauth1

import (
	"fmt"
	"net/http"
	"strings"
)

// checkPlacement rejects a request whose protocol parameters cannot go
// where the Config says. The body may carry them only when it is, or can
// become, a single-part form body (RFC 5849 §3.5.2); GET and HEAD requests
// carry no body at all.
func checkPlacement(p Placement, r *http.Request, form bool) error {
	if p != FormBody {
		return nil
	}
	if m := strings.ToUpper(methodName(r.Method)); m == http.MethodGet || m == http.MethodHead {
		return fmt.Errorf("%w: %s request", ErrBodyPlacement, m)
	}
	hasBody := r.Body != nil && r.Body != http.NoBody
	if !form && (hasBody || r.Header.Get("Content-Type") != "") {
		return fmt.Errorf("%w: Content-Type %q", ErrBodyPlacement, r.Header.Get("Content-Type"))
	}
	return nil
}

func methodName(m string) string {
	if m == "" {
		return http.MethodGet
	}
	return m
}

// place adds the protocol parameters, signature included, to the request
// (RFC 5849 §3.5).
func (c *Config) place(r *http.Request, proto []param, body []byte) {
	switch c.Placement {
	case FormBody:
		placeInBody(r, proto, body)
	case URIQuery:
		r.URL.RawQuery = appendQuery(r.URL.RawQuery, encodeParams(proto))
	default:
		r.Header.Set("Authorization", authorizationHeader(c.Realm, proto))
	}
}

// quotedPair escapes a string for an RFC 2617 quoted-string.
var quotedPair = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// authorizationHeader renders the OAuth Authorization header of RFC 5849
// §3.5.1: names and values encoded per §3.6, values in double quotes,
// pairs separated by ", ", the optional realm first as an RFC 2617
// quoted-string.
func authorizationHeader(realm string, proto []param) string {
	var b strings.Builder
	b.WriteString("OAuth ")
	if realm != "" {
		b.WriteString(`realm="`)
		b.WriteString(quotedPair.Replace(realm))
		b.WriteString(`", `)
	}
	for i, p := range proto {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(percentEncode(p.name))
		b.WriteString(`="`)
		b.WriteString(percentEncode(p.value))
		b.WriteByte('"')
	}
	return b.String()
}

// placeInBody appends the protocol parameters after the request's own
// form parameters (RFC 5849 §3.5.2).
func placeInBody(r *http.Request, proto []param, body []byte) {
	b := make([]byte, 0, len(body)+1+64*len(proto))
	b = append(b, body...)
	if len(b) > 0 {
		b = append(b, '&')
	}
	b = append(b, encodeParams(proto)...)
	if r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", formType)
	}
	setBody(r, b)
}

// appendQuery appends encoded parameters after a query's own parameters
// (RFC 5849 §3.5.3).
func appendQuery(query, params string) string {
	if query == "" {
		return params
	}
	return query + "&" + params
}

// validRealm reports whether realm can go in a quoted-string: no control
// characters, so no header injection.
func validRealm(realm string) bool {
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
