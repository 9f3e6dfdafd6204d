package dpop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// DefaultNonceWindow is how long a nonce of Nonces with no window is
// handed out; it is accepted for as long again after.
const DefaultNonceWindow = 5 * time.Minute

// NonceKeySize is the size of the key of Nonces.
const NonceKeySize = 32

const nonceMACSize = 16

// Nonces hands out and checks the server nonces of RFC 9449 §8 and §9
// without storing any: a nonce is the number of the current time window
// and an HMAC-SHA-256 of it under the server's key. One nonce is handed
// out for a whole window and accepted until the end of the next one, so a
// client rarely needs a second round trip. Servers that share the key
// accept each other's nonces. A Nonces is safe for concurrent use.
type Nonces struct {
	key    []byte
	window time.Duration
	now    func() time.Time
}

// NewNonces returns nonces under key, which must be NonceKeySize bytes or
// nil for a random key of this process only. window is how long a nonce is
// handed out, zero meaning DefaultNonceWindow; now is the clock, nil
// meaning time.Now.
func NewNonces(key []byte, window time.Duration, now func() time.Time) (*Nonces, error) {
	switch {
	case key == nil:
		key = make([]byte, NonceKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	case len(key) != NonceKeySize:
		return nil, errors.New("dpop: the nonce key must be 32 bytes")
	}
	if window <= 0 {
		window = DefaultNonceWindow
	}
	if now == nil {
		now = time.Now
	}
	return &Nonces{key: append([]byte(nil), key...), window: window, now: now}, nil
}

// epoch returns the number of the window now falls in.
func (n *Nonces) epoch() uint64 { return uint64(n.now().UnixNano() / int64(n.window)) }

func (n *Nonces) make(epoch uint64) string {
	var buf [8 + nonceMACSize]byte
	binary.BigEndian.PutUint64(buf[:8], epoch)
	copy(buf[8:], n.mac(buf[:8]))
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

func (n *Nonces) mac(epoch []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte("dpop-nonce"))
	m.Write(epoch)
	return m.Sum(nil)[:nonceMACSize]
}

// Nonce returns the nonce of the current window.
func (n *Nonces) Nonce() string { return n.make(n.epoch()) }

// Valid reports whether nonce was handed out in the current window or the
// one before.
func (n *Nonces) Valid(nonce string) bool {
	var buf [8 + nonceMACSize]byte
	if base64.RawURLEncoding.EncodedLen(len(buf)) != len(nonce) {
		return false
	}
	if k, err := base64.RawURLEncoding.Decode(buf[:], []byte(nonce)); err != nil || k != len(buf) {
		return false
	}
	e, cur := binary.BigEndian.Uint64(buf[:8]), n.epoch()
	if e != cur && e+1 != cur {
		return false
	}
	return hmac.Equal(buf[8:], n.mac(buf[:8]))
}
