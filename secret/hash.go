package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Hash formats. A generated client secret carries 256 bits of entropy, so
// one SHA-256 is enough and keeps the token endpoint fast; a secret chosen
// by a person is hashed with argon2id.
const (
	schemeSHA256   = "sha256"
	schemeArgon2id = "argon2id"
)

// argon2id parameters: RFC 9106 §4, second recommended option.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 4
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on the parameters of a stored argon2id hash, so that a crafted
// hash cannot make one verification take gigabytes or minutes (RFC 9106
// §3.1 asks for a salt of at least 8 bytes; keys under 16 bytes are weak).
const (
	maxArgonMemory = 256 * 1024 // KiB
	maxArgonTime   = 10
)

// HashSecret returns the stored form of a generated, high-entropy client
// secret: "sha256$" followed by the base64url digest.
func HashSecret(secret string) string {
	return schemeSHA256 + "$" + Digest(secret)
}

// HashPassword returns the stored form of a low-entropy secret, such as a
// password or an imported client secret: an argon2id hash with a random salt.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return formatArgon2id(salt, key)
}

// UnmatchablePasswordHash returns a hash in the format and with the
// parameters of HashPassword that no password matches: its salt and key
// are random bytes, not the output of argon2id, so it costs nothing to
// make. Verifying against it costs what verifying a password does, which
// is what a sign-in for an unknown user needs, so that unknown names
// cannot be told from wrong passwords by timing.
func UnmatchablePasswordHash() string {
	b := make([]byte, argonSaltLen+argonKeyLen)
	_, _ = rand.Read(b)
	return formatArgon2id(b[:argonSaltLen], b[argonSaltLen:])
}

func formatArgon2id(salt, key []byte) string {
	enc := base64.RawURLEncoding
	return fmt.Sprintf("%s$v=19$m=%d,t=%d,p=%d$%s$%s", schemeArgon2id, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// Verify reports whether secret matches a hash made by HashSecret or
// HashPassword. An empty or unknown hash never matches.
func Verify(hash, secret string) bool {
	scheme, rest, ok := strings.Cut(hash, "$")
	if !ok {
		return false
	}
	switch scheme {
	case schemeSHA256:
		if base64.RawURLEncoding.DecodedLen(len(rest)) != sha256.Size {
			return false
		}
		sum := sum256(secret)
		var want [sha256.Size]byte
		var enc [64]byte // DecodedLen(len(rest)) is sha256.Size: rest is short
		n, err := base64.RawURLEncoding.Decode(want[:], enc[:copy(enc[:], rest)])
		return err == nil && n == sha256.Size && subtle.ConstantTimeCompare(sum[:], want[:]) == 1
	case schemeArgon2id:
		return verifyArgon2id(rest, secret)
	}
	return false
}

// IsSlow reports whether verifying against hash is deliberately slow, so
// that callers may cache successful verifications.
func IsSlow(hash string) bool { return strings.HasPrefix(hash, schemeArgon2id+"$") }

func verifyArgon2id(encoded, secret string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != "v=19" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	if m < 8*uint32(p) || m > maxArgonMemory || t == 0 || t > maxArgonTime || p == 0 {
		return false
	}
	enc := base64.RawURLEncoding
	salt, err1 := enc.DecodeString(parts[2])
	key, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}
