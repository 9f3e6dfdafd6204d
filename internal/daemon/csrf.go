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
	return csrfMAC(s.csrf.Load().current, sess)
}

func csrfMAC(key []byte, sess *session) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csrf\x00"))
	m.Write([]byte(sess.token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports, in constant time for each key, whether token is the
// session's under the current key, or under a retired one whose grace
// period has not ended: a form shown before a rotation of the session
// key still posts.
func (s *sessions) checkCSRF(sess *session, token string) bool {
	if sess == nil || token == "" {
		return false
	}
	keys := s.csrf.Load()
	if hmac.Equal([]byte(token), []byte(csrfMAC(keys.current, sess))) {
		return true
	}
	now := s.now()
	for _, r := range keys.retired {
		if now.Before(r.Until) && hmac.Equal([]byte(token), []byte(csrfMAC(r.Key, sess))) {
			return true
		}
	}
	return false
}
