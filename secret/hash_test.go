package secret_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/grantry/grantry/secret"
)

var b64 = base64.RawURLEncoding

// argonHash formats an argon2id hash in the stored form with the given
// parameters, so that tests can use cheap ones.
func argonHash(password string, salt []byte, m, t uint32, p uint8, keyLen uint32) string {
	key := argon2.IDKey([]byte(password), salt, t, m, p, keyLen)
	return fmt.Sprintf("argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

var hashPasswordFormat = regexp.MustCompile(`^argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$`)

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	h1 := secret.HashPassword(pw)
	h2 := secret.HashPassword(pw)

	if !hashPasswordFormat.MatchString(h1) {
		t.Fatalf("HashPassword = %q, want argon2id$v=19$m=65536,t=3,p=4$<16-byte salt>$<32-byte key>", h1)
	}
	if h1 == h2 {
		t.Errorf("two hashes of one password are equal (%q): the salt is not random", h1)
	}
	if strings.Contains(h1, pw) {
		t.Errorf("HashPassword = %q contains the password", h1)
	}
	if !secret.IsSlow(h1) {
		t.Errorf("IsSlow(%q) = false, want true", h1)
	}

	// The parameters are the RFC 9106 §4 second recommended option, as the
	// pattern pins; Verify recomputes the key under them below.
	tests := []struct {
		name, try string
		want      bool
	}{
		{"right", pw, true},
		{"wrong", "correct horse battery stapler", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.Verify(h2, tt.try); got != tt.want {
				t.Errorf("Verify(HashPassword(pw), %q) = %v, want %v", tt.try, got, tt.want)
			}
		})
	}
}

// UnmatchablePasswordHash looks like HashPassword's output, with the same
// parameters, so that verifying against it costs as much; nothing matches
// it, not even the empty password.
func TestUnmatchablePasswordHash(t *testing.T) {
	h1, h2 := secret.UnmatchablePasswordHash(), secret.UnmatchablePasswordHash()
	if !hashPasswordFormat.MatchString(h1) {
		t.Fatalf("UnmatchablePasswordHash = %q, want the format and parameters of HashPassword", h1)
	}
	if h1 == h2 {
		t.Errorf("two unmatchable hashes are equal (%q): they are not random", h1)
	}
	if !secret.IsSlow(h1) {
		t.Errorf("IsSlow(%q) = false, want true", h1)
	}
	for _, try := range []string{"", "password", h1} {
		if secret.Verify(h1, try) {
			t.Errorf("Verify(UnmatchablePasswordHash(), %q) = true, want false", try)
		}
	}
}

// TestVerifyArgon2idParameters checks that Verify takes the parameters from
// the stored hash, within its limits.
func TestVerifyArgon2idParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	tests := []struct {
		name   string
		m, t   uint32
		p      uint8
		keyLen uint32
	}{
		{"cheap", 8, 1, 1, 32},
		{"several lanes", 64, 2, 4, 32},
		{"most passes", 8, 10, 1, 32},
		{"64-byte key", 8, 1, 1, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := argonHash("pw", salt, tt.m, tt.t, tt.p, tt.keyLen)
			if !secret.Verify(h, "pw") {
				t.Errorf("Verify(%q, pw) = false, want true", h)
			}
			if secret.Verify(h, "pW") {
				t.Errorf("Verify(%q, pW) = true, want false", h)
			}
		})
	}
}

func TestVerifyMalformedArgon2id(t *testing.T) {
	salt := []byte("0123456789abcdef")
	good := argonHash("pw", salt, 8, 1, 1, 32)
	if !secret.Verify(good, "pw") {
		t.Fatalf("Verify(%q, pw) = false, want true", good)
	}
	parts := strings.Split(good, "$") // argon2id, v=19, params, salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	key := argon2.IDKey([]byte("pw"), salt, 1, 8, 1, 32)

	tests := []struct {
		name, hash string
	}{
		{"scheme only", "argon2id"},
		{"nothing after scheme", "argon2id$"},
		{"three parts", join(parts[0], parts[1], parts[2], parts[3])},
		{"five parts", good + "$extra"},
		{"leading dollar", "$" + good},
		{"argon2i scheme", join("argon2i", parts[1], parts[2], parts[3], parts[4])},
		{"version 16", join(parts[0], "v=16", parts[2], parts[3], parts[4])},
		{"no version", join(parts[0], "", parts[2], parts[3], parts[4])},
		{"parameters out of order", join(parts[0], parts[1], "t=1,m=8,p=1", parts[3], parts[4])},
		{"parameter not a number", join(parts[0], parts[1], "m=x,t=1,p=1", parts[3], parts[4])},
		{"parameters missing", join(parts[0], parts[1], "m=8", parts[3], parts[4])},
		{"parameters empty", join(parts[0], parts[1], "", parts[3], parts[4])},
		{"negative memory", join(parts[0], parts[1], "m=-8,t=1,p=1", parts[3], parts[4])},
		{"lanes overflow", join(parts[0], parts[1], "m=8,t=1,p=257", parts[3], parts[4])},
		{"memory overflow", join(parts[0], parts[1], "m=4294967296,t=1,p=1", parts[3], parts[4])},
		{"zero memory", join(parts[0], parts[1], "m=0,t=1,p=1", parts[3], parts[4])},
		{"memory above 256 MiB", join(parts[0], parts[1], fmt.Sprintf("m=%d,t=1,p=1", 256*1024+1), parts[3], parts[4])},
		{"memory below 8 KiB per lane", join(parts[0], parts[1], "m=8,t=1,p=2", parts[3], parts[4])},
		{"salt shorter than 8 bytes", join(parts[0], parts[1], parts[2], b64.EncodeToString([]byte("0123456")), parts[4])},
		{"key shorter than 16 bytes", join(parts[0], parts[1], parts[2], parts[3], b64.EncodeToString(key[:15]))},
		{"zero passes", join(parts[0], parts[1], "m=8,t=0,p=1", parts[3], parts[4])},
		{"too many passes", join(parts[0], parts[1], "m=8,t=11,p=1", parts[3], parts[4])},
		{"zero lanes", join(parts[0], parts[1], "m=8,t=1,p=0", parts[3], parts[4])},
		{"bad salt", join(parts[0], parts[1], parts[2], "!!", parts[4])},
		{"padded salt", join(parts[0], parts[1], parts[2], parts[3]+"=", parts[4])},
		{"bad key", join(parts[0], parts[1], parts[2], parts[3], "a*b")},
		{"empty key", join(parts[0], parts[1], parts[2], parts[3], "")},
		{"key over 64 bytes", join(parts[0], parts[1], parts[2], parts[3], b64.EncodeToString(bytes.Repeat(key, 3)))},
		{"other salt", join(parts[0], parts[1], parts[2], b64.EncodeToString([]byte("fedcba9876543210")), parts[4])},
		{"other parameters", join(parts[0], parts[1], "m=16,t=1,p=1", parts[3], parts[4])},
		{"truncated key", join(parts[0], parts[1], parts[2], parts[3], b64.EncodeToString(key[:31]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if secret.Verify(tt.hash, "pw") {
				t.Errorf("Verify(%q, pw) = true, want false", tt.hash)
			}
		})
	}
}
