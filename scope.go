package grantry

import (
	"errors"
	"strings"
)

// Scope is a set of scope tokens (RFC 6749 §3.3), kept in the order first
// seen and without duplicates.
type Scope []string

var errScopeToken = errors.New("scope token holds a character outside %x21 / %x23-5B / %x5D-7E")

// ParseScope parses a space-delimited scope string. Empty tokens from extra
// spaces are ignored, duplicates are dropped, and a token with a character
// RFC 6749 §3.3 does not allow is an error.
func ParseScope(s string) (Scope, error) {
	if s == "" {
		return nil, nil
	}
	var sc Scope
	var seen map[string]struct{} // once sc is long: Has would make parsing quadratic
	for tok := range strings.SplitSeq(s, " ") {
		if tok == "" {
			continue
		}
		if !validScopeToken(tok) {
			return nil, errScopeToken
		}
		if seen == nil && len(sc) == linearDedupLimit {
			seen = make(map[string]struct{}, 2*len(sc))
			for _, t := range sc {
				seen[t] = struct{}{}
			}
		}
		if seen != nil {
			if _, dup := seen[tok]; dup {
				continue
			}
			seen[tok] = struct{}{}
		} else if sc.Has(tok) {
			continue
		}
		sc = append(sc, tok)
	}
	return sc, nil
}

// linearDedupLimit is how many tokens ParseScope compares one by one
// before it switches to a set, so that a hostile scope of many thousand
// tokens costs linear time.
const linearDedupLimit = 16

// MustParseScope is ParseScope for constant inputs; it panics on an invalid
// token.
func MustParseScope(s string) Scope {
	sc, err := ParseScope(s)
	if err != nil {
		panic("grantry: " + err.Error() + ": " + s)
	}
	return sc
}

func validScopeToken(tok string) bool {
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c < 0x21 || c == 0x22 || c == 0x5C || c > 0x7E {
			return false
		}
	}
	return true
}

// String formats the scope as a space-delimited string.
func (s Scope) String() string { return strings.Join(s, " ") }

// Has reports whether the scope holds the token.
func (s Scope) Has(token string) bool {
	for _, t := range s {
		if t == token {
			return true
		}
	}
	return false
}

// Contains reports whether every token of other is in s.
func (s Scope) Contains(other Scope) bool {
	for _, t := range other {
		if !s.Has(t) {
			return false
		}
	}
	return true
}

// Intersect returns the tokens of s that are also in other, in the order of s.
func (s Scope) Intersect(other Scope) Scope {
	var out Scope
	for _, t := range s {
		if other.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// Equal reports whether s and other hold the same tokens, in any order.
func (s Scope) Equal(other Scope) bool {
	return s.Contains(other) && other.Contains(s)
}
