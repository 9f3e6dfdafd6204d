package oauth2

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/grantry/grantry"
)

// Errors of the client itself. They are wrapped with detail; test for them
// with errors.Is.
var (
	// ErrTokenResponse means a token endpoint response is not a valid RFC
	// 6749 §5.1 response.
	ErrTokenResponse = errors.New("oauth2: invalid token response")
	// ErrNoToken means the client holds no token yet.
	ErrNoToken = errors.New("oauth2: no token")
	// ErrTokenExpired means the token has expired and cannot be renewed.
	ErrTokenExpired = errors.New("oauth2: token expired and cannot be refreshed")
	// ErrNoRefreshToken means a refresh was asked for without a refresh token.
	ErrNoRefreshToken = errors.New("oauth2: no refresh token")
	// ErrState means the state of an authorization response does not match
	// the request's (RFC 6749 §10.12).
	ErrState = errors.New("oauth2: state mismatch")
	// ErrIssuer means the iss of an authorization response is wrong or
	// missing (RFC 9207 §2.4).
	ErrIssuer = errors.New("oauth2: issuer mismatch")
	// ErrCallback means an authorization response is malformed.
	ErrCallback = errors.New("oauth2: invalid authorization response")
	// ErrUnsupportedTokenType means the token's type is not Bearer and no
	// ProtectedRequest hook places it.
	ErrUnsupportedTokenType = errors.New("oauth2: unsupported token type")
	// ErrNoEndpoint means the endpoint a call needs is not configured.
	ErrNoEndpoint = errors.New("oauth2: endpoint not configured")
)

// Error is an error response of an authorization server: an authorization
// error response (RFC 6749 §4.1.2.1), a token, revocation or introspection
// error response (RFC 6749 §5.2, RFC 7009 §2.2.1), or an HTTP failure of
// those endpoints, in which case Code is empty. errors.Is(err,
// grantry.ErrInvalidGrant) holds for an Error of that code.
type Error struct {
	Code        grantry.ErrorCode // error, such as grantry.ErrInvalidGrant
	Description string            // error_description
	URI         string            // error_uri
	// StatusCode is the HTTP status of the response; zero for an error
	// received at the redirection URI.
	StatusCode int
	// Header holds the response headers, such as WWW-Authenticate or
	// Retry-After.
	Header http.Header
	// Body is the start of a response body that is not an RFC error
	// document, for diagnosis.
	Body []byte
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("oauth2: ")
	if e.Code != "" {
		b.WriteString(string(e.Code))
	} else {
		b.WriteString("server error")
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	return b.String()
}

// Is reports whether target is e's code, so that errors.Is(err,
// grantry.ErrInvalidGrant) finds an invalid_grant response whatever its
// description.
func (e *Error) Is(target error) bool {
	c, ok := target.(grantry.ErrorCode)
	return ok && e.Code != "" && c == e.Code
}
