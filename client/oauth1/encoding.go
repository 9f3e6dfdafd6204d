package oauth1

import (
	"fmt"
	"net/url"
	"strings"
)

// param is one decoded name/value pair. Order and repeats are kept.
type param struct{ name, value string }

// unreserved reports whether c is in RFC 3986 §2.3's unreserved set, the
// only bytes RFC 5849 §3.6 leaves unencoded.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// percentEncode encodes s per RFC 5849 §3.6: every byte of its UTF-8 form
// outside the unreserved set becomes %XX with uppercase hex digits.
func percentEncode(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	return string(appendEncoded(make([]byte, 0, len(s)+2*n), s))
}

func appendEncoded(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return b
}

// parseForm decodes an application/x-www-form-urlencoded string into its
// name/value pairs as W3C HTML 4.01 §17.13.4 defines it: pairs separated by
// "&", name and value by the first "=", "+" meaning a space and %XX an
// octet. Empty pairs are skipped; a bad %-escape is an error.
func parseForm(s string) ([]param, error) {
	var ps []param
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidEncoding, err)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidEncoding, err)
		}
		ps = append(ps, param{name, value})
	}
	return ps, nil
}

// encodeParams joins ps as name=value pairs, both encoded per §3.6, with
// "&" between pairs: the form used for query and body placement.
func encodeParams(ps []param) string {
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendEncoded(b, p.name)
		b = append(b, '=')
		b = appendEncoded(b, p.value)
	}
	return string(b)
}
