// Package secret makes and checks the secrets Grantry handles: random
// tokens from crypto/rand, constant-time comparison, the SHA-256 digests
// under which tokens and codes are stored, and the hashes of client
// secrets.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// TokenBytes is the size of generated tokens and codes: 256 bits.
const TokenBytes = 32

// Token returns a new random value of TokenBytes bytes, base64url encoded
// without padding (43 characters).
func Token() string {
	var b [TokenBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	var out [43]byte       // base64.RawURLEncoding.EncodedLen(TokenBytes)
	base64.RawURLEncoding.Encode(out[:], b[:])
	return string(out[:])
}

// Equal compares two secrets in time that depends only on their lengths.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Digest returns the base64url SHA-256 digest of a token: the key under
// which a token or code is stored, so a copy of the store holds no usable
// credential. It allocates only its result: tokens of up to 256 bytes are
// hashed from a copy on the stack.
func Digest(token string) string {
	var sum [sha256.Size]byte
	if len(token) <= 256 {
		var buf [256]byte
		n := copy(buf[:], token)
		sum = sha256.Sum256(buf[:n])
	} else {
		sum = sha256.Sum256([]byte(token))
	}
	var out [43]byte // base64.RawURLEncoding.EncodedLen(sha256.Size)
	base64.RawURLEncoding.Encode(out[:], sum[:])
	return string(out[:])
}

// ID returns a new random identifier of about 128 bits, base64url
// encoded without padding (22 characters): unique, but not a credential.
// It never begins with "-", so that it can be given to a command as an
// argument without being taken for a flag.
func ID() string {
	var b [16]byte
	var out [22]byte // base64.RawURLEncoding.EncodedLen(16)
	for {
		_, _ = rand.Read(b[:])
		base64.RawURLEncoding.Encode(out[:], b[:])
		if out[0] != '-' {
			return string(out[:])
		}
	}
}

// orderedAlphabet is the base64url alphabet in ASCII order: the encodings
// of two numbers of one length compare as the numbers do.
const orderedAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// OrderedID returns a new identifier of 22 characters, from the same
// alphabet as ID, that sorts by the time t it is made for: 9 characters
// of the microseconds since the Unix epoch, then 13 random ones (78 bits).
// An index of such IDs grows at its end, which a B-tree (a database's
// primary key) inserts into far more cheaply than at random places. It
// tells when it was made, so use it only where that is no secret (a
// token's ID, whose time of issue its record and JWT carry anyway). It
// never begins with "-" for times after 1978.
func OrderedID(t time.Time) string {
	var out [22]byte
	us := uint64(t.UnixMicro())
	for i := 8; i >= 0; i-- {
		out[i] = orderedAlphabet[us&63]
		us >>= 6
	}
	var b [13]byte
	_, _ = rand.Read(b[:])
	for i, c := range b {
		out[9+i] = orderedAlphabet[c&63]
	}
	return string(out[:])
}
