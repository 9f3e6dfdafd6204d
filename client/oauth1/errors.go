package oauth1

import (
	"errors"
	"fmt"
	"strings"
)

// Errors about the client's own configuration or request. They are
// returned before anything is sent, wrapped with detail; test them with
// errors.Is.
var (
	ErrNilConfig            = errors.New("oauth1: nil Config")
	ErrMissingConsumerKey   = errors.New("oauth1: missing consumer key")
	ErrUnsupportedMethod    = errors.New("oauth1: unsupported signature method")
	ErrUnsupportedPlacement = errors.New("oauth1: unsupported parameter placement")
	ErrMissingSigner        = errors.New("oauth1: RSA-SHA1 needs a Signer")
	ErrNotRSAKey            = errors.New("oauth1: RSA-SHA1 needs an RSA key")
	ErrInsecurePlaintext    = errors.New("oauth1: PLAINTEXT needs https")
	ErrInvalidURL           = errors.New("oauth1: invalid request URL")
	ErrInvalidEncoding      = errors.New("oauth1: invalid form encoding")
	ErrReservedParameter    = errors.New("oauth1: request already carries an oauth_ parameter")
	ErrBodyPlacement        = errors.New("oauth1: protocol parameters cannot go in this request's body")
	ErrInvalidRealm         = errors.New("oauth1: realm has control characters")
	ErrInvalidNonce         = errors.New("oauth1: empty nonce")
	ErrInvalidTimestamp     = errors.New("oauth1: timestamp is not a positive integer")
	ErrMissingEndpoint      = errors.New("oauth1: endpoint URL not configured")
	ErrInvalidCallback      = errors.New("oauth1: callback is neither an absolute URI nor \"oob\"")
	ErrMissingParameter     = errors.New("oauth1: missing parameter")
)

// Errors about what the server sent back: wrapped in a *ResponseError for
// the credentials requests, returned wrapped by ParseCallback.
var (
	ErrUnexpectedStatus     = errors.New("oauth1: unexpected HTTP status")
	ErrResponseTooLarge     = errors.New("oauth1: response body too large")
	ErrMalformedResponse    = errors.New("oauth1: malformed form-encoded response")
	ErrCallbackNotConfirmed = errors.New("oauth1: oauth_callback_confirmed is not \"true\"")
	ErrMalformedCallback    = errors.New("oauth1: malformed callback query")
	ErrTokenMismatch        = errors.New("oauth1: callback oauth_token does not match the temporary credentials")
	ErrAuthorizationDenied  = errors.New("oauth1: authorization denied")
)

// ResponseError reports a credentials request (RFC 5849 §2.1, §2.3) that
// the server did not answer with valid credentials.
type ResponseError struct {
	Op         string // "temporary credentials" or "token credentials"
	StatusCode int    // HTTP status code of the response
	// Body summarizes the response body: at most 256 bytes of valid UTF-8,
	// control characters replaced, the value of any form-encoded
	// oauth_token_secret pair redacted.
	Body string
	Err  error // why the response was rejected; one of the errors above
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("oauth1: %s request: %s (HTTP %d, body %q)",
		e.Op, strings.TrimPrefix(fmt.Sprint(e.Err), "oauth1: "), e.StatusCode, e.Body)
}

func (e *ResponseError) Unwrap() error { return e.Err }
