package dpop

import (
	"encoding/json"
	"strings"
)

// claims are the claims of a proof (RFC 9449 §4.2).
type claims struct {
	JTI   string          `json:"jti"`
	HTM   string          `json:"htm"`
	HTU   string          `json:"htu"`
	IAT   json.RawMessage `json:"iat"`
	ATH   *string         `json:"ath"`
	Nonce *string         `json:"nonce"`
}

// decodeClaims decodes the claims of a proof as json.Unmarshal does. A
// proof's claims are a flat object of plain strings and numbers, which
// scanClaims reads in one pass; anything else it leaves to encoding/json,
// so that the two always agree (FuzzDecodeClaims).
func decodeClaims(data []byte) (*claims, error) {
	if c, ok := scanClaims(data); ok {
		return c, nil
	}
	c := new(claims)
	if err := json.Unmarshal(data, c); err != nil {
		return nil, err
	}
	return c, nil
}

// claimScanner reads a JSON text (RFC 8259) of the simplest form: an
// object whose members are strings of printable ASCII without escapes,
// numbers, true, false and, outside the claims, null.
type claimScanner struct {
	raw  []byte // the claims
	data string // the claims as a string, which the strings read share
	i    int
}

// scanClaims reads data as a claims object, or reports false for
// anything outside the simplest form: an escape, a byte outside printable
// ASCII in a string, a nested value, null or a value of the wrong type
// for a claim, a member name that differs from a claim's only in case, or
// anything that is not JSON.
func scanClaims(data []byte) (*claims, bool) {
	s := claimScanner{raw: data, data: string(data)}
	c := new(claims)
	if !s.next('{') {
		return nil, false
	}
	if s.next('}') {
		return c, s.end()
	}
	for {
		name, ok := s.str()
		if !ok || !s.next(':') || !s.member(c, name) {
			return nil, false
		}
		if s.next('}') {
			return c, s.end()
		}
		if !s.next(',') {
			return nil, false
		}
	}
}

// member reads the value of the member name into c.
func (s *claimScanner) member(c *claims, name string) bool {
	var ok bool
	switch name {
	case "jti":
		c.JTI, ok = s.str()
	case "htm":
		c.HTM, ok = s.str()
	case "htu":
		c.HTU, ok = s.str()
	case "ath":
		var v string
		v, ok = s.str()
		c.ATH = &v
	case "nonce":
		var v string
		v, ok = s.str()
		c.Nonce = &v
	case "iat":
		s.space()
		var start int
		start, ok = s.number()
		c.IAT = s.raw[start:s.i]
	default:
		return !foldsToClaim(name) && s.skip()
	}
	return ok
}

// foldsToClaim reports whether an ASCII name matches a claim's without
// regard to case, as encoding/json matches them.
func foldsToClaim(name string) bool {
	for _, claim := range [...]string{"jti", "htm", "htu", "iat", "ath", "nonce"} {
		if strings.EqualFold(name, claim) {
			return true
		}
	}
	return false
}

// skip reads a value that is no claim.
func (s *claimScanner) skip() bool {
	s.space()
	if s.i == len(s.data) {
		return false
	}
	switch c := s.data[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		_, ok := s.number()
		return ok
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if strings.HasPrefix(s.data[s.i:], lit) {
			s.i += len(lit)
			return true
		}
	}
	return false
}

// str reads a string of printable ASCII without escapes, after spaces.
func (s *claimScanner) str() (string, bool) {
	if !s.next('"') {
		return "", false
	}
	start := s.i
	for ; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '"':
			s.i++
			return s.data[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", false
		}
	}
	return "", false
}

// number reads a number (RFC 8259 §6) and returns where it starts.
func (s *claimScanner) number() (start int, ok bool) {
	start = s.i
	s.skipByte('-')
	switch {
	case s.skipByte('0'):
	case !s.digits():
		return start, false
	}
	if s.skipByte('.') && !s.digits() {
		return start, false
	}
	if s.skipByte('e') || s.skipByte('E') {
		if !s.skipByte('+') {
			s.skipByte('-')
		}
		if !s.digits() {
			return start, false
		}
	}
	return start, true
}

// digits reads one digit or more.
func (s *claimScanner) digits() bool {
	start := s.i
	for s.i < len(s.data) && '0' <= s.data[s.i] && s.data[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// skipByte reads c if it comes next.
func (s *claimScanner) skipByte(c byte) bool {
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

// next reads c if it comes next after spaces.
func (s *claimScanner) next(c byte) bool {
	s.space()
	return s.skipByte(c)
}

// space reads the spaces of RFC 8259 §2.
func (s *claimScanner) space() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// end reports whether only spaces are left.
func (s *claimScanner) end() bool {
	s.space()
	return s.i == len(s.data)
}
