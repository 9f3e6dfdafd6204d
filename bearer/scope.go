package bearer

import (
	"strings"

	"github.com/grantry/grantry"
)

// Requirement is what scope a token must grant: every scope of at least one
// of its alternatives. The zero Requirement asks for no scope: any valid
// token satisfies it.
type Requirement struct {
	alternatives []grantry.Scope
}

// AllOf requires every one of the scopes. An argument may hold several
// space-delimited scopes: AllOf("profile email") is AllOf("profile",
// "email"). It panics on a character RFC 6749 §3.3 does not allow in a
// scope, a programming error.
func AllOf(scopes ...string) Requirement {
	sc := grantry.MustParseScope(strings.Join(scopes, " "))
	if len(sc) == 0 {
		return Requirement{}
	}
	return Requirement{alternatives: []grantry.Scope{sc}}
}

// AnyOf requires one of the alternatives, each a space-delimited list of
// scopes that must all be granted: AnyOf("profile email", "admin") is
// satisfied by a token with both profile and email, or with admin. An
// empty alternative is satisfied by any token. It panics on a character
// RFC 6749 §3.3 does not allow in a scope, a programming error.
func AnyOf(alternatives ...string) Requirement {
	var q Requirement
	for _, a := range alternatives {
		q.alternatives = append(q.alternatives, grantry.MustParseScope(a))
	}
	return q
}

// SatisfiedBy reports whether a token granting sc meets the requirement.
func (q Requirement) SatisfiedBy(sc grantry.Scope) bool {
	if len(q.alternatives) == 0 {
		return true
	}
	for _, alt := range q.alternatives {
		if sc.Contains(alt) {
			return true
		}
	}
	return false
}

// Needed returns the scope named in an insufficient_scope challenge: the
// first alternative, a scope that would suffice.
func (q Requirement) Needed() grantry.Scope {
	if len(q.alternatives) == 0 {
		return nil
	}
	return q.alternatives[0]
}

// String formats the requirement: alternatives separated by " | ", each a
// space-delimited scope.
func (q Requirement) String() string {
	parts := make([]string, len(q.alternatives))
	for i, alt := range q.alternatives {
		parts[i] = alt.String()
	}
	return strings.Join(parts, " | ")
}
