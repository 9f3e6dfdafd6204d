package oidc

import "strings"

// parseChallenge returns the auth-params of a Bearer challenge in a
// WWW-Authenticate header (RFC 6750 §3, RFC 9110 §11.6.1). Parameter names
// are lower-cased; quoted values are unescaped. It is lenient: whatever it
// cannot read ends the parameters.
func parseChallenge(header string) map[string]string {
	params := map[string]string{}
	rest, ok := cutScheme(header, "bearer")
	if !ok {
		return params
	}
	for {
		rest = strings.TrimLeft(rest, " \t,")
		name, after, found := strings.Cut(rest, "=")
		if !found || name == "" || strings.ContainsAny(name, " \t,\"") {
			return params
		}
		value, remaining, ok := readValue(strings.TrimLeft(after, " \t"))
		if !ok {
			return params
		}
		params[strings.ToLower(name)] = value
		rest = remaining
	}
}

// cutScheme finds the challenge of scheme (compared without case) and
// returns what follows it.
func cutScheme(header, scheme string) (string, bool) {
	for i := 0; i+len(scheme) <= len(header); i++ {
		if (i == 0 || header[i-1] == ' ' || header[i-1] == ',') && strings.EqualFold(header[i:i+len(scheme)], scheme) {
			rest := header[i+len(scheme):]
			if rest == "" || rest[0] == ' ' {
				return rest, true
			}
		}
	}
	return "", false
}

// readValue reads a token or a quoted-string.
func readValue(s string) (value, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexAny(s, " \t,")
		if end < 0 {
			return s, "", s != ""
		}
		return s[:end], s[end:], end > 0
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return "", "", false
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", false
}
