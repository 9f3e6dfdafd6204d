package daemon

import (
	"context"
	"net/http"
	"slices"

	"github.com/grantry/grantry"
)

// recorder remembers the status of a response.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	if r.status != 0 {
		return
	}
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// failure receives the OAuth error code of a request to an OAuth endpoint,
// from the authorization server's Events.Failed, for route to count and
// log.
type failure struct{ code string }

type failureKey struct{}

// errorCode returns the error code noted, or "" for none or a nil f.
func (f *failure) errorCode() string {
	if f == nil {
		return ""
	}
	return f.code
}

// withFailure returns r with a failure that noteFailure fills in.
func withFailure(r *http.Request) (*http.Request, *failure) {
	f := new(failure)
	return r.WithContext(context.WithValue(r.Context(), failureKey{}, f)), f
}

// noteFailure is the authorization server's Events.Failed, called as it
// answers a request with an OAuth error: a JSON error (RFC 6749 §5.2) or
// a redirect to the client (§4.1.2.1). It keeps the error code, bounded,
// of the first error answered, for a request that withFailure prepared;
// other requests are not counted. An error without a code is "other".
func noteFailure(r *http.Request, e *grantry.Error) {
	if f, ok := r.Context().Value(failureKey{}).(*failure); ok && f.code == "" {
		f.code = boundedCode(string(e.Code))
	}
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
	grantry.ErrExpiredToken, grantry.ErrInvalidTarget,
}

// boundedCode keeps metric labels few: a known error code, or "other".
func boundedCode(code string) string {
	if slices.Contains(knownCodes, grantry.ErrorCode(code)) {
		return code
	}
	return "other"
}
