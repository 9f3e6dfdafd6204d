package grantry

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"
)

// TokenResponse is a successful access token response (RFC 6749 §5.1).
// Extra holds further parameters, such as id_token (OpenID Connect Core
// 1.0 §3.1.3.3); an extra parameter never replaces a standard one.
type TokenResponse struct {
	AccessToken  string
	TokenType    string
	ExpiresIn    int64
	RefreshToken string
	Scope        Scope
	Extra        map[string]any
}

// Set adds an extra parameter to the response.
func (t *TokenResponse) Set(name string, value any) {
	if t.Extra == nil {
		t.Extra = make(map[string]any)
	}
	t.Extra[name] = value
}

var standardTokenParams = []string{"access_token", "token_type", "expires_in", "refresh_token", "scope"}

// MarshalJSON writes the response as the JSON object of RFC 6749 §5.1.
// expires_in, refresh_token and scope are left out when empty; extra
// parameters follow in name order.
func (t TokenResponse) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 160+len(t.AccessToken)+len(t.RefreshToken))
	b = append(b, `{"access_token":`...)
	b = AppendJSONString(b, t.AccessToken)
	b = append(b, `,"token_type":`...)
	b = AppendJSONString(b, t.TokenType)
	if t.ExpiresIn > 0 {
		b = append(b, `,"expires_in":`...)
		b = strconv.AppendInt(b, t.ExpiresIn, 10)
	}
	if t.RefreshToken != "" {
		b = append(b, `,"refresh_token":`...)
		b = AppendJSONString(b, t.RefreshToken)
	}
	if len(t.Scope) > 0 {
		b = append(b, `,"scope":`...)
		b = AppendJSONString(b, t.Scope.String())
	}
	return appendMembers(b, t.Extra, standardTokenParams)
}

// appendMembers appends the members of extra whose names are not among
// standard, in name order, and closes the object.
func appendMembers(b []byte, extra map[string]any, standard []string) ([]byte, error) {
	names := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(standard, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		v, err := json.Marshal(extra[k])
		if err != nil {
			return nil, err
		}
		b = append(b, ',')
		b = AppendJSONString(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s to b as a JSON string. Control characters,
// quotes, backslashes and the HTML-sensitive <, > and & are escaped, and
// bytes that are not valid UTF-8 become U+FFFD, so the result is always
// valid JSON.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRuneInString(s[i:]); r == utf8.RuneError && size == 1 {
				b = append(b, s[start:i]...)
				b = append(b, "\\ufffd"...)
				start = i + 1
			} else {
				i += size - 1
			}
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
