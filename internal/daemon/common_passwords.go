package daemon

import "strings"

// commonPasswords are passwords of at least minPassword characters that
// appear near the top of published lists of leaked passwords, compared
// without case. An online guesser tries them first; so are they refused.
var commonPasswords = setOf(
	"0000000000", "0123456789", "0987654321", "1111111111", "1122334455", "1234512345",
	"1234567890", "12345678910", "123456789a", "123456789q", "1234567891", "123123123123",
	"123456123456", "123qweasdzxc", "1q2w3e4r5t", "1q2w3e4r5t6y", "1qaz2wsx3edc", "9876543210",
	"a123456789", "aaaaaaaaaa", "abc1234567", "abcd123456", "abcdefghij", "administrator",
	"asdfghjkl1", "asdfghjkl;", "azertyuiop", "baseball123", "changeme123", "charlie123",
	"dragon12345", "football123", "iloveyou12", "iloveyou123", "letmein123", "master12345",
	"michael123", "monkey12345", "p@ssw0rd123", "passw0rd123", "password01", "password12",
	"password123", "password1234", "password12345", "password123!", "password1!", "passwordpassword",
	"princess123", "q1w2e3r4t5", "q1w2e3r4t5y6", "qazwsxedcrfv", "qwe123qwe123", "qwerty12345",
	"qwerty123456", "qwerty123!", "qwertyuiop", "qwertyuiop1", "qwertyuiop123", "sunshine123",
	"superman123", "trustno1234", "welcome123", "welcome123!", "zaq12wsxcde3", "zxcvbnm123",
	"zxcvbnmasdfghjkl", "admin12345", "admin123456", "123456789abc", "abc123456789", "changeme12",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// common reports whether pw is a common password, or one character
// repeated.
func common(pw string) bool {
	if commonPasswords[strings.ToLower(pw)] {
		return true
	}
	r := []rune(pw)
	for _, c := range r[1:] {
		if c != r[0] {
			return false
		}
	}
	return true
}
