package bearer

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/grantry/grantry"
)

// tokenFromRequest finds the access token of a request: in the
// Authorization header (RFC 6750 §2.1) and, where enabled, the form body
// (§2.2) and the query (§2.3). It returns "" without error when the
// request carries no bearer token at all, and invalid_request when it is
// malformed or carries the token in more than one place (§3.1). inQuery
// tells that the token came from the query.
func (p *Protector) tokenFromRequest(r *http.Request) (token string, scheme string, inQuery bool, e *grantry.Error) {
	token, scheme, found, err := p.tokenFromHeader(r.Header)
	if err != nil {
		return "", "", false, p.invalidRequest(err.Description)
	}
	if p.cfg.AllowForm {
		if err := p.addSource(&token, &found, formToken(r, p.cfg.MaxFormBytes)); err != nil {
			return "", "", false, err
		}
	}
	if p.cfg.InsecureAllowQuery {
		s := queryToken(r)
		if err := p.addSource(&token, &found, s); err != nil {
			return "", "", false, err
		}
		inQuery = s.found
	}
	if found && !validToken(token) {
		return "", "", false, p.invalidRequest("the access token is malformed")
	}
	return token, scheme, inQuery, nil
}

// source is the outcome of reading one place: a token, whether the place
// held one, or why it is malformed.
type source struct {
	token string
	found bool
	err   string
}

func (p *Protector) addSource(token *string, found *bool, s source) *grantry.Error {
	switch {
	case s.err != "":
		return p.invalidRequest(s.err)
	case !s.found:
		return nil
	case *found:
		return p.invalidRequest("the access token was sent in more than one place")
	}
	*token, *found = s.token, true
	return nil
}

// Authorization schemes of access tokens.
const (
	schemeBearer = "Bearer"
	schemeDPoP   = "DPoP" // RFC 9449 §7.1
)

// tokenFromHeader reads "Authorization: Bearer <token>" and, with
// Config.DPoP, "Authorization: DPoP <token>". Another scheme is no access
// token; the scheme is case-insensitive (RFC 9110 §11.1).
func (p *Protector) tokenFromHeader(h http.Header) (token, scheme string, found bool, e *grantry.Error) {
	values := h["Authorization"]
	switch len(values) {
	case 0:
		return "", "", false, nil
	case 1:
	default:
		return "", "", false, grantry.InvalidRequest("more than one Authorization header")
	}
	v := values[0]
	switch {
	case hasScheme(v, schemeBearer):
		scheme = schemeBearer
	case p.dpop != nil && hasScheme(v, schemeDPoP):
		scheme = schemeDPoP
	default:
		return "", "", false, nil
	}
	token = strings.TrimLeft(v[len(scheme):], " ")
	if token == "" {
		return "", "", false, grantry.InvalidRequest("the Authorization header holds no access token")
	}
	return token, scheme, true, nil
}

func hasScheme(v, scheme string) bool {
	n := len(scheme)
	return len(v) >= n && strings.EqualFold(v[:n], scheme) && (len(v) == n || v[n] == ' ')
}

// formToken reads access_token from a form body of at most maxBytes: only
// in a request whose method defines a body, with the form content type
// (RFC 6750 §2.2).
func formToken(r *http.Request, maxBytes int64) source {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Body == nil || r.Body == http.NoBody {
		return source{}
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return source{}
	}
	if r.PostForm == nil {
		r.Body = http.MaxBytesReader(nil, r.Body, maxBytes)
	}
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return source{err: "the form body is too large"}
		}
		return source{err: "the form body is malformed"}
	}
	return oneValue(r.PostForm["access_token"])
}

// queryToken reads access_token from the URL query (RFC 6750 §2.3). The
// query is parsed only when it may name that parameter.
func queryToken(r *http.Request) source {
	if !mayNameAccessToken(r.URL.RawQuery) {
		return source{}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return source{err: "the query is malformed"}
	}
	return oneValue(q["access_token"])
}

// mayNameAccessToken reports whether a raw query may hold an access_token
// parameter: it holds those bytes, or a name that percent-decodes to them,
// such as access%5Ftoken (RFC 3986 §2.3, §6.2.2.2).
func mayNameAccessToken(raw string) bool {
	if strings.Contains(raw, "access_token") {
		return true
	}
	if strings.IndexByte(raw, '%') < 0 {
		return false
	}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(pair, "=")
		if strings.IndexByte(name, '%') < 0 {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil && n == "access_token" {
			return true
		}
	}
	return false
}

func oneValue(values []string) source {
	switch {
	case len(values) == 0:
		return source{}
	case len(values) > 1:
		return source{err: "access_token is repeated"}
	case values[0] == "":
		return source{err: "access_token is empty"}
	}
	return source{token: values[0], found: true}
}

// validToken checks the b64token syntax of RFC 6750 §2.1:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func validToken(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
		if !ok {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
