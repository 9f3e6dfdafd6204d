package grantry

import (
	"errors"
	"net/http"
	"strings"
)

// ErrorCode is an OAuth error code, the value of the error parameter. It is
// an error itself: a grant may return one as it is (the renderer answers it
// with the code's default status and no description), and
// errors.Is(err, grantry.ErrInvalidGrant) holds for any *Error in err's
// chain whose Code is invalid_grant.
type ErrorCode string

// Error implements the error interface: the code itself.
func (c ErrorCode) Error() string { return string(c) }

// Error codes of RFC 6749 §4.1.2.1, §4.2.2.1 and §5.2, RFC 6750 §3.1,
// RFC 7009 §2.2.1, RFC 8628 §3.5 and RFC 8707 §2.
const (
	ErrInvalidRequest          ErrorCode = "invalid_request"
	ErrInvalidClient           ErrorCode = "invalid_client"
	ErrInvalidGrant            ErrorCode = "invalid_grant"
	ErrUnauthorizedClient      ErrorCode = "unauthorized_client"
	ErrUnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	ErrUnsupportedResponseType ErrorCode = "unsupported_response_type"
	ErrInvalidScope            ErrorCode = "invalid_scope"
	ErrAccessDenied            ErrorCode = "access_denied"
	ErrServerError             ErrorCode = "server_error"
	ErrTemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	ErrInvalidToken            ErrorCode = "invalid_token"
	ErrInsufficientScope       ErrorCode = "insufficient_scope"
	ErrUnsupportedTokenType    ErrorCode = "unsupported_token_type"
	ErrAuthorizationPending    ErrorCode = "authorization_pending"
	ErrSlowDown                ErrorCode = "slow_down"
	ErrExpiredToken            ErrorCode = "expired_token"
	// ErrInvalidTarget is RFC 8707 §2: a resource is invalid, unknown, or
	// not one the client may ask for.
	ErrInvalidTarget ErrorCode = "invalid_target"
	// ErrInvalidDPoPProof is RFC 9449 §7.1: the DPoP proof is missing,
	// invalid, or proves another key than the one the grant or token is
	// bound to.
	ErrInvalidDPoPProof ErrorCode = "invalid_dpop_proof"
	// ErrUseDPoPNonce is RFC 9449 §8 and §9: the server requires a nonce
	// in DPoP proofs; the DPoP-Nonce header of the answer gives one.
	ErrUseDPoPNonce ErrorCode = "use_dpop_nonce"
)

// Error codes of OpenID Connect Core 1.0 §3.1.2.6, answered at the
// authorization endpoint.
const (
	ErrInteractionRequired      ErrorCode = "interaction_required"
	ErrLoginRequired            ErrorCode = "login_required"
	ErrAccountSelectionRequired ErrorCode = "account_selection_required"
	ErrConsentRequired          ErrorCode = "consent_required"
	ErrInvalidRequestURI        ErrorCode = "invalid_request_uri"
	ErrInvalidRequestObject     ErrorCode = "invalid_request_object"
	ErrRequestNotSupported      ErrorCode = "request_not_supported"
	ErrRequestURINotSupported   ErrorCode = "request_uri_not_supported"
	ErrRegistrationNotSupported ErrorCode = "registration_not_supported"
)

// Error codes of RFC 7591 §3.2.2, answered by the client registration
// endpoint and by the client configuration endpoint of RFC 7592.
const (
	ErrInvalidRedirectURI          ErrorCode = "invalid_redirect_uri"
	ErrInvalidClientMetadata       ErrorCode = "invalid_client_metadata"
	ErrInvalidSoftwareStatement    ErrorCode = "invalid_software_statement"
	ErrUnapprovedSoftwareStatement ErrorCode = "unapproved_software_statement"
)

