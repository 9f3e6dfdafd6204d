package devicecode

import (
	"crypto/rand"
	"strings"
)

// UserCodeAlphabet is the alphabet of user codes: twenty consonants, no
// vowels (so no words are spelt) and no letters easily confused with
// digits, as RFC 8628 §6.1 suggests.
const UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// UserCodeLength is the number of characters of a user code: 20^8, about
// 2^34.6, codes (RFC 8628 §5.1), which with a short lifetime and throttled
// entry leaves a guesser a negligible chance.
const UserCodeLength = 8

// maxUserCodeInput bounds what NormalizeUserCode reads: a code with
// generous separators fits in it, anything longer is not a code.
const maxUserCodeInput = 64

// NewUserCode returns a random user code of UserCodeLength characters of
// UserCodeAlphabet, unformatted: crypto/rand bytes are drawn with
// rejection, so every character is equally likely.
func NewUserCode() string {
	const limit = 256 - 256%len(UserCodeAlphabet) // 240: reject above, no bias
	out := make([]byte, 0, UserCodeLength)
	var buf [16]byte
	for len(out) < UserCodeLength {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+).
		for _, b := range buf {
			if int(b) < limit && len(out) < UserCodeLength {
				out = append(out, UserCodeAlphabet[int(b)%len(UserCodeAlphabet)])
			}
		}
	}
	return string(out)
}

// FormatUserCode shows a normalised code as the user reads and types it:
// two groups of four separated by a dash, XXXX-XXXX. Anything else is
// returned as it is.
func FormatUserCode(code string) string {
	if len(code) != UserCodeLength {
		return code
	}
	return code[:4] + "-" + code[4:]
}

// NormalizeUserCode returns the code a user typed in its canonical form,
// and whether it is one: ASCII letters of UserCodeAlphabet in either case,
// UserCodeLength of them, with dashes and spaces anywhere ignored
// (RFC 8628 §6.1). Any other character, such as a digit, a vowel or a
// letter outside ASCII, makes it no code.
func NormalizeUserCode(s string) (string, bool) {
	if len(s) > maxUserCodeInput {
		return "", false
	}
	var out [UserCodeLength]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ' || c == '\t':
			continue
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if !strings.ContainsRune(UserCodeAlphabet, rune(c)) || n == UserCodeLength {
			return "", false
		}
		out[n] = c
		n++
	}
	if n != UserCodeLength {
		return "", false
	}
	return string(out[:]), true
}
