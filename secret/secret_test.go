package secret_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/grantry/grantry/secret"
)

// isBase64URL reports whether s holds only the unpadded base64url alphabet.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func TestRandomValues(t *testing.T) {
	tests := []struct {
		name     string
		gen      func() string
		length   int
		rawBytes int
	}{
		{"Token", secret.Token, 43, secret.TokenBytes},
		{"ID", secret.ID, 22, 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 2000
			seen := make(map[string]bool, n)
			var ones, bits int
			for range n {
				v := tt.gen()
				if len(v) != tt.length || !isBase64URL(v) {
					t.Fatalf("%s() = %q: want %d base64url characters", tt.name, v, tt.length)
				}
				raw, err := base64.RawURLEncoding.Strict().DecodeString(v)
				if err != nil || len(raw) != tt.rawBytes {
					t.Fatalf("%s() = %q decodes to %d bytes (%v), want %d", tt.name, v, len(raw), err, tt.rawBytes)
				}
				if seen[v] {
					t.Fatalf("%s() repeated %q within %d draws", tt.name, v, n)
				}
				seen[v] = true
				for _, b := range raw {
					for ; b != 0; b &= b - 1 {
						ones++
					}
				}
				bits += 8 * len(raw)
			}
			// A fair source sets half the bits; 2000 draws make a deviation
			// of 1% about ten standard deviations.
			if ratio := float64(ones) / float64(bits); ratio < 0.49 || ratio > 0.51 {
				t.Errorf("%s() sets %.4f of its bits, want about 0.5", tt.name, ratio)
			}
		})
	}
}

func TestDigest(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// FIPS 180-2 Appendix B.1: SHA-256("abc") =
		// ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad.
		{"abc", "abc", "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"},
		// SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855.
		{"empty", "", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.Digest(tt.in); got != tt.want {
				t.Errorf("Digest(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if secret.Digest("abc") == secret.Digest("abd") {
		t.Error("Digest(abc) == Digest(abd)")
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same", "s3cr3t", "s3cr3t", true},
		{"both empty", "", "", true},
		{"differ in last byte", "s3cr3t", "s3cr3u", false},
		{"differ in first byte", "s3cr3t", "t3cr3t", false},
		{"prefix", "s3cr3t", "s3cr3", false},
		{"empty and not", "", "x", false},
		{"case", "Secret", "secret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.Equal(tt.a, tt.b); got != tt.want {
				t.Errorf("Equal(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := secret.Equal(tt.b, tt.a); got != tt.want {
				t.Errorf("Equal(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestHashSecret(t *testing.T) {
	s := secret.Token()
	h := secret.HashSecret(s)
	if want := "sha256$" + secret.Digest(s); h != want {
		t.Errorf("HashSecret = %q, want %q", h, want)
	}
	if strings.Contains(h, s) {
		t.Errorf("HashSecret(%q) = %q contains the secret", s, h)
	}
	if secret.IsSlow(h) {
		t.Errorf("IsSlow(%q) = true, want false", h)
	}
	tests := []struct {
		name, try string
		want      bool
	}{
		{"right", s, true},
		{"wrong", s[:len(s)-1] + "x", false},
		{"truncated", s[:len(s)-1], false},
		{"extended", s + "x", false},
		{"empty", "", false},
		{"the hash itself", h, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.Verify(h, tt.try); got != tt.want {
				t.Errorf("Verify(HashSecret(s), %q) = %v, want %v", tt.try, got, tt.want)
			}
		})
	}
}

func TestVerifyMalformedSHA256(t *testing.T) {
	d := secret.Digest("s1")
	sum := sha256.Sum256([]byte("s1"))
	tests := []struct {
		name, hash string
	}{
		{"empty", ""},
		{"scheme only", "sha256"},
		{"no digest", "sha256$"},
		{"digest without scheme", d},
		{"upper-case scheme", "SHA256$" + d},
		{"unknown scheme", "md5$" + d},
		{"bad base64", "sha256$" + d[:42] + "!"},
		{"padded digest", "sha256$" + d + "="},
		{"standard alphabet", "sha256$" + base64.RawStdEncoding.EncodeToString([]byte{0xfb, 0xff})},
		{"short digest", "sha256$" + d[:40]},
		{"hex digest", "sha256$" + hex.EncodeToString(sum[:])},
		{"digest twice", "sha256$" + d + d},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bool
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("Verify(%q, s1) panicked: %v", tt.hash, r)
					}
				}()
				got = secret.Verify(tt.hash, "s1")
			}()
			if got {
				t.Errorf("Verify(%q, s1) = true, want false", tt.hash)
			}
		})
	}
}

func TestIsSlow(t *testing.T) {
	tests := []struct {
		hash string
		want bool
	}{
		{"argon2id$v=19$m=65536,t=3,p=4$c2FsdA$a2V5", true},
		{"argon2id$", true},
		{"argon2id", false},
		{"sha256$abc", false},
		{"argon2i$v=19$m=65536,t=3,p=4$c2FsdA$a2V5", false},
		{"$argon2id$v=19", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.hash, func(t *testing.T) {
			if got := secret.IsSlow(tt.hash); got != tt.want {
				t.Errorf("IsSlow(%q) = %v, want %v", tt.hash, got, tt.want)
			}
		})
	}
}

// An ID never begins with "-", which a command would take
// for a flag (one in 64 of random base64url IDs would).
func TestIDIsNoFlag(t *testing.T) {
	seen := make(map[string]bool)
	for range 2000 {
		id := secret.ID()
		if strings.HasPrefix(id, "-") || len(id) != 22 {
			t.Fatalf("secret.ID() = %q, want 22 characters not beginning with -", id)
		}
		seen[id] = true
	}
	if len(seen) != 2000 {
		t.Errorf("distinct IDs: got %d, want 2000", len(seen))
	}
}

func TestOrderedID(t *testing.T) {
	base := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		first, next time.Time
	}{
		{"one microsecond later", base, base.Add(time.Microsecond)},
		{"one second later", base, base.Add(time.Second)},
		{"one year later", base, base.AddDate(1, 0, 0)},
		{"from 1978 to now", time.Date(1979, 1, 1, 0, 0, 0, 0, time.UTC), base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := secret.OrderedID(tc.first), secret.OrderedID(tc.next)
			if len(a) != 22 || len(b) != 22 || strings.HasPrefix(a, "-") || strings.HasPrefix(b, "-") {
				t.Fatalf("OrderedID: got %q and %q, want 22 characters not beginning with -", a, b)
			}
			if a >= b {
				t.Errorf("OrderedID(%v) = %q, OrderedID(%v) = %q: got the later not greater", tc.first, a, tc.next, b)
			}
		})
	}
}

func TestOrderedIDDistinct(t *testing.T) {
	now := time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)
	seen := make(map[string]bool)
	for range 2000 {
		id := secret.OrderedID(now)
		for _, c := range id {
			if !strings.ContainsRune("-_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", c) {
				t.Fatalf("OrderedID() = %q: got %q, want base64url characters only", id, c)
			}
		}
		seen[id] = true
	}
	if len(seen) != 2000 {
		t.Errorf("distinct IDs made at one instant: got %d, want 2000", len(seen))
	}
}