// Error is an OAuth error response. Every endpoint returns its failures as an
// *Error; one renderer in package authserver (and one in package bearer)
// turns it into the response its RFC specifies.
//
// Cause is the internal reason of a server_error or
// temporarily_unavailable: it is logged, never sent.
type Error struct {
	// Code is the error code, one of the Err... constants or an
	// extension's own code.
	Code ErrorCode
	// Description is the human-readable error_description. It must hold
	// only characters %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2); the
	// renderer drops any other.
	Description string
	// URI is the error_uri.
	URI string
	// Status is the HTTP status. Zero means the default for Code.
	Status int
	// State is echoed as the state parameter of an authorization response.
	State string
	// RedirectURI, when set, is the client's trusted redirection URI: the
	// error may be sent there instead of in a response body
	// (RFC 6749 §4.1.2.1). It is set only once the client and its redirect
	// URI have been validated.
	RedirectURI string
	// ResponseMode is how a redirected error travels: "query", "fragment"
	// or "form_post".
	ResponseMode string
	// Header holds extra response headers, such as WWW-Authenticate or
	// Retry-After.
	Header http.Header
	// Cause is the internal cause, for logs only.
	Cause error
}

// NewError returns an error with the given code and description and the
// default status for that code.
func NewError(code ErrorCode, description string) *Error {
	return &Error{Code: code, Description: description}
}

// InvalidRequest returns an invalid_request error.
func InvalidRequest(description string) *Error {
	return NewError(ErrInvalidRequest, description)
}

// ServerError returns a server_error error whose cause is logged, never sent.
func ServerError(cause error) *Error {
	return &Error{Code: ErrServerError, Description: "the server met an unexpected condition", Cause: cause}
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is e's code, so that
// errors.Is(err, grantry.ErrInvalidGrant) finds an invalid_grant error
// whatever its description.
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorCode)
	return ok && c == e.Code
}

// AsError returns the *Error in err's chain. A bare ErrorCode becomes an
// *Error of that code; ok is false when err holds neither.
func AsError(err error) (e *Error, ok bool) {
	if errors.As(err, &e) {
		return e, true
	}
	var c ErrorCode
	if errors.As(err, &c) {
		return &Error{Code: c}, true
	}
	return nil, false
}

// HTTPStatus returns Status, or the default status for Code: 401 for
// invalid_client and invalid_token, 403 for insufficient_scope, 500 for
// server_error, 503 for temporarily_unavailable and 400 for the rest
// (RFC 6749 §5.2, RFC 6750 §3.1).
func (e *Error) HTTPStatus() int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case ErrInvalidClient, ErrInvalidToken:
		return http.StatusUnauthorized
	case ErrInsufficientScope:
		return http.StatusForbidden
	case ErrServerError:
		return http.StatusInternalServerError
	case ErrTemporarilyUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// Redirectable reports whether the error may be sent to the client's
// redirection URI rather than in a response body.
func (e *Error) Redirectable() bool { return e.RedirectURI != "" }

// SafeDescription returns Description without the characters RFC 6749 §5.2
// forbids in error_description.
func (e *Error) SafeDescription() string {
	return strings.Map(func(r rune) rune {
		if r == 0x20 || r == 0x21 || (r >= 0x23 && r <= 0x5B) || (r >= 0x5D && r <= 0x7E) {
			return r
		}
		return -1
	}, e.Description)
}

// MarshalJSON writes the error as the JSON body of RFC 6749 §5.2: error,
// and error_description, error_uri and state when set. The description is
// SafeDescription; the cause is never written.
func (e *Error) MarshalJSON() ([]byte, error) { return e.AppendJSON(make([]byte, 0, 128)), nil }

// AppendJSON appends the JSON body of MarshalJSON to b.
func (e *Error) AppendJSON(b []byte) []byte {
	b = append(b, `{"error":`...)
	b = AppendJSONString(b, string(e.Code))
	if d := e.SafeDescription(); d != "" {
		b = append(b, `,"error_description":`...)
		b = AppendJSONString(b, d)
	}
	if e.URI != "" {
		b = append(b, `,"error_uri":`...)
		b = AppendJSONString(b, e.URI)
	}
	if e.State != "" {
		b = append(b, `,"state":`...)
		b = AppendJSONString(b, e.State)
	}
	return append(b, '}')
}
