package daemon

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// csrfToken returns the token every form of the session carries: an HMAC
// of the cookie's token, so it needs no storage, reveals nothing of the
// cookie, and dies when the cookie changes at sign-in and sign-out.
func (s *sessions) csrfToken(sess *session) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf\x00"))
	m.Write([]byte(sess.token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports, in constant time, whether token is the session's.
func (s *sessions) checkCSRF(sess *session, token string) bool {
	if sess == nil || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(s.csrfToken(sess)))
}
