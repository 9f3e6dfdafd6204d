package bearer_test

import (
	"testing"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/bearer"
)

func TestRequirement(t *testing.T) {
	tests := []struct {
		name       string
		q          bearer.Requirement
		scope      string
		want       bool
		wantNeeded string
		wantString string
	}{
		{"zero asks nothing", bearer.Requirement{}, "", true, "", ""},
		{"AllOf() asks nothing", bearer.AllOf(), "", true, "", ""},
		{"all of, met", bearer.AllOf("a", "b"), "b c a", true, "a b", "a b"},
		{"all of, one missing", bearer.AllOf("a", "b"), "a c", false, "a b", "a b"},
		{"all of, space-delimited argument", bearer.AllOf("a b"), "a", false, "a b", "a b"},
		{"any of, second met", bearer.AnyOf("a b", "c"), "c", true, "a b", "a b | c"},
		{"any of, first met", bearer.AnyOf("a b", "c"), "a b", true, "a b", "a b | c"},
		{"any of, half of first only", bearer.AnyOf("a b", "c"), "a", false, "a b", "a b | c"},
		{"any of with an empty alternative", bearer.AnyOf("a", ""), "", true, "a", "a | "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.SatisfiedBy(grantry.MustParseScope(tt.scope)); got != tt.want {
				t.Errorf("SatisfiedBy(%q): got %v, want %v", tt.scope, got, tt.want)
			}
			if got := tt.q.Needed().String(); got != tt.wantNeeded {
				t.Errorf("Needed: got %q, want %q", got, tt.wantNeeded)
			}
			if got := tt.q.String(); got != tt.wantString {
				t.Errorf("String: got %q, want %q", got, tt.wantString)
			}
		})
	}
	for _, bad := range []func(){func() { bearer.AllOf(`a"b`) }, func() { bearer.AnyOf(`x\y`) }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a scope with a forbidden character did not panic")
				}
			}()
			bad()
		}()
	}
}
