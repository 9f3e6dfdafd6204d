package daemon

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry"
)

// recorder remembers the status of a response and, at an OAuth endpoint,
// the error code of an OAuth error: from the JSON body of RFC 6749 §5.2 or
// from the error parameter of a redirect (§4.1.2.1).
type recorder struct {
	http.ResponseWriter
	oauth  bool // an OAuth endpoint: error codes are read
	status int
	code   string
	sniff  bool
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 {
		return
	}
	r.status = status
	h := r.Header()
	switch {
	case !r.oauth:
	case status == http.StatusFound || status == http.StatusSeeOther:
		r.code = redirectErrorCode(h.Get("Location"))
	case status >= 400 && strings.HasPrefix(h.Get("Content-Type"), "application/json"):
		r.sniff = true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.sniff {
		r.sniff = false
		r.code = jsonErrorCode(b)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// jsonErrorCode reads the error member that starts every error body the
// authorization server writes.
func jsonErrorCode(b []byte) string {
	const prefix = `{"error":"`
	s := string(b)
	if !strings.HasPrefix(s, prefix) {
		return ""
	}
	s = s[len(prefix):]
	end := strings.IndexByte(s, '"')
	if end < 0 {
		return ""
	}
	return boundedCode(s[:end])
}

// redirectErrorCode returns the error parameter of a redirect to a client.
func redirectErrorCode(location string) string {
	if !strings.Contains(location, "error=") {
		return ""
	}
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	code := u.Query().Get("error")
	if code == "" {
		frag, _ := url.ParseQuery(u.Fragment)
		code = frag.Get("error")
	}
	return boundedCode(code)
}

// knownCodes are the error codes a metric label may name: those the
// server answers with. Any other is counted as "other", so that no request
// can add a series.
var knownCodes = []grantry.ErrorCode{
	grantry.ErrInvalidRequest, grantry.ErrInvalidClient, grantry.ErrInvalidGrant,
	grantry.ErrUnauthorizedClient, grantry.ErrUnsupportedGrantType, grantry.ErrUnsupportedResponseType,
	grantry.ErrInvalidScope, grantry.ErrAccessDenied, grantry.ErrServerError,
	grantry.ErrTemporarilyUnavailable, grantry.ErrInvalidToken, grantry.ErrInsufficientScope,
	grantry.ErrUnsupportedTokenType, grantry.ErrAuthorizationPending, grantry.ErrSlowDown,
	grantry.ErrExpiredToken,
}

// boundedCode keeps metric labels few: a known error code, or "other".
func boundedCode(code string) string {
	if code == "" || slices.Contains(knownCodes, grantry.ErrorCode(code)) {
		return code
	}
	return "other"
}
