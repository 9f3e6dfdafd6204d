package grantry_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grantry/grantry"
)

// scopeTokenByte reports whether c may appear in a scope token:
// NQCHAR = %x21 / %x23-5B / %x5D-7E (RFC 6749 §3.3, Appendix A.4).
func scopeTokenByte(c byte) bool {
	return c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want grantry.Scope
	}{
		{"empty", "", nil},
		{"one token", "profile", grantry.Scope{"profile"}},
		{"two tokens", "profile email", grantry.Scope{"profile", "email"}},
		{"order kept", "email profile openid", grantry.Scope{"email", "profile", "openid"}},
		{"only spaces", "   ", nil},
		{"leading space", " profile", grantry.Scope{"profile"}},
		{"trailing space", "profile ", grantry.Scope{"profile"}},
		{"several spaces between", "profile    email", grantry.Scope{"profile", "email"}},
		{"duplicate", "profile profile", grantry.Scope{"profile"}},
		{"duplicates keep first position", "a b a c b", grantry.Scope{"a", "b", "c"}},
		{"case sensitive", "Profile profile", grantry.Scope{"Profile", "profile"}},
		{"URI token", "https://api.example/read urn:x:y", grantry.Scope{"https://api.example/read", "urn:x:y"}},
		{"every punctuation allowed", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~", grantry.Scope{"!#$%&'()*+,-./:;<=>?@[]^_`{|}~"}},
		{"16 tokens and a duplicate", numbered(0, 16) + " s0 s15", scopeOf(0, 16)},
		{"many tokens, duplicates before and after the 17th", numbered(0, 40) + " s3 s20 " + numbered(0, 40) + " s40", scopeOf(0, 41)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := grantry.ParseScope(tt.in)
			if err != nil {
				t.Fatalf("ParseScope(%q): got error %v, want nil", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseScope(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseScopeEveryByte checks each of the 256 byte values inside a token:
// the ones NQCHAR allows parse, the space separates, every other is an error.
func TestParseScopeEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		in := "a" + string([]byte{b}) + "z"
		got, err := grantry.ParseScope(in)
		switch {
		case b == ' ':
			if err != nil || !slices.Equal(got, grantry.Scope{"a", "z"}) {
				t.Errorf("ParseScope(%q) = %q, %v; want [a z], nil", in, got, err)
			}
		case scopeTokenByte(b):
			if err != nil || !slices.Equal(got, grantry.Scope{in}) {
				t.Errorf("ParseScope(%q) = %q, %v; want [%s], nil", in, got, err, in)
			}
		default:
			if err == nil {
				t.Errorf("ParseScope(%q) = %q, nil; want an error for byte %#02x", in, got, b)
			}
			if got != nil {
				t.Errorf("ParseScope(%q) returned scope %q with its error, want nil", in, got)
			}
		}
	}
}

func TestParseScopeForbidden(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"double quote", `profile "email"`},
		{"backslash", `profile a\b`},
		{"tab separator", "profile\temail"},
		{"newline separator", "profile\nemail"},
		{"carriage return", "profile\r"},
		{"NUL", "profile\x00"},
		{"DEL", "profile\x7f"},
		{"non-breaking space", "profile\u00a0email"},
		{"UTF-8 letter", "profilé"},
		{"invalid UTF-8", "profile \xff"},
		{"bad token after good ones", "a b c d\"e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := grantry.ParseScope(tt.in)
			if err == nil {
				t.Fatalf("ParseScope(%q) = %q, nil; want an error", tt.in, got)
			}
			if got != nil {
				t.Errorf("ParseScope(%q) scope = %q, want nil with the error", tt.in, got)
			}
		})
	}
}

func TestMustParseScope(t *testing.T) {
	t.Run("valid", func(t *testing.T) {
		got := grantry.MustParseScope("openid  profile openid")
		if want := (grantry.Scope{"openid", "profile"}); !slices.Equal(got, want) {
			t.Errorf("MustParseScope = %q, want %q", got, want)
		}
	})
	t.Run("invalid panics", func(t *testing.T) {
		defer func() {
			r := recover()
			if r == nil {
				t.Fatal("MustParseScope(`a\"b`) did not panic")
			}
			msg, ok := r.(string)
			if !ok || !strings.HasPrefix(msg, "grantry: ") || !strings.Contains(msg, `a"b`) {
				t.Errorf("panic value = %#v, want a string naming the package and the input", r)
			}
		}()
		grantry.MustParseScope(`a"b`)
	})
}

func TestScopeString(t *testing.T) {
	tests := []struct {
		name string
		in   grantry.Scope
		want string
	}{
		{"nil", nil, ""},
		{"one", grantry.Scope{"openid"}, "openid"},
		{"several", grantry.Scope{"openid", "profile", "email"}, "openid profile email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScopeHas(t *testing.T) {
	s := grantry.Scope{"openid", "profile"}
	tests := []struct {
		token string
		want  bool
	}{
		{"openid", true},
		{"profile", true},
		{"email", false},
		{"", false},
		{"Profile", false},
		{"openid profile", false},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			if got := s.Has(tt.token); got != tt.want {
				t.Errorf("%q.Has(%q) = %v, want %v", s, tt.token, got, tt.want)
			}
		})
	}
	if grantry.Scope(nil).Has("openid") {
		t.Error("nil scope Has(openid) = true, want false")
	}
}

func TestScopeContains(t *testing.T) {
	tests := []struct {
		name  string
		s, o  grantry.Scope
		want  bool
		wantR bool // o.Contains(s)
	}{
		{"both empty", nil, nil, true, true},
		{"empty other", grantry.Scope{"a"}, nil, true, false},
		{"same", grantry.Scope{"a", "b"}, grantry.Scope{"a", "b"}, true, true},
		{"other order", grantry.Scope{"a", "b"}, grantry.Scope{"b", "a"}, true, true},
		{"subset", grantry.Scope{"a", "b", "c"}, grantry.Scope{"c", "a"}, true, false},
		{"one missing", grantry.Scope{"a", "b"}, grantry.Scope{"a", "x"}, false, false},
		{"disjoint", grantry.Scope{"a"}, grantry.Scope{"b"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Contains(tt.o); got != tt.want {
				t.Errorf("%q.Contains(%q) = %v, want %v", tt.s, tt.o, got, tt.want)
			}
			if got := tt.o.Contains(tt.s); got != tt.wantR {
				t.Errorf("%q.Contains(%q) = %v, want %v", tt.o, tt.s, got, tt.wantR)
			}
		})
	}
}

func TestScopeIntersect(t *testing.T) {
	tests := []struct {
		name string
		s, o grantry.Scope
		want grantry.Scope
	}{
		{"both empty", nil, nil, nil},
		{"empty other", grantry.Scope{"a"}, nil, nil},
		{"disjoint", grantry.Scope{"a", "b"}, grantry.Scope{"c"}, nil},
		{"order of receiver", grantry.Scope{"c", "a", "b"}, grantry.Scope{"b", "c"}, grantry.Scope{"c", "b"}},
		{"same", grantry.Scope{"a", "b"}, grantry.Scope{"a", "b"}, grantry.Scope{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Intersect(tt.o)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%q.Intersect(%q) = %q, want %q", tt.s, tt.o, got, tt.want)
			}
			if len(got) > 0 && &got[0] == &tt.s[0] {
				t.Errorf("Intersect shares the receiver's backing array")
			}
		})
	}
}

