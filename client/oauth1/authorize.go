package oauth1

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// AuthorizationURL returns the Resource Owner Authorization URI (RFC 5849
// §2.2) to send the user to: Endpoint.AuthorizationURL with the temporary
// oauth_token added to its query, followed by extra, the server's own
// parameters (such as force_login), in name order. extra may be nil; none
// of its names may start with "oauth_".
func (c *Config) AuthorizationURL(temp Credentials, extra url.Values) (string, error) {
	if c == nil {
		return "", ErrNilConfig
	}
	if c.Endpoint.AuthorizationURL == "" {
		return "", ErrMissingEndpoint
	}
	u, err := url.Parse(c.Endpoint.AuthorizationURL)
	if err != nil || !u.IsAbs() {
		return "", fmt.Errorf("%w: authorization endpoint %q", ErrInvalidURL, c.Endpoint.AuthorizationURL)
	}
	if temp.Token == "" {
		return "", fmt.Errorf("%w: temporary oauth_token", ErrMissingParameter)
	}
	ps := []param{{"oauth_token", temp.Token}}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		if strings.HasPrefix(name, "oauth_") {
			return "", fmt.Errorf("%w: %q", ErrReservedParameter, name)
		}
		for _, v := range extra[name] {
			ps = append(ps, param{name, v})
		}
	}
	u.RawQuery = appendQuery(u.RawQuery, encodeParams(ps))
	return u.String(), nil
}

// ParseCallback checks the query of the request that brings the user back
// to the callback URI (RFC 5849 §2.2) and returns its oauth_verifier.
// The query must hold oauth_token, equal to the temporary credentials
// identifier, and oauth_verifier, each once. A server that reports a
// refusal with "denied" (Twitter) or "error" (Authlib) gets
// ErrAuthorizationDenied.
//
// In an out-of-band ("oob") flow the user types the verifier instead, and
// there is no callback to parse.
func ParseCallback(rawQuery string, temp Credentials) (string, error) {
	ps, err := parseForm(rawQuery)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrMalformedCallback, err)
	}
	v := url.Values{}
	for _, p := range ps {
		v[p.name] = append(v[p.name], p.value)
	}
	for _, name := range []string{"oauth_token", "oauth_verifier"} {
		if len(v[name]) > 1 {
			return "", fmt.Errorf("%w: %s repeated", ErrMalformedCallback, name)
		}
	}
	if reason := deniedReason(v); reason != "" {
		return "", fmt.Errorf("%w: %s", ErrAuthorizationDenied, reason)
	}
	got := v.Get("oauth_token")
	if temp.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(temp.Token)) != 1 {
		return "", ErrTokenMismatch
	}
	verifier := v.Get("oauth_verifier")
	if verifier == "" {
		return "", fmt.Errorf("%w: oauth_verifier", ErrMissingParameter)
	}
	return verifier, nil
}

// deniedReason returns how the server reported a refusal, if it did.
func deniedReason(v url.Values) string {
	if _, ok := v["denied"]; ok {
		return "denied"
	}
	if e, ok := v["error"]; ok {
		return fmt.Sprintf("error=%.64q", e[0])
	}
	return ""
}
