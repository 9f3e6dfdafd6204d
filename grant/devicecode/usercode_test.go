package devicecode_test

import (
	"strings"
	"testing"

	"github.com/grantry/grantry/grant/devicecode"
)

func TestNormalizeUserCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"BCDF-GHJK", "BCDFGHJK", true},
		{"bcdfghjk", "BCDFGHJK", true},
		{"  bcdf ghjk ", "BCDFGHJK", true},
		{"B-C-D-F-G-H-J-K", "BCDFGHJK", true},
		{"bcdf\tghjk", "BCDFGHJK", true},
		{"", "", false},
		{"----", "", false},
		{"BCDF-GHJ", "", false},
		{"BCDF-GHJKL", "", false},
		{"ABCD-EFGH", "", false},                          // vowels are not in the alphabet
		{"BCDF-GHJ1", "", false},                          // nor digits
		{"BCDF_GHJK", "", false},                          // nor other separators
		{"BCDF-GHJ\u212a", "", false},                     // the Kelvin sign is not K
		{"BCDF-GHJK\x00", "", false},                      // nor is a NUL a separator
		{strings.Repeat("-", 60) + "BCDFGHJK", "", false}, // too long to be typed
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := devicecode.NormalizeUserCode(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestNewUserCode draws codes and checks that each is well formed and
// that every letter of the alphabet turns up in every position.
func TestNewUserCode(t *testing.T) {
	var seen [devicecode.UserCodeLength]map[byte]bool
	for i := range seen {
		seen[i] = map[byte]bool{}
	}
	for range 2000 {
		code := devicecode.NewUserCode()
		if got, ok := devicecode.NormalizeUserCode(devicecode.FormatUserCode(code)); !ok || got != code {
			t.Fatalf("NewUserCode gave %q, which normalises to %q, %v", code, got, ok)
		}
		for i := range len(code) {
			seen[i][code[i]] = true
		}
	}
	for i, s := range seen {
		if len(s) != len(devicecode.UserCodeAlphabet) {
			t.Errorf("position %d: got %d distinct letters, want %d", i, len(s), len(devicecode.UserCodeAlphabet))
		}
	}
}

// FuzzNormalizeUserCode checks that whatever is typed, the normaliser
// never panics and accepts only canonical codes, which read back as
// themselves, formatted or not.
func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdf ghjk", "", "ABCD-EFGH", "ḂCDF-GHJK", "BCDF-GHJK-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := devicecode.NormalizeUserCode(s)
		if !ok {
			if got != "" {
				t.Fatalf("NormalizeUserCode(%q) = %q, false; want an empty code", s, got)
			}
			return
		}
		if len(got) != devicecode.UserCodeLength || strings.Trim(got, devicecode.UserCodeAlphabet) != "" {
			t.Fatalf("NormalizeUserCode(%q) = %q, not a canonical code", s, got)
		}
		for _, again := range []string{got, devicecode.FormatUserCode(got), strings.ToLower(got)} {
			if g, ok := devicecode.NormalizeUserCode(again); !ok || g != got {
				t.Fatalf("NormalizeUserCode(%q) = %q, %v; want %q", again, g, ok, got)
			}
		}
	})
}