func TestScopeEqual(t *testing.T) {
	tests := []struct {
		name string
		s, o grantry.Scope
		want bool
	}{
		{"both nil", nil, nil, true},
		{"nil and empty", nil, grantry.Scope{}, true},
		{"same order", grantry.Scope{"a", "b"}, grantry.Scope{"a", "b"}, true},
		{"other order", grantry.Scope{"a", "b"}, grantry.Scope{"b", "a"}, true},
		{"subset", grantry.Scope{"a", "b"}, grantry.Scope{"a"}, false},
		{"same length, other token", grantry.Scope{"a", "b"}, grantry.Scope{"a", "c"}, false},
		{"empty and one", nil, grantry.Scope{"a"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Equal(tt.o); got != tt.want {
				t.Errorf("%q.Equal(%q) = %v, want %v", tt.s, tt.o, got, tt.want)
			}
			if got := tt.o.Equal(tt.s); got != tt.want {
				t.Errorf("%q.Equal(%q) = %v, want %v", tt.o, tt.s, got, tt.want)
			}
		})
	}
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{
		"", " ", "openid", "openid profile email", "  a  b  a ", `a"b`, `a\b`,
		"a\tb", "é", "\xff", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "a\x00", "a\x7f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := grantry.ParseScope(s)
		wantErr := strings.ContainsFunc(s, func(r rune) bool {
			return r != ' ' && (r >= utf8.RuneSelf || !scopeTokenByte(byte(r)))
		})
		if wantErr {
			if err == nil {
				t.Fatalf("ParseScope(%q) = %q, nil; want an error", s, sc)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseScope(%q): unexpected error %v", s, err)
		}
		fields := strings.Fields(s)
		seen := make(map[string]bool, len(sc))
		for _, tok := range sc {
			if tok == "" || seen[tok] {
				t.Fatalf("ParseScope(%q) = %q: empty or repeated token %q", s, sc, tok)
			}
			seen[tok] = true
			if !slices.Contains(fields, tok) {
				t.Fatalf("ParseScope(%q) = %q: token %q is not in the input", s, sc, tok)
			}
		}
		for _, f := range fields {
			if !seen[f] {
				t.Fatalf("ParseScope(%q) = %q: input token %q was lost", s, sc, f)
			}
		}
		again, err := grantry.ParseScope(sc.String())
		if err != nil || !slices.Equal(again, sc) {
			t.Fatalf("ParseScope(%q) = %q, %v; want %q (round trip)", sc.String(), again, err, sc)
		}
	})
}

// numbered is the scope string "s<from> ... s<to-1>".
func numbered(from, to int) string { return scopeOf(from, to).String() }

// scopeOf is the scope s<from> ... s<to-1>.
func scopeOf(from, to int) grantry.Scope {
	sc := make(grantry.Scope, 0, to-from)
	for i := from; i < to; i++ {
		sc = append(sc, "s"+strconv.Itoa(i))
	}
	return sc
}

// BenchmarkParseScopeHostile parses a scope of 20,000 distinct tokens, as
// a hostile authorization request may send: the cost must grow linearly.
func BenchmarkParseScopeHostile(b *testing.B) {
	in := numbered(0, 20000)
	for b.Loop() {
		if _, err := grantry.ParseScope(in); err != nil {
			b.Fatal(err)
		}
	}
}
