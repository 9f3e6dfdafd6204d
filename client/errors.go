package client

import (
	"errors"
	"fmt"

	"github.com/grantry/grantry"
)

// Errors of the login flow and of the registry. They are wrapped with
// detail; test for them with errors.Is.
var (
	// ErrStateMissing means the callback came without the state saved by
	// AuthorizeRedirect: the user agent did not start the login here, its
	// state was already used, or the cookie was not sent back.
	ErrStateMissing = errors.New("client: no login state for this user agent")
	// ErrStateInvalid means the saved state cannot be read: forged, sealed
	// with another key, or meant for another app.
	ErrStateInvalid = errors.New("client: login state cannot be read")
	// ErrStateExpired means the login took longer than the state lifetime.
	ErrStateExpired = errors.New("client: login state expired")
	// ErrStateMismatch means the callback does not answer the request this
	// user agent made: its state (RFC 6749 §10.12) or, for OAuth 1.0, its
	// oauth_token (RFC 5849 §2.2) differs from the saved one.
	ErrStateMismatch = errors.New("client: callback does not match the login state")
	// ErrRedirectURI means the redirect URI is not absolute, or not https
	// on a host other than loopback.
	ErrRedirectURI = errors.New("client: invalid redirect URI")
	// ErrNoToken means no token was found for a request: no fetch-token
	// function is set, or it found none.
	ErrNoToken = errors.New("client: no token")
	// ErrPath means an API path is not a reference relative to the API
	// base URL.
	ErrPath = errors.New("client: API path must be relative to the API base URL")
	// ErrNoUserInfo means the app has no UserInfo endpoint.
	ErrNoUserInfo = errors.New("client: no UserInfo endpoint")
	// ErrAppConfig means an app's configuration is invalid.
	ErrAppConfig = errors.New("client: invalid app configuration")
)

// ProviderError is a refusal the provider sent back to the redirect URI
// instead of an authorization: an OAuth 2.0 error response (RFC 6749
// §4.1.2.1), such as access_denied or login_required, or an OAuth 1.0
// denial, reported with the code access_denied when the provider gave
// none. errors.Is(err, grantry.ErrAccessDenied) holds for a refusal of
// that code.
type ProviderError struct {
	Code        grantry.ErrorCode // error
	Description string            // error_description
	URI         string            // error_uri
	// Err is the error of the protocol package: an *oauth2.Error or
	// oauth1.ErrAuthorizationDenied.
	Err error
}

// Error implements the error interface.
func (e *ProviderError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("client: the provider refused: %s: %s", e.Code, e.Description)
	}
	return "client: the provider refused: " + string(e.Code)
}

// Unwrap returns the error of the protocol package.
func (e *ProviderError) Unwrap() error { return e.Err }

// Is reports whether target is e's code.
func (e *ProviderError) Is(target error) bool {
	c, ok := target.(grantry.ErrorCode)
	return ok && c == e.Code
}
