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
	var out [tokenChars]byte
	base64.RawURLEncoding.Encode(out[:], b[:])
	return string(out[:])
}

// Equal compares two secrets in time that depends only on their lengths.
func Equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Lengths, in base64url characters without padding, of the IDs made by ID
// and OrderedID, of the values made by Token
// (base64.RawURLEncoding.EncodedLen(TokenBytes)) and of digests
// (base64.RawURLEncoding.EncodedLen(sha256.Size)).
const (
	idChars     = 22
	tokenChars  = 43
	digestChars = 43
)

// TokenWithID returns a new random token that begins with id and a dot:
// id, ".", then a value made as by Token (66 characters in all). Its
// digest begins with id too (see Digest), so that a store indexing the
// digests of tokens whose IDs are made by OrderedID adds each at the end
// of its index, not at a random place. The ID is no secret: the 256 random
// bits that follow it are the credential. An id that is not 22 base64url
// characters is left out, and the token is made by Token alone.
func TokenWithID(id string) string {
	if !isID(id) {
		return Token()
	}
	var b [TokenBytes]byte
	_, _ = rand.Read(b[:])
	var out [idChars + 1 + tokenChars]byte
	copy(out[:], id)
	out[idChars] = '.'
	base64.RawURLEncoding.Encode(out[idChars+1:], b[:])
	return string(out[:])
}

// Digest returns the key under which a token or code is stored, so a copy
// of the store holds no usable credential: the base64url SHA-256 digest
// of the token (43 characters). A token of the form TokenWithID makes (22
// base64url characters, a dot, 43 more) keeps its ID in front: its key is
// the ID, a dot and the digest of the whole token (66 characters). It
// allocates only its result: tokens of up to 256 bytes are hashed from a
// copy on the stack.
func Digest(token string) string {
	sum := sum256(token)
	if hasID(token) {
		var out [idChars + 1 + digestChars]byte
		copy(out[:], token[:idChars+1])
		base64.RawURLEncoding.Encode(out[idChars+1:], sum[:])
		return string(out[:])
	}
	var out [digestChars]byte
	base64.RawURLEncoding.Encode(out[:], sum[:])
	return string(out[:])
}

// hasID reports whether token has the form TokenWithID makes.
func hasID(token string) bool {
	return len(token) == idChars+1+tokenChars && token[idChars] == '.' &&
		isID(token[:idChars]) && isBase64URL(token[idChars+1:])
}

// isID reports whether s is 22 base64url characters.
func isID(s string) bool { return len(s) == idChars && isBase64URL(s) }

// isBase64URL reports whether every byte of s is of the base64url
// alphabet.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sum256 returns the SHA-256 of s, without allocating for s of up to 256
// bytes, which are hashed from a copy on the stack.
func sum256(s string) [sha256.Size]byte {
	if len(s) <= 256 {
		var buf [256]byte
		n := copy(buf[:], s)
		return sha256.Sum256(buf[:n])
	}
	return sha256.Sum256([]byte(s))
}

// ID returns a new random identifier of about 128 bits, base64url
// encoded without padding (22 characters): unique, but not a credential.
// It never begins with "-", so that it can be given to a command as an
// argument without being taken for a flag.
func ID() string {
	var b [16]byte
	var out [idChars]byte // base64.RawURLEncoding.EncodedLen(16)
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
	var out [idChars]byte
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
